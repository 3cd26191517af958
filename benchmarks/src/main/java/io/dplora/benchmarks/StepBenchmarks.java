package io.dplora.benchmarks;

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
 * JMH benchmarks of one logical training step: (a) {@link #nonPrivateFit}, (b) {@link #dpStep} and (c)
 * {@link #perExampleLoop}, each over the parameters {@code model} (mlp, sequence) and {@code batch} (B). Time per
 * invocation = time per logical step. (a) and (b) are sampled per invocation ({@link Mode#SampleTime}, the median is
 * reported); (c) takes seconds per step at large B and is timed single-shot. Iteration counts are set by
 * {@link BenchCommand} through the JMH runner options.
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
