package io.dplora.samples.task;

/**
 * A task's default fine-tuning settings (what {@code dplora train --task T} uses for options left out), chosen so a
 * run takes about a minute on 2 cores.
 *
 * @param epochs        passes over the private training set (expected, under Poisson sampling)
 * @param batchSize     logical batch: the expected Poisson batch size E under DP, the minibatch size without DP
 * @param physicalBatch most examples per forward/backward pass (virtual batches under DP)
 * @param learningRate  Adam learning rate
 * @param maxGradNorm   per-example clipping norm C
 */
public record FineTuneDefaults(int epochs, int batchSize, int physicalBatch, double learningRate,
                               double maxGradNorm) {
}
