package io.dplora.benchmarks;

import io.dplora.accounting.AccountantType;
import io.dplora.accounting.DpEvent;
import io.dplora.accounting.NoiseCalibration;
import io.dplora.accounting.PldAccountant;
import io.dplora.accounting.PrivacyLedger;
import io.dplora.accounting.RdpAccountant;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * JMH benchmarks of the accountants on a typical DP-SGD workload: Poisson rate q = 256/60000 (batch 256 of a
 * Fashion-MNIST-sized set), sigma = 1.0, delta = 1e-5, {@value #STEPS} steps. Each invocation builds a fresh accountant.
 *
 * <p>The accounting module memoises the per-step RDP curve and the per-step PLD per (q, sigma). The headline benchmarks
 * ({@link #rdpEpsilon}, {@link #rdpCalibration}, {@link #pldEpsilon}) therefore use a sampling rate never used before
 * in the JVM on every invocation (q (1 + k 10<sup>-9</sup>) for the k-th call: the same work, no cache hit), so the
 * computation really happens each time; the {@code ...Cached} variants repeat the same q and measure what a repeated
 * query costs (e.g. the budget listener's report every epoch). JIT warm-up happens in JMH's warm-up iterations.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class AccountantBenchmarks {

    /** Steps composed. */
    public static final long STEPS = 10_000;
    /** Poisson sampling rate. */
    public static final double Q = 256.0 / 60000.0;
    /** Noise multiplier of {@link #rdpEpsilon} and {@link #pldEpsilon}. */
    public static final double SIGMA = 1.0;
    /** Delta of every epsilon. */
    public static final double DELTA = 1e-5;
    /** Target epsilon of {@link #rdpCalibration}. */
    public static final double TARGET_EPSILON = 8.0;

    private PrivacyLedger ledger;
    private long calls;

    /** A ledger as a training run leaves it: one record per logical step. */
    @Setup(Level.Trial)
    public void setup() {
        ledger = new PrivacyLedger();
        for (long i = 0; i < STEPS; i++) {
            ledger.record(SIGMA, Q, 1);
        }
    }

    static DpEvent step(double q) {
        return DpEvent.poissonSampled(q, DpEvent.gaussian(SIGMA));
    }

    /** @return a sampling rate not used before in this JVM (no memoised result can be reused) */
    private double freshQ() {
        calls++;
        return Q * (1 + 1e-9 * calls);
    }

    /** RDP epsilon of 10,000 steps (default orders), computed from scratch. */
    @Benchmark
    public double rdpEpsilon() {
        return new RdpAccountant().compose(step(freshQ()), STEPS).getEpsilon(DELTA);
    }

    /** RDP epsilon of 10,000 steps when the per-step RDP curve of (q, sigma) is already memoised. */
    @Benchmark
    public double rdpEpsilonCached() {
        return new RdpAccountant().compose(step(Q), STEPS).getEpsilon(DELTA);
    }

    /** Smallest sigma with RDP epsilon &le; 8 after 10,000 steps, computed from scratch. */
    @Benchmark
    public double rdpCalibration() {
        return NoiseCalibration.noiseMultiplier(TARGET_EPSILON, DELTA, freshQ(), STEPS, AccountantType.RDP);
    }

    /** PLD epsilon of 10,000 steps at the default value discretisation, computed from scratch. */
    @Benchmark
    public double pldEpsilon() {
        return new PldAccountant().compose(step(freshQ()), STEPS).getEpsilon(DELTA);
    }

    /** PLD epsilon of 10,000 steps when the per-step PLD of (q, sigma) is already memoised. */
    @Benchmark
    public double pldEpsilonCached() {
        return new PldAccountant().compose(step(Q), STEPS).getEpsilon(DELTA);
    }

    /**
     * RDP epsilon of a ledger of 10,000 single-step records with the same (q, sigma): what the budget listener computes
     * during training (memoised per-step RDP after the first report).
     */
    @Benchmark
    public double ledgerRdpEpsilon() {
        return ledger.epsilon(DELTA, AccountantType.RDP);
    }
}
