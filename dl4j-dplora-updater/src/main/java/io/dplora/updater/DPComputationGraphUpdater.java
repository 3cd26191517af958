package io.dplora.updater;

import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The {@link ComputationGraphUpdater} installed by {@link DPUpdater#attach}: it lets the DP step privatise each raw
 * micro-batch gradient before the configured updater runs, runs that updater once per logical batch with the logical
 * step as iteration and minibatch size 1, and then zeroes every non-privatised coordinate. All logic is in
 * {@link DPUpdater}.
 */
public final class DPComputationGraphUpdater extends ComputationGraphUpdater implements ReleasedStepApplier {

    private static final long serialVersionUID = 1L;

    private final transient DPUpdater dp;

    DPComputationGraphUpdater(ComputationGraph graph, INDArray updaterState, DPUpdater dp) {
        super(graph, updaterState);
        this.dp = dp;
    }

    @Override
    public synchronized void update(Gradient gradient, int iteration, int epoch, int batchSize,
                                    LayerWorkspaceMgr workspaceMgr) {
        DPUpdaterHook.update(dp, gradient, getFlattenedGradientsView(), epoch, workspaceMgr,
                (it, ep, ws) -> super.update(gradient, it, ep, 1, ws));
    }

    /** Runs the configured updater on the already released gradient view (see {@link ReleasedStepApplier}). */
    @Override
    public synchronized void applyReleasedStep(int iteration, int epoch) {
        super.update(new DefaultGradient(getFlattenedGradientsView()), iteration, epoch, 1,
                LayerWorkspaceMgr.noWorkspaces());
    }

    /** @return the DP step this updater drives. */
    public DPUpdater dpUpdater() {
        return dp;
    }
}
