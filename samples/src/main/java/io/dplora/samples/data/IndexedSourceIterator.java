package io.dplora.samples.data;

import io.dplora.updater.IndexedDataSource;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;
import java.util.NoSuchElementException;

/**
 * A plain {@link DataSetIterator} over an {@link IndexedDataSource} in index order, in fixed-size batches (the last
 * one smaller): for evaluation and for non-private training. Not a DP sampler: DP-SGD draws Poisson batches.
 */
public final class IndexedSourceIterator implements DataSetIterator {

    private final IndexedDataSource source;
    private final int batchSize;
    private int cursor;
    private DataSetPreProcessor preProcessor;

    public IndexedSourceIterator(IndexedDataSource source, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        this.source = source;
        this.batchSize = batchSize;
    }

    @Override
    public boolean hasNext() {
        return cursor < source.size();
    }

    @Override
    public DataSet next() {
        return next(batchSize);
    }

    @Override
    public DataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException("no more batches (" + source.size() + " examples)");
        }
        int n = Math.min(num, source.size() - cursor);
        int[] idx = new int[n];
        for (int j = 0; j < n; j++) {
            idx[j] = cursor + j;
        }
        cursor += n;
        DataSet ds = source.get(idx);
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    @Override
    public int inputColumns() {
        return (int) source.get(new int[] {0}).getFeatures().size(1);
    }

    @Override
    public int totalOutcomes() {
        return (int) source.get(new int[] {0}).getLabels().size(1);
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return true;
    }

    @Override
    public void reset() {
        cursor = 0;
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return null;
    }
}
