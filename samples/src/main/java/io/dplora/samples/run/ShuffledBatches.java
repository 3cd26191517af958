package io.dplora.samples.run;

import io.dplora.samples.data.IndexedBatchIterator;
import io.dplora.updater.IndexedDataSource;

import java.util.Random;

/**
 * Non-private minibatches: each pass ({@link #reset()}) visits every example of an {@link IndexedDataSource} once, in
 * a fresh seeded random order, in batches of a fixed size (the last one smaller). Used for pretraining on public data
 * and for the non-private ({@code none}) baseline. Not a DP sampler: DP-SGD draws Poisson batches.
 */
public final class ShuffledBatches extends IndexedBatchIterator {

    private final Random random;

    /**
     * @param source    the examples
     * @param batchSize examples per batch (at least 1)
     * @param seed      seed of the shuffling
     */
    public ShuffledBatches(IndexedDataSource source, int batchSize, long seed) {
        super(source, batchSize);
        this.random = new Random(seed);
        shuffle();
    }

    /** A new random order (Fisher-Yates with the seeded generator). */
    @Override
    protected void beginPass() {
        shuffle();
    }

    private void shuffle() {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    @Override
    public boolean asyncSupported() {
        return false;
    }
}
