package io.dplora.layers.lora;

/**
 * The one place that turns a user's seed into the seed given to ND4J's global generator.
 *
 * <p>ND4J 1.0.0-M2.1's native generator does not reset its state on {@code setSeed(0)}: two
 * {@code Nd4j.getRandom().setSeed(0); Nd4j.rand(3)} in a row give different numbers, while any other seed repeats. A
 * seed of 0 (the most common choice of a user) would therefore make an initialisation depend on whatever was drawn
 * before. Every seed this library hands to ND4J goes through {@link #forNd4j(long)}, which is never 0.
 */
public final class Nd4jSeeds {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private Nd4jSeeds() {
    }

    /**
     * The seed for ND4J's generator derived from {@code seed}: the first output of a SplitMix64 generator (Steele, Lea
     * and Flood, OOPSLA 2014) whose state is {@code seed}, i.e. the mix function applied to
     * {@code seed + 0x9E3779B97F4A7C15}, or 1 in the single case where that output is 0. The mix is a bijection on
     * 64-bit values, so distinct seeds give distinct results (except that one seed, which shares 1 with another), and
     * nearby seeds give unrelated ones.
     *
     * @param seed any seed, including 0
     * @return a seed that is never 0
     */
    public static long forNd4j(long seed) {
        long z = seed + GOLDEN_GAMMA;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return z == 0 ? 1 : z;
    }
}
