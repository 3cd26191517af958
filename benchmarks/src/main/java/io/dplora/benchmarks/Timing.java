package io.dplora.benchmarks;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A measured time per operation in milliseconds: the median (what ratios are computed from; robust to the
 * scheduling hiccups of a shared machine), the mean, the extremes and the number of samples.
 *
 * @param medianMs median
 * @param meanMs   mean
 * @param minMs    fastest sample
 * @param maxMs    slowest sample
 * @param samples  number of samples (invocations for sampled modes, iterations otherwise)
 */
public record Timing(double medianMs, double meanMs, double minMs, double maxMs, long samples) {

    /** @return the timing as an ordered map for the JSON report */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("median_ms", medianMs);
        m.put("mean_ms", meanMs);
        m.put("min_ms", minMs);
        m.put("max_ms", maxMs);
        m.put("samples", samples);
        return m;
    }

    /** @return the ratio of the medians {@code this / base} */
    public double over(Timing base) {
        return medianMs / base.medianMs;
    }
}
