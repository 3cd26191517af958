package io.dplora.updater;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An {@link IndexedDataSource} over a {@link DataSet} held in memory: row j of {@code get(indices)} is example
 * {@code indices[j]} (features, labels and any masks, for 2D or sequence data).
 *
 * <p>Each array is kept as a 'c'-ordered [N, rest] matrix, so that a batch is gathered with one native
 * {@link Nd4j#pullRows} per array (a view per row through {@code NDArrayIndex.indices} costs about 0.1 ms per example).
 */
public final class InMemoryDataSource implements IndexedDataSource {

    /** features, labels, feature mask, label mask as 'c'-ordered [N, rest] matrices (null when absent) */
    private final INDArray[] rows;
    /** their original shapes */
    private final long[][] shapes;
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
        INDArray[] arrays = {data.getFeatures(), data.getLabels(), data.getFeaturesMaskArray(),
                data.getLabelsMaskArray()};
        this.rows = new INDArray[arrays.length];
        this.shapes = new long[arrays.length][];
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (int k = 0; k < arrays.length; k++) {
                INDArray a = arrays[k];
                if (a != null) {
                    if (a.size(0) != n) {
                        throw new IllegalArgumentException("every array must have " + n + " rows, got "
                                + java.util.Arrays.toString(a.shape()));
                    }
                    INDArray c = a.ordering() == 'c' && !a.isView() ? a : a.dup('c');
                    rows[k] = c.reshape('c', n, a.length() / n);
                    shapes[k] = a.shape();
                }
            }
        }
        this.size = (int) n;
    }

    /**
     * Materialises a DL4J iterator's data in memory, as Poisson sampling needs random access. Every DataSet the
     * iterator returns is used as it comes out of {@code next()}, so a pre-processor set on the iterator (a normaliser
     * fitted on public data, ...) is applied exactly as the user configured it. Sequences of different lengths are
     * padded and masked as {@link DataSet#merge} does.
     *
     * @param iterator the private training data (reset first when it supports reset)
     * @param maxBytes the most bytes the materialised arrays may take
     * @return the data as a source of N examples
     * @throws IllegalArgumentException if the data would take more than {@code maxBytes} (nothing is kept), or is
     *                                  empty
     */
    public static InMemoryDataSource fromIterator(DataSetIterator iterator, long maxBytes) {
        if (iterator == null) {
            throw new IllegalArgumentException("iterator must not be null");
        }
        if (iterator.resetSupported()) {
            iterator.reset();
        }
        java.util.List<DataSet> parts = new java.util.ArrayList<>();
        long bytes = 0;
        while (iterator.hasNext()) {
            DataSet d = iterator.next();
            for (INDArray a : new INDArray[] {d.getFeatures(), d.getLabels(), d.getFeaturesMaskArray(),
                    d.getLabelsMaskArray()}) {
                if (a != null) {
                    bytes += a.length() * a.dataType().width();
                }
            }
            if (bytes > maxBytes) {
                throw new IllegalArgumentException("the private training data does not fit the in-memory limit of "
                        + maxBytes + " bytes (more than " + bytes + " bytes read so far): raise the limit "
                        + "(InMemoryDataSource.fromIterator(iterator, maxBytes), or the JavaCPP off-heap limit "
                        + "-Dorg.bytedeco.javacpp.maxbytes), or implement IndexedDataSource to read examples by index "
                        + "from disk");
            }
            parts.add(d);
        }
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("the iterator returned no data");
        }
        return new InMemoryDataSource(parts.size() == 1 ? parts.get(0) : DataSet.merge(parts));
    }

    /** @return the default limit of {@link #fromIterator}: a quarter of the off-heap memory ND4J may use */
    public static long defaultMaxBytes() {
        return org.bytedeco.javacpp.Pointer.maxBytes() / 4;
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
        for (int i : indices) {
            if (i < 0 || i >= size) {
                throw new IndexOutOfBoundsException("index " + i + " outside [0, " + size + ")");
            }
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return new DataSet(gather(0, indices), gather(1, indices), gather(2, indices), gather(3, indices));
        }
    }

    /** Rows {@code indices} of array k, in its original shape (one native gather). */
    private INDArray gather(int k, int[] indices) {
        if (rows[k] == null) {
            return null;
        }
        long[] shape = shapes[k].clone();
        shape[0] = indices.length;
        return Nd4j.pullRows(rows[k], 1, indices).reshape('c', shape);
    }
}
