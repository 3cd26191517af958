package io.dplora.benchmarks;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * JMH benchmarks of one logical training step, over the parameters {@code model} (mlp, sequence) and {@code batch}
 * (B); time per invocation = time per logical step.
 * <ul>
 *   <li>{@link #pairedNonPrivateAndDp}: (a) and (b) side by side in the same forked JVM, alternating a-b / b-a on
 *       every invocation and timing each step ({@link PairTimes}, JMH auxiliary counters summed per iteration). Both
 *       see the same load, so their ratio stays meaningful on a shared machine where load changes between separate
 *       forks; this is what the report's (a), (b) and b/a come from.</li>
 *   <li>{@link #nonPrivateFit}, {@link #dpStep}: (a) and (b) alone, sampled per invocation (used for profiling).</li>
 *   <li>{@link #perExampleLoop}: (c), seconds per step at large B, timed single-shot.</li>
 * </ul>
 * Iteration counts are set by {@link BenchCommand} through the JMH runner options.
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class StepBenchmarks {

    /** The parameters shared by every state. */
    @State(Scope.Benchmark)
    public static class Params {
        @Param({"mlp"})
        public String model;

        @Param({"256"})
        public int batch;
    }

    /** (a) state. */
    @State(Scope.Benchmark)
    public static class NonPrivate {
        NonPrivateStep step;

        @Setup(Level.Trial)
        public void setup(Params p) {
            step = new NonPrivateStep(BenchModel.of(p.model), p.batch);
        }
    }

    /** (b) state; checks at the end that every invocation was one logical step of exactly B examples. */
    @State(Scope.Benchmark)
    public static class Private {
        DPLoRAStep step;
        long invocations;

        @Setup(Level.Trial)
        public void setup(Params p) {
            step = new DPLoRAStep(BenchModel.of(p.model), p.batch);
        }

        @TearDown(Level.Trial)
        public void verify() {
            step.verify(invocations);
        }
    }

    /** (c) state. */
    @State(Scope.Benchmark)
    public static class Loop {
        PerExampleLoopStep step;

        @Setup(Level.Trial)
        public void setup(Params p) {
            step = new PerExampleLoopStep(BenchModel.of(p.model), p.batch);
        }
    }

    /** (a) and (b) of the same model and batch, and the step's GEMM floor, for {@link #pairedNonPrivateAndDp}. */
    @State(Scope.Benchmark)
    public static class Pair {
        NonPrivateStep nonPrivate;
        DPLoRAStep dp;
        /** null where the model has no GEMM floor */
        GemmFloor floor;
        long dpSteps;
        boolean dpFirst;

        @Setup(Level.Trial)
        public void setup(Params p) {
            nonPrivate = new NonPrivateStep(BenchModel.of(p.model), p.batch);
            dp = new DPLoRAStep(BenchModel.of(p.model), p.batch);
            java.util.List<GemmFloor.Gemm> gemms = BenchModel.of(p.model).essentialGemms(p.batch);
            floor = gemms.isEmpty() ? null : new GemmFloor(gemms);
        }

        @TearDown(Level.Trial)
        public void verify() {
            dp.verify(dpSteps);
        }
    }

    /** Per-iteration sums of the step times of (a) and (b), reported by JMH as secondary results. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class PairTimes {
        public long nonPrivateNanos;
        public long dpNanos;
        /** the GEMM floor, timed once per pair (0 where the model has none) */
        public long gemmNanos;
        public long pairs;

        @Setup(Level.Iteration)
        public void reset() {
            nonPrivateNanos = 0;
            dpNanos = 0;
            gemmNanos = 0;
            pairs = 0;
        }
    }

    /** (a) then (b), or (b) then (a), each timed: one pair of logical steps per invocation. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public void pairedNonPrivateAndDp(Pair s, PairTimes t) {
        if (s.dpFirst) {
            t.dpNanos += timeDp(s);
            t.nonPrivateNanos += timeNonPrivate(s);
        } else {
            t.nonPrivateNanos += timeNonPrivate(s);
            t.dpNanos += timeDp(s);
        }
        if (s.floor != null) {
            long t0 = System.nanoTime();
            s.floor.run();
            t.gemmNanos += System.nanoTime() - t0;
        }
        s.dpFirst = !s.dpFirst;
        t.pairs++;
    }

    private static long timeNonPrivate(Pair s) {
        long t0 = System.nanoTime();
        s.nonPrivate.step();
        return System.nanoTime() - t0;
    }

    private static long timeDp(Pair s) {
        long t0 = System.nanoTime();
        s.dp.step();
        long t = System.nanoTime() - t0;
        s.dpSteps++;
        return t;
    }

    /** (a) non-private {@code fit} of the LoRA network on one logical batch. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public void nonPrivateFit(NonPrivate s) {
        s.step.step();
    }

    /** (b) one DP-LoRA step through {@code DPLoRA.makePrivate}'s updater. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public void dpStep(Private s) {
        s.step.step();
        s.invocations++;
    }

    /** (c) one DP step by an explicit per-example loop. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    public void perExampleLoop(Loop s) {
        s.step.step();
    }
}
