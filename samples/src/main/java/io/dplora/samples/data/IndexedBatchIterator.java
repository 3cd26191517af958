package io.dplora.samples.data;

import io.dplora.updater.IndexedDataSource;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;
import java.util.NoSuchElementException;

/**
 * A {@link DataSetIterator} over an {@link IndexedDataSource} that visits every example once per pass, in the order of
 * {@link #order}, in batches of a fixed size (the last one smaller). Subclasses decide the order of each pass
 * ({@link #beginPass()}, called by {@link #reset()}). Not a DP sampler: DP-SGD draws Poisson batches.
 */
public abstract class IndexedBatchIterator implements DataSetIterator {

    private final IndexedDataSource source;
    private final int batchSize;
    /** The order of the current pass: a permutation of 0..n-1 (the identity until a subclass rearranges it). */
    protected final int[] order;
    private int cursor;
    private DataSetPreProcessor preProcessor;

    /**
     * @param source    the examples
     * @param batchSize examples per batch (at least 1)
     */
    protected IndexedBatchIterator(IndexedDataSource source, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        this.source = source;
        this.batchSize = batchSize;
        this.order = new int[source.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
    }

    /** Prepares {@link #order} for a new pass (called by {@link #reset()}); the default keeps it. */
    protected void beginPass() {
    }

    /** @return the number of batches per pass. */
    public final int batchesPerEpoch() {
        return (order.length + batchSize - 1) / batchSize;
    }

    @Override
    public final boolean hasNext() {
        return cursor < order.length;
    }

    @Override
    public final DataSet next() {
        return next(batchSize);
    }

    @Override
    public final DataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException("pass complete (" + order.length + " examples); call reset()");
        }
        int n = Math.min(num, order.length - cursor);
        int[] idx = new int[n];
        System.arraycopy(order, cursor, idx, 0, n);
        cursor += n;
        DataSet ds = source.get(idx);
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    @Override
    public final int inputColumns() {
        return (int) source.get(new int[] {0}).getFeatures().size(1);
    }

    @Override
    public final int totalOutcomes() {
        return (int) source.get(new int[] {0}).getLabels().size(1);
    }

    @Override
    public final boolean resetSupported() {
        return true;
    }

    /** Starts a new pass, in the order {@link #beginPass()} gives. */
    @Override
    public final void reset() {
        beginPass();
        cursor = 0;
    }

    @Override
    public final int batch() {
        return batchSize;
    }

    @Override
    public final void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public final DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public final List<String> getLabels() {
        return null;
    }
}
