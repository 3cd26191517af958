package io.dplora.benchmarks;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where the time of a DP step goes, in this JVM:
 * <ol>
 *   <li>a paired, interleaved timing of (a) the non-private fit and (b) the DP-LoRA step, in alternating order
 *       (a b, b a, ...) for a fixed time after a timed warm-up, so load changes on a shared machine hit both alike;
 *       medians, and the median of the per-round ratios;</li>
 *   <li>a JFR sampling profile of (a) and (b) run interleaved in one recording
 *       ({@link JfrStepProfile#profileInterleaved}): per component, its share of each variant's samples times that
 *       variant's mean step time in the recording, and the difference (b) - (a), largest first.</li>
 * </ol>
 */
final class DPStepBreakdown {

    private static final int MIN_ROUNDS = 10;

    private final BenchModel model;
    private final int batch;
    private final Duration warmup;
    private final Duration timing;
    private final Duration profileDuration;

    /**
     * @param warmup          time of the alternating warm-up
     * @param timing          time of the paired timing (at least {@value #MIN_ROUNDS} rounds)
     * @param profileDuration time of the interleaved JFR profile
     */
    DPStepBreakdown(BenchModel model, int batch, Duration warmup, Duration timing, Duration profileDuration) {
        this.model = model;
        this.batch = batch;
        this.warmup = warmup;
        this.timing = timing;
        this.profileDuration = profileDuration;
    }

    /** @return the figures (milliseconds unless named otherwise), as an ordered map */
    Map<String, Object> run() throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", model.key());
        out.put("batch", batch);
        NonPrivateStep a = new NonPrivateStep(model, batch);
        DPLoRAStep b = new DPLoRAStep(model, batch);
        TrainingStep[] steps = {a, b};
        long taken = 0;
        long end = System.nanoTime() + warmup.toNanos();
        do {
            a.step();
            b.step();
            taken++;
        } while (System.nanoTime() < end);
        List<double[]> rounds = new ArrayList<>(); // {a ms, b ms}
        end = System.nanoTime() + timing.toNanos();
        while (System.nanoTime() < end || rounds.size() < MIN_ROUNDS) {
            double[] t = new double[2];
            for (int k = 0; k < 2; k++) {
                int v = (rounds.size() + k) % 2;
                long t0 = System.nanoTime();
                steps[v].step();
                t[v] = (System.nanoTime() - t0) / 1e6;
            }
            rounds.add(t);
            taken++;
        }
        double[] ta = new double[rounds.size()];
        double[] tb = new double[rounds.size()];
        double[] ratio = new double[rounds.size()];
        for (int r = 0; r < ta.length; r++) {
            ta[r] = rounds.get(r)[0];
            tb[r] = rounds.get(r)[1];
            ratio[r] = tb[r] / ta[r];
        }
        out.put("rounds", ta.length);
        out.put("nonprivate_fit_ms", median(ta));
        out.put("dp_step_ms", median(tb));
        out.put("dp_over_nonprivate_paired_median", median(ratio));
        out.put("dp_over_nonprivate_ratio_of_medians", median(tb) / median(ta));

        JfrStepProfile.Result[] p = JfrStepProfile.profileInterleaved(a, b, profileDuration);
        taken += p[1].steps();
        b.verify(taken);
        out.put("profile_steps_each", (double) Math.min(p[0].steps(), p[1].steps()));
        out.put("profile_nonprivate_fit_mean_ms", p[0].meanStepMs());
        out.put("profile_dp_step_mean_ms", p[1].meanStepMs());
        Map<String, Double> msA = p[0].msPerStep();
        Map<String, Double> msB = p[1].msPerStep();
        out.put("profile_dp_step", msB);
        out.put("profile_nonprivate_fit", msA);
        out.put("profile_dp_minus_nonprivate", difference(msA, msB));
        return out;
    }

    /** @return b - a per component (0 where absent), largest absolute difference first */
    static Map<String, Double> difference(Map<String, Double> a, Map<String, Double> b) {
        Set<String> keys = new TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        Map<String, Double> out = new LinkedHashMap<>();
        keys.stream()
                .map(k -> Map.entry(k, b.getOrDefault(k, 0.0) - a.getOrDefault(k, 0.0)))
                .sorted((x, y) -> Double.compare(Math.abs(y.getValue()), Math.abs(x.getValue())))
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }
}
