package io.dplora.updater;

/**
 * The privacy spent so far by a run, as reported by {@link PrivacyBudgetListener}.
 *
 * @param steps        logical steps in the ledger (restored ones included)
 * @param epsilon      epsilon of those steps at {@code delta}
 * @param delta        the run's delta
 * @param epsilonLimit the run's epsilon budget (+Infinity for none)
 * @param stepLimit    the step at which training stops (plan or budget)
 * @param epochEnd     whether the report was made at the end of an epoch
 */
public record PrivacyReport(long steps, double epsilon, double delta, double epsilonLimit, long stepLimit,
                            boolean epochEnd) {

    /**
     * The one display format of epsilon in this project's logs and command-line output: three decimals (8.000),
     * three significant digits below 0.01 (0.00412), "infinity" without noise. For display only; the ledger, result
     * files and {@link #epsilon()} keep the full double.
     */
    public static String formatEpsilon(double epsilon) {
        if (Double.isNaN(epsilon)) {
            return "NaN";
        }
        if (Double.isInfinite(epsilon)) {
            return "infinity";
        }
        return epsilon != 0 && Math.abs(epsilon) < 0.01 ? String.format(java.util.Locale.ROOT, "%.3g", epsilon)
                : String.format(java.util.Locale.ROOT, "%.3f", epsilon);
    }
}
