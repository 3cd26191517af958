package io.dplora.samples.run;

import io.dplora.updater.IndexedDataSource;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * Non-private minibatches: each pass ({@link #reset()}) visits every example of an {@link IndexedDataSource} once, in
 * a fresh seeded random order, in batches of a fixed size (the last one smaller). Used for pretraining on public data
 * and for the non-private ({@code none}) baseline. Not a DP sampler: DP-SGD draws Poisson batches.
 */
public final class ShuffledBatches implements DataSetIterator {

    private final IndexedDataSource source;
    private final int batchSize;
    private final Random random;
    private final int[] order;
    private int cursor;
    private DataSetPreProcessor preProcessor;

    /**
     * @param source    the examples
     * @param batchSize examples per batch (at least 1)
     * @param seed      seed of the shuffling
     */
    public ShuffledBatches(IndexedDataSource source, int batchSize, long seed) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        this.source = source;
        this.batchSize = batchSize;
        this.random = new Random(seed);
        this.order = new int[source.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        shuffle();
    }

    private void shuffle() {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        cursor = 0;
    }

    /** @return the number of batches per pass. */
    public int batchesPerEpoch() {
        return (order.length + batchSize - 1) / batchSize;
    }

    @Override
    public boolean hasNext() {
        return cursor < order.length;
    }

    @Override
    public DataSet next() {
        return next(batchSize);
    }

    @Override
    public DataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException("pass complete; call reset()");
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
        return false;
    }

    /** Starts a new pass in a new random order. */
    @Override
    public void reset() {
        shuffle();
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
