package io.dplora.benchmarks;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sampling profile of training steps with Java Flight Recorder (in this JVM, through the jdk.jfr API): the steps
 * run on the calling thread for a fixed time while JFR samples its stack every {@value #PERIOD_MS} ms, both in Java
 * code ({@code jdk.ExecutionSample}) and inside native ND4J/BLAS calls ({@code jdk.NativeMethodSample}), with the
 * same period so both count alike. Each sample is attributed to the first matching component of
 * {@link #COMPONENTS} (most specific first), found anywhere on its stack.
 */
final class JfrStepProfile {

    static final int PERIOD_MS = 5;

    /**
     * Component name and the frame that identifies it: "Class.method" matches a frame equal to it, starting with it
     * ("DPUpdater." matches every DPUpdater method) or ending with it ("StepFunction.step" matches subclasses named
     * ...StepFunction); a bare "method" matches that method of any class.
     */
    static final List<String[]> COMPONENTS = List.of(
            new String[]{"sampler: materialise batch (IndexedDataSource.get)", "PoissonSamplingIterator.fetch"},
            new String[]{"sampler: draw (Bernoulli per example)", "PoissonSamplingIterator.drawLogicalBatch"},
            new String[]{"per-example norms", "accumulateSquaredNorms"},
            new String[]{"book-keeping clipped sum", "writeClippedSum"},
            new String[]{"stash of per-example factors (backprop; 2D: with the row norms)",
                    "LinearGradientFactor.stash"},
            new String[]{"DP step: double accumulation of the clipped sum", "AccumulatorTransfer.add"},
            new String[]{"DP step: write-back of the noisy gradient", "AccumulatorTransfer.write"},
            new String[]{"DP step: noise and scaling", "DPUpdater.addNoiseAndScale"},
            new String[]{"DP step: zeroing of non-private coordinates", "DPUpdater.afterOptimizer"},
            new String[]{"privacy listener / epsilon", "PrivacyBudgetListener."},
            new String[]{"DP step: other (guard, budget check, zeroing, ledger)", "DPUpdater."},
            new String[]{"optimiser (Adam) and parameter step", "BaseMultiLayerUpdater.update"},
            new String[]{"optimiser (Adam) and parameter step", "StepFunction.step"},
            new String[]{"backward pass", "ComputationGraph.calcBackpropGradients"},
            new String[]{"forward pass", "ComputationGraph.ffToLayerActivationsInWS"},
            new String[]{"forward pass", "ComputationGraph.ffToLayerActivationsDetached"},
            new String[]{"score / loss", "ComputationGraph.computeGradientAndScore"});

    /** Samples that match no component (DL4J fit plumbing, iterator adapter, listeners, truncated stacks). */
    static final String OTHER = "other (DL4J fit plumbing, truncated stacks)";

    private JfrStepProfile() {
    }

    /** The profile of one run. */
    record Result(long steps, long samples, Map<String, Long> byComponent) {
    }

    /** Runs {@code step} repeatedly for {@code duration} under JFR and attributes the samples. */
    static Result profile(TrainingStep step, Duration duration) throws IOException {
        Path file = Files.createTempFile("dplora-bench-", ".jfr");
        long steps = 0;
        try {
            try (Recording r = new Recording()) {
                r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(PERIOD_MS));
                r.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(PERIOD_MS));
                r.start();
                long end = System.nanoTime() + duration.toNanos();
                while (System.nanoTime() < end) {
                    step.step();
                    steps++;
                }
                r.stop();
                r.dump(file);
            }
            long tid = Thread.currentThread().getId();
            Map<String, Long> counts = new LinkedHashMap<>();
            long samples = 0;
            for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                RecordedThread t = e.getThread("sampledThread");
                RecordedStackTrace st = e.getStackTrace();
                if (t == null || st == null || t.getJavaThreadId() != tid) {
                    continue;
                }
                List<String> frames = new ArrayList<>();
                for (RecordedFrame f : st.getFrames()) {
                    if (f.isJavaFrame() && f.getMethod() != null) {
                        String type = f.getMethod().getType().getName();
                        frames.add(type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName());
                    }
                }
                counts.merge(componentOf(frames), 1L, Long::sum);
                samples++;
            }
            return new Result(steps, samples, counts);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** @return the component of a sampled stack (frames as "SimpleClass.method", leaf first) */
    static String componentOf(List<String> frames) {
        for (String[] c : COMPONENTS) {
            String key = c[1];
            for (String f : frames) {
                boolean match = key.contains(".") ? f.startsWith(key) || f.endsWith(key)
                        : f.substring(f.lastIndexOf('.') + 1).equals(key);
                if (match) {
                    return c[0];
                }
            }
        }
        return OTHER;
    }
}
