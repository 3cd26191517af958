package io.dplora.updater;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Arrays whose dimension 0 is the example, kept as 'c'-ordered [N, rest] matrices outside any workspace, from which
 * the rows of any index list are gathered back in their original shapes (one native gather per array). Null arrays
 * (absent masks) stay null.
 */
final class RowStore {

    private final INDArray[] rows;
    private final long[][] shapes;
    private final int size;

    /**
     * @param arrays arrays with the examples along dimension 0 (nulls allowed); at least one non-null
     * @throws IllegalArgumentException if they disagree on the number of examples or hold none
     */
    RowStore(INDArray... arrays) {
        long n = -1;
        for (INDArray a : arrays) {
            if (a != null) {
                if (n >= 0 && a.size(0) != n) {
                    throw new IllegalArgumentException("every array must have " + n + " rows, got "
                            + Arrays.toString(a.shape()));
                }
                n = a.size(0);
            }
        }
        if (n < 1 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("training data must hold between 1 and 2^31-1 examples, got " + n);
        }
        this.rows = new INDArray[arrays.length];
        this.shapes = new long[arrays.length][];
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (int k = 0; k < arrays.length; k++) {
                INDArray a = arrays[k];
                if (a != null) {
                    INDArray c = a.ordering() == 'c' && !a.isView() ? a : a.dup('c');
                    rows[k] = c.reshape('c', n, a.length() / n);
                    shapes[k] = a.shape();
                }
            }
        }
        this.size = (int) n;
    }

    int size() {
        return size;
    }

    /** @throws IllegalArgumentException / IndexOutOfBoundsException for an empty or out-of-range index list */
    void check(int[] indices) {
        if (indices == null || indices.length == 0) {
            throw new IllegalArgumentException("at least one index is required");
        }
        for (int i : indices) {
            if (i < 0 || i >= size) {
                throw new IndexOutOfBoundsException("index " + i + " outside [0, " + size + ")");
            }
        }
    }

    /** @return rows {@code indices} of array k in its original shape, or null for an absent array */
    INDArray gather(int k, int[] indices) {
        if (rows[k] == null) {
            return null;
        }
        long[] shape = shapes[k].clone();
        shape[0] = indices.length;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Nd4j.pullRows(rows[k], 1, indices).reshape('c', shape);
        }
    }
}
