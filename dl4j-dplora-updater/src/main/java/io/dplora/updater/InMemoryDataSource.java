package io.dplora.updater;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * An {@link IndexedDataSource} over a {@link DataSet} held in memory: row j of {@code get(indices)} is example
 * {@code indices[j]} (features, labels and any masks, for 2D or sequence data).
 */
public final class InMemoryDataSource implements IndexedDataSource {

    private final DataSet data;
    private final int size;

    /** @param data features and labels with the examples along dimension 0 (masks optional) */
    public InMemoryDataSource(DataSet data) {
        if (data == null || data.getFeatures() == null || data.getLabels() == null) {
            throw new IllegalArgumentException("training data must have features and labels");
        }
        long n = data.getFeatures().size(0);
        if (n < 1 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("training data must hold between 1 and 2^31-1 examples, got " + n);
        }
        if (data.getLabels().size(0) != n) {
            throw new IllegalArgumentException("features have " + n + " rows but labels " + data.getLabels().size(0));
        }
        this.data = data;
        this.size = (int) n;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public DataSet get(int[] indices) {
        if (indices == null || indices.length == 0) {
            throw new IllegalArgumentException("at least one index is required");
        }
        long[] idx = new long[indices.length];
        for (int j = 0; j < indices.length; j++) {
            if (indices[j] < 0 || indices[j] >= size) {
                throw new IndexOutOfBoundsException("index " + indices[j] + " outside [0, " + size + ")");
            }
            idx[j] = indices[j];
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return new DataSet(rows(data.getFeatures(), idx), rows(data.getLabels(), idx),
                    rows(data.getFeaturesMaskArray(), idx), rows(data.getLabelsMaskArray(), idx));
        }
    }

    private static INDArray rows(INDArray arr, long[] idx) {
        if (arr == null) {
            return null;
        }
        INDArrayIndex[] ix = new INDArrayIndex[arr.rank()];
        ix[0] = NDArrayIndex.indices(idx);
        for (int d = 1; d < ix.length; d++) {
            ix[d] = NDArrayIndex.all();
        }
        INDArray out = arr.get(ix).dup();
        long[] shape = arr.shape().clone();
        shape[0] = idx.length;
        return out.reshape(shape);
    }
}
