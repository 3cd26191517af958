package io.dplora.samples.data;

/**
 * How a loader splits examples into train and test.
 *
 * @param trainFraction fraction of each class that goes to train, in (0, 1); the rest is test
 * @param seed          seed of the {@link java.util.Random} that shuffles; equal seeds give equal splits
 */
public record SplitOptions(double trainFraction, long seed) {

    /** The default seed of all loaders. */
    public static final long DEFAULT_SEED = 20_021_003L;

    public SplitOptions {
        if (!(trainFraction > 0 && trainFraction < 1)) {
            throw new IllegalArgumentException("trainFraction must be in (0, 1), got " + trainFraction);
        }
    }

    /** @return 80 % train / 20 % test, seed {@value #DEFAULT_SEED}. */
    public static SplitOptions defaults() {
        return new SplitOptions(0.8, DEFAULT_SEED);
    }
}
