package io.dplora.samples.data;

import io.dplora.updater.IndexedDataSource;

/**
 * A plain iterator over an {@link IndexedDataSource} in index order, in fixed-size batches (the last one smaller):
 * for evaluation. Not a DP sampler: DP-SGD draws Poisson batches.
 */
public final class IndexedSourceIterator extends IndexedBatchIterator {

    public IndexedSourceIterator(IndexedDataSource source, int batchSize) {
        super(source, batchSize);
    }

    @Override
    public boolean asyncSupported() {
        return true;
    }
}
