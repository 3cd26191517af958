package io.dplora.benchmarks;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the time of a DP step goes, in this JVM:
 * <ol>
 *   <li>a paired, interleaved timing of (a) the non-private fit and (b) the DP-LoRA step, in alternating order
 *       (a b, b a, ...), so load changes on a shared machine hit both alike; medians, and the median of the
 *       per-round ratios;</li>
 *   <li>a JFR sampling profile of (a) and of (b) ({@link JfrStepProfile}): the share of samples per component,
 *       turned into milliseconds per step with the median step time of the paired timing.</li>
 * </ol>
 */
final class DPStepBreakdown {

    private final BenchModel model;
    private final int batch;
    private final int rounds;
    private final int warmup;
    private final Duration profileDuration;

    DPStepBreakdown(BenchModel model, int batch, int rounds, int warmup, Duration profileDuration) {
        this.model = model;
        this.batch = batch;
        this.rounds = rounds;
        this.warmup = warmup;
        this.profileDuration = profileDuration;
    }

    /** @return the figures (milliseconds unless named otherwise), as an ordered map */
    Map<String, Object> run() throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", model.key());
        out.put("batch", batch);
        out.put("rounds", rounds);
        NonPrivateStep a = new NonPrivateStep(model, batch);
        DPLoRAStep b = new DPLoRAStep(model, batch);
        TrainingStep[] steps = {a, b};
        for (int i = 0; i < warmup; i++) {
            for (TrainingStep s : steps) {
                s.step();
            }
        }
        double[][] t = new double[2][rounds];
        double[] ratioB = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                int v = (r + k) % 2;
                long t0 = System.nanoTime();
                steps[v].step();
                t[v][r] = (System.nanoTime() - t0) / 1e6;
            }
            ratioB[r] = t[1][r] / t[0][r];
        }
        b.verify(warmup + rounds);
        double ta = median(t[0]);
        double tb = median(t[1]);
        out.put("nonprivate_fit_ms", ta);
        out.put("dp_step_ms", tb);
        out.put("dp_over_nonprivate_paired_median", median(ratioB));
        out.put("dp_over_nonprivate_ratio_of_medians", tb / ta);
        out.put("profile_dp_step", profileMs(b, tb));
        out.put("profile_nonprivate_fit", profileMs(a, ta));
        return out;
    }

    /** JFR profile of {@code step}, as milliseconds per step by component (share of samples x median step time). */
    private Map<String, Object> profileMs(TrainingStep step, double medianMs) throws IOException {
        JfrStepProfile.Result r = JfrStepProfile.profile(step, profileDuration);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("steps_profiled", r.steps());
        out.put("samples", r.samples());
        r.byComponent().entrySet().stream()
                .sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                .forEach(e -> out.put(e.getKey(), medianMs * e.getValue() / Math.max(1, r.samples())));
        return out;
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }
}
