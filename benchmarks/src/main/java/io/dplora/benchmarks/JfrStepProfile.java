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
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sampling profile of training steps with Java Flight Recorder (in this JVM, through the jdk.jfr API): two variants'
 * steps run interleaved on the calling thread for a fixed time while JFR samples its stack every {@value #PERIOD_MS}
 * ms, both in Java code ({@code jdk.ExecutionSample}) and inside native ND4J/BLAS calls
 * ({@code jdk.NativeMethodSample}), with the same period so both count alike; each sample goes to the variant whose
 * step was running, and within it to the first matching component of {@link #COMPONENTS} (most specific first),
 * found anywhere on its stack.
 */
final class JfrStepProfile {

    static final int PERIOD_MS = 5;

    /**
     * Component name and the frame that identifies it: "Class.method" matches a frame equal to it, starting with it
     * ("DPUpdater." matches every DPUpdater method) or ending with it ("StepFunction.step" matches subclasses named
     * ...StepFunction); a bare "method" matches that method of any class.
     */
    static final List<String[]> COMPONENTS = List.of(
            new String[]{"data: materialise the batch ((b) sampler gather, (a) iterator copy)",
                    "PoissonSamplingIterator.fetch"},
            new String[]{"data: materialise the batch ((b) sampler gather, (a) iterator copy)",
                    "OneBatchIterator.next"},
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

    /**
     * The profile of one of two interleaved variants.
     *
     * @param steps        steps run under the recording
     * @param meanStepMs   their mean wall time (measured in the recording's own run)
     * @param samples      samples attributed to this variant
     * @param byComponent  samples per component
     */
    record Result(long steps, double meanStepMs, long samples, Map<String, Long> byComponent) {

        /** @return milliseconds per step of each component: its share of the samples times the mean step time */
        Map<String, Double> msPerStep() {
            Map<String, Double> out = new LinkedHashMap<>();
            byComponent.entrySet().stream()
                    .sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                    .forEach(e -> out.put(e.getKey(), meanStepMs * e.getValue() / Math.max(1, samples)));
            return out;
        }
    }

    /**
     * Runs {@code a} and {@code b} interleaved (a b b a a b b a ...) for {@code duration} under one JFR recording, and
     * attributes each sample to the variant whose step was running at its time stamp, so both profiles see the same
     * machine load.
     *
     * @return the profiles of a and b
     */
    static Result[] profileInterleaved(TrainingStep a, TrainingStep b, Duration duration) throws IOException {
        Path file = Files.createTempFile("dplora-bench-", ".jfr");
        List<long[]> windows = new ArrayList<>(); // {start, end (epoch nanos), variant}
        long[] steps = new long[2];
        long[] nanos = new long[2];
        try {
            try (Recording r = new Recording()) {
                r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(PERIOD_MS));
                r.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(PERIOD_MS));
                r.start();
                long end = System.nanoTime() + duration.toNanos();
                for (int k = 0; System.nanoTime() < end || k % 4 != 0; k++) {
                    int v = ((k + 1) / 2) % 2;
                    long w0 = epochNanos(Instant.now());
                    long t0 = System.nanoTime();
                    (v == 0 ? a : b).step();
                    nanos[v] += System.nanoTime() - t0;
                    windows.add(new long[]{w0, epochNanos(Instant.now()), v});
                    steps[v]++;
                }
                r.stop();
                r.dump(file);
            }
            long tid = Thread.currentThread().getId();
            List<Map<String, Long>> counts = List.of(new LinkedHashMap<>(), new LinkedHashMap<>());
            long[] samples = new long[2];
            for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                RecordedThread t = e.getThread("sampledThread");
                RecordedStackTrace st = e.getStackTrace();
                if (t == null || st == null || t.getJavaThreadId() != tid) {
                    continue;
                }
                int v = variantAt(windows, epochNanos(e.getStartTime()));
                if (v < 0) {
                    continue;
                }
                List<String> frames = new ArrayList<>();
                for (RecordedFrame f : st.getFrames()) {
                    if (f.isJavaFrame() && f.getMethod() != null) {
                        String type = f.getMethod().getType().getName();
                        frames.add(type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName());
                    }
                }
                counts.get(v).merge(componentOf(frames), 1L, Long::sum);
                samples[v]++;
            }
            Result[] out = new Result[2];
            for (int v = 0; v < 2; v++) {
                out[v] = new Result(steps[v], nanos[v] / 1e6 / Math.max(1, steps[v]), samples[v], counts.get(v));
            }
            return out;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static long epochNanos(Instant i) {
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    /** @return the variant of the step window containing {@code t} (windows sorted by time), or -1 */
    static int variantAt(List<long[]> windows, long t) {
        int lo = 0;
        int hi = windows.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long[] w = windows.get(mid);
            if (t < w[0]) {
                hi = mid - 1;
            } else if (t > w[1]) {
                lo = mid + 1;
            } else {
                return (int) w[2];
            }
        }
        return -1;
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
