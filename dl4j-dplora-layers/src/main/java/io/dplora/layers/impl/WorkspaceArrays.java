package io.dplora.layers.impl;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Whether an array kept from a forward pass for the backward pass is still backed by live memory. */
public final class WorkspaceArrays {

    private WorkspaceArrays() {
    }

    /**
     * @return false for an array whose workspace was closed or re-entered since it was created (its memory may have
     * been reused), true for live workspace arrays, detached arrays and null
     */
    public static boolean isLive(INDArray a) {
        if (a == null) {
            return true;
        }
        if (a.wasClosed()) {
            return false;
        }
        if (!a.isAttached()) {
            return true;
        }
        MemoryWorkspace ws = a.data().getParentWorkspace();
        return ws != null && ws.getWorkspaceType() != MemoryWorkspace.Type.CIRCULAR && ws.isScopeActive()
                && ws.getGenerationId() == a.data().getGenerationId();
    }

    /** @return whether every array is {@link #isLive(INDArray) live} */
    public static boolean allLive(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (!isLive(a)) {
                return false;
            }
        }
        return true;
    }
}
