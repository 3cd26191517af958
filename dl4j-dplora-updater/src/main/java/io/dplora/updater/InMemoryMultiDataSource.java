package io.dplora.updater;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** An in-memory {@link IndexedMultiDataSource}: every feature, label and mask array gathered by example index. */
public final class InMemoryMultiDataSource implements IndexedMultiDataSource {

    private final RowStore store;
    private final int inputs;
    private final int outputs;
    private final boolean featureMasks;
    private final boolean labelMasks;

    /** @param data features and labels (one array per network input/output) with the examples along dimension 0 */
    public InMemoryMultiDataSource(MultiDataSet data) {
        if (data == null || data.getFeatures() == null || data.getLabels() == null || data.getFeatures().length == 0
                || data.getLabels().length == 0) {
            throw new IllegalArgumentException("training data must have features and labels");
        }
        this.inputs = data.getFeatures().length;
        this.outputs = data.getLabels().length;
        this.featureMasks = data.getFeaturesMaskArrays() != null;
        this.labelMasks = data.getLabelsMaskArrays() != null;
        INDArray[] all = new INDArray[2 * (inputs + outputs)];
        for (int k = 0; k < inputs; k++) {
            all[k] = data.getFeatures()[k];
            all[inputs + outputs + k] = featureMasks ? data.getFeaturesMaskArrays()[k] : null;
        }
        for (int k = 0; k < outputs; k++) {
            all[inputs + k] = data.getLabels()[k];
            all[2 * inputs + outputs + k] = labelMasks ? data.getLabelsMaskArrays()[k] : null;
        }
        this.store = new RowStore(all);
    }

    /**
     * Materialises a DL4J MultiDataSetIterator in memory (reset first when supported; every MultiDataSet as
     * {@code next()} returns it, so its pre-processor applies; merged as {@code MultiDataSet.merge} pads and masks).
     *
     * @param maxBytes the most bytes the materialised arrays may take
     * @throws IllegalArgumentException above the limit (named), or for an empty iterator
     */
    public static InMemoryMultiDataSource fromIterator(
            org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator iterator, long maxBytes) {
        if (iterator == null) {
            throw new IllegalArgumentException("iterator must not be null");
        }
        if (iterator.resetSupported()) {
            iterator.reset();
        }
        java.util.List<MultiDataSet> parts = new java.util.ArrayList<>();
        long bytes = 0;
        while (iterator.hasNext()) {
            MultiDataSet d = iterator.next();
            for (INDArray[] group : new INDArray[][] {d.getFeatures(), d.getLabels(), d.getFeaturesMaskArrays(),
                d.getLabelsMaskArrays()}) {
                if (group != null) {
                    for (INDArray a : group) {
                        bytes += a == null ? 0 : a.length() * a.dataType().width();
                    }
                }
            }
            if (bytes > maxBytes) {
                throw new IllegalArgumentException("the private training data does not fit the in-memory limit of "
                        + maxBytes + " bytes (more than " + bytes + " bytes read so far): raise the limit "
                        + "(InMemoryMultiDataSource.fromIterator(iterator, maxBytes), or the JavaCPP off-heap limit "
                        + "-Dorg.bytedeco.javacpp.maxbytes), or cache it on disk (DiskCachedMultiDataSource"
                        + ".fromIterator(iterator, directory))");
            }
            parts.add(d);
        }
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("the iterator returned no data");
        }
        return new InMemoryMultiDataSource(parts.size() == 1 ? parts.get(0)
                : org.nd4j.linalg.dataset.MultiDataSet.merge(parts));
    }

    @Override
    public int size() {
        return store.size();
    }

    @Override
    public MultiDataSet get(int[] indices) {
        store.check(indices);
        INDArray[] f = new INDArray[inputs];
        INDArray[] l = new INDArray[outputs];
        INDArray[] fm = featureMasks ? new INDArray[inputs] : null;
        INDArray[] lm = labelMasks ? new INDArray[outputs] : null;
        for (int k = 0; k < inputs; k++) {
            f[k] = store.gather(k, indices);
            if (fm != null) {
                fm[k] = store.gather(inputs + outputs + k, indices);
            }
        }
        for (int k = 0; k < outputs; k++) {
            l[k] = store.gather(inputs + k, indices);
            if (lm != null) {
                lm[k] = store.gather(2 * inputs + outputs + k, indices);
            }
        }
        return new org.nd4j.linalg.dataset.MultiDataSet(f, l, fm, lm);
    }
}
