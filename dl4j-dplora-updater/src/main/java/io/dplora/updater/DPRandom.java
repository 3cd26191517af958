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
 *   <li>{@link #secure()}: every draw comes from {@link SecureRandom} (a cryptographic generator). Use it for any
 *       model that is released.</li>
 *   <li>{@link #seeded(long)}: a {@link SplittableRandom}, reproducible. The noise is only secret while the seed is,
 *       so this is for experiments and tests. Without a seed ({@link #unpredictable()}) the SplittableRandom is seeded
 *       from SecureRandom.</li>
 * </ul>
 * Gaussian draws are doubles from the generator's own algorithm ({@link RandomGenerator#nextGaussian()}: McFarland's
 * modified ziggurat for SplittableRandom, Marsaglia's polar method for SecureRandom). Like every floating-point
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

    /** @return a SecureRandom-backed source. */
    public static DPRandom secure() {
        return new DPRandom(new SecureRandom(), true);
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
     * Makes the two independent streams (sampling, noise) of a run from its configuration. A seeded run derives them
     * from (seed, stream id, number of steps already taken) so that a resumed run never replays the noise of steps
     * already released (replayed noise could be cancelled by comparing two updates).
     *
     * @param config      the run's configuration
     * @param streamId    0 for sampling, 1 for noise
     * @param priorSteps  logical steps already taken in this run (from the restored ledger)
     * @return the stream
     */
    public static DPRandom forStream(DPConfig config, int streamId, long priorSteps) {
        if (config.isSecureRandom()) {
            return secure();
        }
        if (!config.hasSeed()) {
            return unpredictable();
        }
        long s = mix(mix(config.getSeed()) ^ mix(0x9E3779B97F4A7C15L * (streamId + 1))) ^ mix(priorSteps + 0x632BE59BD9B4E019L);
        return seeded(s);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** @return whether the draws come from SecureRandom. */
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
