package io.dplora.updater;

/**
 * Runs the configured DL4J updater (Adam, Sgd, ...) once on the gradient view that {@link DPUpdater} has just filled
 * with a released noisy step, without a forward or backward pass: the DP updater subclasses implement it for
 * distributed runs, whose clipped sums are computed by workers ({@link DPUpdater#releaseExternalClippedSum}).
 */
interface ReleasedStepApplier {

    /**
     * @param iteration the optimiser iteration (logical steps released before this one)
     * @param epoch     the epoch
     */
    void applyReleasedStep(int iteration, int epoch);
}
