package io.dplora.updater.audit;

import org.apache.commons.math3.distribution.BetaDistribution;

/**
 * Statistics of an empirical privacy audit: from the outcomes of a distinguishing test run many times on neighbouring
 * data sets (with and without a canary), a lower bound on the epsilon the training procedure can have.
 *
 * <p>If a mechanism is (epsilon, delta)-DP, every test T satisfies TPR &le; e<sup>epsilon</sup> FPR + delta
 * (Kairouz, Oh and Viswanath 2015; used for auditing by Jagielski, Ullman and Oprea 2020 and Nasr et al. 2021, 2023).
 * With a Clopper-Pearson lower bound TPR<sub>lo</sub> and upper bound FPR<sub>hi</sub>, each at one-sided level
 * alpha/2, epsilon &ge; ln((TPR<sub>lo</sub> - delta) / FPR<sub>hi</sub>) holds with probability at least
 * 1 - alpha (union bound). The threshold of the test must be fixed before the runs, or the bound is not valid.
 */
public final class AuditBounds {

    private AuditBounds() {
    }

    /**
     * One-sided Clopper-Pearson lower bound: the p such that P(Binomial(n, p) &ge; k) = alpha, i.e. the alpha
     * quantile of Beta(k, n - k + 1); 0 when k = 0.
     *
     * @param k     successes (0 &le; k &le; n)
     * @param n     trials (&ge; 1)
     * @param alpha one-sided error probability in (0, 1)
     * @return the lower confidence bound on the success probability
     */
    public static double clopperPearsonLower(long k, long n, double alpha) {
        check(k, n, alpha);
        if (k == 0) {
            return 0.0;
        }
        return new BetaDistribution(null, k, n - k + 1, 1e-15).inverseCumulativeProbability(alpha);
    }

    /**
     * One-sided Clopper-Pearson upper bound: the 1 - alpha quantile of Beta(k + 1, n - k); 1 when k = n.
     *
     * @param k     successes (0 &le; k &le; n)
     * @param n     trials (&ge; 1)
     * @param alpha one-sided error probability in (0, 1)
     * @return the upper confidence bound on the success probability
     */
    public static double clopperPearsonUpper(long k, long n, double alpha) {
        check(k, n, alpha);
        if (k == n) {
            return 1.0;
        }
        return new BetaDistribution(null, k + 1, n - k, 1e-15).inverseCumulativeProbability(1 - alpha);
    }

    /**
     * Lower bound on epsilon at the given confidence from a distinguishing test's outcomes.
     *
     * @param truePositives  runs with the canary that the test flagged
     * @param positives      runs with the canary
     * @param falsePositives runs without the canary that the test flagged
     * @param negatives      runs without the canary
     * @param delta          the delta of the claimed guarantee
     * @param confidence     e.g. 0.95: the bound holds with at least this probability
     * @return max(0, ln((TPR_lo - delta) / FPR_hi))
     */
    public static double epsilonLowerBound(long truePositives, long positives, long falsePositives, long negatives,
                                           double delta, double confidence) {
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must lie in (0, 1), got " + confidence);
        }
        double alpha = (1 - confidence) / 2;
        double tpr = clopperPearsonLower(truePositives, positives, alpha);
        double fpr = clopperPearsonUpper(falsePositives, negatives, alpha);
        if (tpr - delta <= 0) {
            return 0.0;
        }
        return Math.max(0.0, Math.log((tpr - delta) / fpr));
    }

    private static void check(long k, long n, double alpha) {
        if (n < 1 || k < 0 || k > n) {
            throw new IllegalArgumentException("need 0 <= k <= n and n >= 1, got k = " + k + ", n = " + n);
        }
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha must lie in (0, 1), got " + alpha);
        }
    }
}
