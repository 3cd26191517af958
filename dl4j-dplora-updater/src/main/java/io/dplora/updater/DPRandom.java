package io.dplora.updater;

import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The random source of one DP training run: the Poisson sampling decisions and the Gaussian noise come from here,
 * never from {@code Nd4j.getRandom()} (which weight initialisation and dropout reseed and share).
 *
 * <p>Two kinds:
 * <ul>
 *   <li>{@link #secure()}: a cryptographic generator, AES-256 in counter mode keyed with 256 bits from
 *       {@link SecureRandom} ({@link AesCtrGenerator}, NIST SP 800-90A's CTR_DRBG construction without reseeding;
 *       8-20x faster than drawing Gaussians from SecureRandom itself). Use it for any model that is released.</li>
 *   <li>{@link #seeded(long)}: a {@link SplittableRandom}, reproducible. The noise is only secret while the seed is,
 *       so this is for experiments and tests; a run uses it only when its configuration has an explicit seed.</li>
 * </ul>
 * Gaussian draws are doubles from {@link RandomGenerator#nextGaussian()} (McFarland's modified ziggurat, for both
 * kinds). Like every floating-point
 * Gaussian sampler this is not hardened against floating-point side channels on the noise's low-order bits.
 *
 * <p>Not thread-safe; one instance per stream.
 */
public final class DPRandom {

    private final RandomGenerator generator;
    private final boolean secure;

    private DPRandom(RandomGenerator generator, boolean secure) {
        this.generator = generator;
        this.secure = secure;
    }

    /** @return a cryptographically secure source (AES-256-CTR keyed from SecureRandom). */
    public static DPRandom secure() {
        return new DPRandom(AesCtrGenerator.withSecureRandomKey(), true);
    }

    /**
     * @param seed seed of the stream
     * @return a reproducible source
     */
    public static DPRandom seeded(long seed) {
        return new DPRandom(new SplittableRandom(seed), false);
    }

    /** @return a fast source seeded unpredictably from SecureRandom. */
    public static DPRandom unpredictable() {
        return seeded(new SecureRandom().nextLong());
    }

    /**
     * Makes the two independent streams (sampling, noise) of a run. Without a seed (the default) each is a
     * {@link #secure()} stream with its own key from {@link SecureRandom}. A seeded run derives each stream from the seed, the stream id, the steps already taken
     * (a resumed run never replays the noise of released steps) and every privacy-relevant setting (sigma, q, C, E):
     * two seeded releases that differ in any of them do not share noise, so the noise cannot be cancelled by
     * comparing them. Two seeded runs with the same seed and settings still share it, which is why seeded runs are
     * not for release.
     *
     * @param config   the run's configuration
     * @param budget   the run's budget (sigma, sampling plan, steps already taken)
     * @param streamId 0 for sampling, 1 for noise
     * @return the stream
     */
    public static DPRandom forStream(DPConfig config, PrivacyBudget budget, int streamId) {
        if (!config.hasSeed()) {
            return secure();
        }
        return seeded(streamSeed(config, budget, streamId));
    }

    /**
     * @param config   a seeded run's configuration
     * @param budget   its budget
     * @param streamId 0 for sampling, 1 for noise
     * @return the seed of the stream, derived as described at {@link #forStream}
     * @throws IllegalStateException if the configuration has no seed
     */
    static long streamSeed(DPConfig config, PrivacyBudget budget, int streamId) {
        if (!config.hasSeed()) {
            throw new IllegalStateException("only a seeded run has stream seeds");
        }
        long s = mix(config.getSeed());
        s = mix(s ^ mix(0x9E3779B97F4A7C15L * (streamId + 1)));
        s = mix(s ^ mix(budget.stepsTaken() + 0x632BE59BD9B4E019L));
        s = mix(s ^ Double.doubleToLongBits(budget.noiseMultiplier()));
        s = mix(s ^ Double.doubleToLongBits(budget.samplingRate()));
        s = mix(s ^ Double.doubleToLongBits(config.getMaxGradNorm()));
        s = mix(s ^ budget.plan().expectedBatchSize() ^ ((long) budget.plan().datasetSize() << 32));
        return s;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** @return whether the draws come from the cryptographic generator (keyed from SecureRandom). */
    public boolean isSecure() {
        return secure;
    }

    /** @return a uniform double in [0, 1). */
    public double nextDouble() {
        return generator.nextDouble();
    }

    /** @return a standard normal draw. */
    public double nextGaussian() {
        return generator.nextGaussian();
    }

    /**
     * @param p probability in [0, 1]
     * @return true with probability p (exactly: U &lt; p with U uniform on the 2<sup>53</sup>-point grid of [0,1))
     */
    public boolean nextBernoulli(double p) {
        return generator.nextDouble() < p;
    }
}
