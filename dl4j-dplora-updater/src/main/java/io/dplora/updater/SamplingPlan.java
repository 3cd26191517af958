package io.dplora.updater;

/**
 * The public sampling parameters of a private run, fixed in one place: N, the number of private training examples
 * (treated as public), E, the expected logical batch size (public), and the Poisson rate q = E / N derived from them.
 *
 * <p>Privacy meaning: the accountant charges every step as a Poisson-subsampled Gaussian mechanism at rate q, the
 * sampler includes each example with probability q, and the DP step divides the noisy clipped sum by E. All three
 * must use the same numbers, or the printed epsilon is false (a sampler at 4q with a budget at q reported 2.10 for a
 * true 7.28). A {@link PrivacyBudget} owns its plan; the {@link PoissonSamplingIterator} and the {@link DPUpdater}
 * take q, N and E from that budget and refuse data of another size or a configuration with another E.
 *
 * @param datasetSize       N &ge; 1
 * @param expectedBatchSize E, 1 &le; E &le; N
 */
public record SamplingPlan(int datasetSize, int expectedBatchSize) {

    public SamplingPlan {
        if (datasetSize < 1) {
            throw new IllegalArgumentException("the data set size N must be >= 1, got " + datasetSize);
        }
        if (expectedBatchSize < 1 || expectedBatchSize > datasetSize) {
            throw new IllegalArgumentException("the expected batch size E must lie in [1, N = " + datasetSize
                    + "], got " + expectedBatchSize);
        }
    }

    /** @return q = E / N, the probability that an example is in a logical batch */
    public double samplingRate() {
        return expectedBatchSize / (double) datasetSize;
    }
}
