package io.dplora.benchmarks;

import io.dplora.updater.IndexedDataSource;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The same rows as the updater's {@code InMemoryDataSource}, gathered with one native {@link Nd4j#pullRows} per array
 * (arrays of any rank viewed as [N, rest] in 'c' order) instead of {@code get(NDArrayIndex.indices(...)).dup()}, which
 * creates a view per row. Used only by the breakdown, through the public {@link IndexedDataSource} overload of
 * {@code DPLoRA.makePrivate}, to show what the change proposed in notes/bench-inmemorydatasource.diff would give.
 */
final class PullRowsDataSource implements IndexedDataSource {

    /** features, labels, feature mask, label mask as [N, rest] 'c' matrices (null when absent) */
    private final INDArray[] arrays;
    /** their original shapes */
    private final long[][] shapes;
    private final int size;

    PullRowsDataSource(DataSet data) {
        this.size = (int) data.getFeatures().size(0);
        this.arrays = new INDArray[]{asRows(data.getFeatures()), asRows(data.getLabels()),
                asRows(data.getFeaturesMaskArray()), asRows(data.getLabelsMaskArray())};
        this.shapes = new long[][]{shape(data.getFeatures()), shape(data.getLabels()),
                shape(data.getFeaturesMaskArray()), shape(data.getLabelsMaskArray())};
    }

    private static INDArray asRows(INDArray a) {
        return a == null ? null : a.dup('c').reshape('c', a.size(0), a.length() / a.size(0));
    }

    private static long[] shape(INDArray a) {
        return a == null ? null : a.shape();
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public DataSet get(int[] indices) {
        for (int i : indices) {
            if (i < 0 || i >= size) {
                throw new IndexOutOfBoundsException("index " + i + " outside [0, " + size + ")");
            }
        }
        INDArray[] out = new INDArray[arrays.length];
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (int k = 0; k < arrays.length; k++) {
                if (arrays[k] != null) {
                    long[] s = shapes[k].clone();
                    s[0] = indices.length;
                    out[k] = Nd4j.pullRows(arrays[k], 1, indices).reshape('c', s);
                }
            }
        }
        return new DataSet(out[0], out[1], out[2], out[3]);
    }
}
