package io.dplora.updater;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The shared body of the two thin DL4J updater subclasses. */
final class DPUpdaterHook {

    /** The configured (super) update: iteration, epoch, workspace manager. */
    @FunctionalInterface
    interface ConfiguredUpdate {
        void run(int iteration, int epoch, LayerWorkspaceMgr workspaceMgr);
    }

    private DPUpdaterHook() {
    }

    /**
     * DL4J hands the updater a reshaped view of the network's flattened gradient (a new INDArray object over the same
     * buffer), so identity of the objects cannot be required; identity of the memory is.
     */
    static boolean sameBuffer(INDArray a, INDArray b) {
        if (a == b) {
            return true;
        }
        return a != null && b != null && a.length() == b.length() && a.offset() == b.offset()
                && a.data().address() == b.data().address();
    }

    static void update(DPUpdater dp, Gradient gradient, INDArray flatView, int epoch, LayerWorkspaceMgr workspaceMgr,
                       ConfiguredUpdate configured) {
        if (!sameBuffer(gradient.gradient(), flatView)) {
            throw new IllegalStateException("DP updater refused an external gradient (one not computed into the "
                    + "network's own gradient view); the DP step needs the per-example state of that computation");
        }
        long iteration;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            iteration = dp.beforeOptimizer(flatView);
        }
        if (iteration < 0) {
            return;
        }
        configured.run((int) Math.min(Integer.MAX_VALUE, iteration), epoch, workspaceMgr);
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            dp.afterOptimizer();
        }
    }
}
