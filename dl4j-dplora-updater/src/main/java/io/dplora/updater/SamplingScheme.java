package io.dplora.updater;

/**
 * How a run draws its Poisson sampling decisions. Both include each example in a logical batch independently with
 * probability q = E/N, which is all the accountant assumes; they differ in where and how fast the decisions can be
 * made.
 */
public enum SamplingScheme {

    /**
     * One Bernoulli(q) draw per example, in index order, from the run's sampling stream ({@link DPRandom}):
     * the secure stream when unseeded, the seed's stream in a seeded experiment: N draws per step, in order.
     */
    SEQUENTIAL,

    /**
     * Each decision is U(step, index) &lt; q with U a keyed pseudo-random function (AES with a 256-bit run key, see
     * {@link KeyedPoissonSampler}): any machine that holds the key decides for its own examples, in any order, with
     * the same result; a retried task redraws exactly its sample. The key comes from SecureRandom (from the seed in a
     * seeded experiment) and stays inside the training job. The default of unseeded runs, and what distributed
     * runs use.
     */
    KEYED
}
