package io.dplora.updater;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * An {@link IndexedDataSource} over a {@link DataSet} held in memory: row j of {@code get(indices)} is example
 * {@code indices[j]} (features, labels and any masks, for 2D or sequence data).
 *
 * <p>Each array is kept as a 'c'-ordered [N, rest] matrix, so that a batch is gathered with one native
 * {@link Nd4j#pullRows} per array (a view per row through {@code NDArrayIndex.indices} costs about 0.1 ms per example).
 */
public final class InMemoryDataSource implements IndexedDataSource {

    /** features, labels, feature mask, label mask */
    private final RowStore store;

    /** @param data features and labels with the examples along dimension 0 (masks optional) */
    public InMemoryDataSource(DataSet data) {
        if (data == null || data.getFeatures() == null || data.getLabels() == null) {
            throw new IllegalArgumentException("training data must have features and labels");
        }
        this.store = new RowStore(data.getFeatures(), data.getLabels(), data.getFeaturesMaskArray(),
                data.getLabelsMaskArray());
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
                        + "-Dorg.bytedeco.javacpp.maxbytes), or cache it on disk (DiskCachedDataSource.fromIterator("
                        + "iterator, directory), an IndexedDataSource for DPLoRA.makePrivate)");
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
        return store.size();
    }

    @Override
    public DataSet get(int[] indices) {
        store.check(indices);
        return new DataSet(store.gather(0, indices), store.gather(1, indices), store.gather(2, indices),
                store.gather(3, indices));
    }
}
