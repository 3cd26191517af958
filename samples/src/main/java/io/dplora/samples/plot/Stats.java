package io.dplora.samples.plot;

import java.util.List;

/**
 * Mean and sample standard deviation (divisor n - 1; 0 for a single value) of repeated measurements, e.g. one
 * accuracy per seed.
 *
 * @param mean the arithmetic mean
 * @param std  the sample standard deviation
 * @param n    the number of values
 */
public record Stats(double mean, double std, int n) {

    /** @throws IllegalArgumentException for an empty list */
    public static Stats of(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values");
        }
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        double mean = sum / values.size();
        double ss = 0;
        for (double v : values) {
            ss += (v - mean) * (v - mean);
        }
        double std = values.size() > 1 ? Math.sqrt(ss / (values.size() - 1)) : 0.0;
        return new Stats(mean, std, values.size());
    }

    /** @return e.g. {@code 91.23 ± 0.45} for accuracies given as fractions and {@code scale} 100. */
    public String format(double scale, int decimals) {
        String f = "%." + decimals + "f";
        return String.format(f + " ± " + f, mean * scale, std * scale);
    }
}
