package io.dplora.accounting;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.math3.special.Gamma;

/**
 * Renyi differential privacy of one step of the Poisson-subsampled Gaussian mechanism (sampling rate q, noise
 * multiplier sigma, sensitivity 1, add-or-remove-one adjacency), after Mironov, Talwar and Zhang (2019),
 * "Renyi Differential Privacy of the Sampled Gaussian Mechanism", Section 3.3.
 *
 * <p>With {@code mu0 = N(0, sigma^2)}, {@code mu1 = N(1, sigma^2)} and {@code mu = (1-q) mu0 + q mu1}, the RDP at
 * order alpha is {@code log(A_alpha) / (alpha - 1)} with
 * {@code A_alpha = E_{z~mu0}[(1 - q + q r(z))^alpha]}, {@code r(z) = mu1(z)/mu0(z) = exp((2z - 1)/(2 sigma^2))}.
 * (The paper shows that the other direction, {@code D_alpha(mu0 || mu)}, is never larger, so this is the RDP of
 * the mechanism under add-or-remove adjacency.)
 *
 * <ul>
 *   <li><b>Integer alpha</b>: the exact binomial sum. Because the binomial weights sum to 1,
 *   {@code A - 1 = sum_{i=2..alpha} C(alpha,i) (1-q)^(alpha-i) q^i (exp((i^2-i)/(2 sigma^2)) - 1)}, a sum of
 *   non-negative terms; it is evaluated as a log-sum-exp and the result is {@code log1p(A - 1)}, so that tiny q
 *   keeps full relative precision and large alpha or small sigma never overflow (the exponent
 *   {@code (i^2-i)/(2 sigma^2)} is only ever used inside logarithms).</li>
 *   <li><b>Fractional alpha</b>: splitting the integral at {@code z0 = sigma^2 log(1/q - 1) + 1/2}, where
 *   {@code q r(z0) = 1 - q}, and expanding {@code (1 - q + q r)^alpha} by the binomial series on each side gives
 *   two series whose terms carry the sign of {@code C(alpha, i)} (alternating once {@code i > alpha + 1}). They are
 *   summed <em>with their signs</em> (exact, as Opacus does; dp_accounting since 2024 adds absolute values, an
 *   upper bound that can be many times the true value at small orders) in log space, positive and negative parts
 *   apart, until the terms fall below {@code exp(-23)} (about 1e-10) of the sum. The magnitude of the last term is
 *   then added as a bound on the alternating remainder, so the result stays an upper bound, high by at most about
 *   1e-10 relative. For {@code q < 1/4} the identity
 *   {@code sum_i C(alpha,i) (1-q)^(alpha-i) q^i = 1} is subtracted term by term, which yields {@code A - 1} directly
 *   and keeps relative precision for tiny q. Should cancellation ever leave fewer than 6 correct digits, the
 *   absolute-value bound is returned instead (never an underestimate).</li>
 * </ul>
 * Special cases: {@code q = 0} gives 0, {@code sigma = 0} (with q &gt; 0) gives +infinity, {@code q = 1} is the
 * plain Gaussian {@code alpha / (2 sigma^2)}.
 *
 * <p>Results are memoised per (q, sigma, orders) in a small bounded cache, since calibration and budget checks
 * evaluate the same step many times.
 */
final class SubsampledGaussianRdp {

    /**
     * Once alternating, the fractional-order series stops when a term falls below exp(-23) (about 1e-10) of the sum;
     * that term is added as the remainder bound, so the result is high by at most about 1e-10 relative.
     */
    private static final double SERIES_LOG_TOLERANCE = -23.0;
    /** Hard cap on series terms; the remainder bound keeps the result an upper bound if it is reached. */
    private static final int MAX_SERIES_TERMS = 20_000;
    /** Below this q the fractional series is rearranged to give A - 1 instead of A. */
    private static final double SUBTRACT_ONE_BELOW_Q = 0.25;
    private static final int CACHE_LIMIT = 512;

    private static final Map<CacheKey, double[]> CACHE = new ConcurrentHashMap<>();
    private static volatile double[] logFactorials = new double[] {0.0, 0.0};

    private SubsampledGaussianRdp() {
    }

    /**
     * Per-step RDP at each order.
     *
     * @param q      sampling probability in [0, 1]
     * @param sigma  noise multiplier, {@code >= 0} (may be +infinity: no release)
     * @param orders orders, each finite and {@code > 1}
     * @return a fresh array, one value per order, each in [0, +infinity]
     */
    static double[] rdp(double q, double sigma, double[] orders) {
        CacheKey key = new CacheKey(q, sigma, orders);
        double[] cached = CACHE.get(key);
        if (cached == null) {
            cached = new double[orders.length];
            for (int k = 0; k < orders.length; k++) {
                cached[k] = rdp(q, sigma, orders[k]);
            }
            if (CACHE.size() >= CACHE_LIMIT) {
                CACHE.clear();
            }
            CACHE.put(key, cached);
        }
        return cached.clone();
    }

    /** Per-step RDP at one order alpha &gt; 1 (see the class description). */
    static double rdp(double q, double sigma, double alpha) {
        if (q == 0 || sigma == Double.POSITIVE_INFINITY) {
            return 0.0;
        }
        if (sigma == 0) {
            return Double.POSITIVE_INFINITY;
        }
        if (q == 1) {
            return alpha / (2 * sigma * sigma);
        }
        if (alpha == Math.rint(alpha) && alpha <= Integer.MAX_VALUE - 1) {
            return integerOrder(q, sigma, (int) alpha);
        }
        return fractionalOrder(q, sigma, alpha);
    }

    private static double integerOrder(double q, double sigma, int alpha) {
        double[] lf = logFactorialsUpTo(alpha);
        double logQ = Math.log(q);
        double log1mQ = Math.log1p(-q);
        double twoSigma2 = 2 * sigma * sigma;
        double[] logTerms = new double[alpha - 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 2; i <= alpha; i++) {
            double exponent = ((double) i * i - i) / twoSigma2;
            double t = lf[alpha] - lf[i] - lf[alpha - i] + i * logQ + (alpha - i) * log1mQ
                    + LogMath.logExpm1(exponent);
            logTerms[i - 2] = t;
            max = Math.max(max, t);
        }
        if (max == Double.POSITIVE_INFINITY) {
            return Double.POSITIVE_INFINITY;
        }
        double sum = 0;
        for (double t : logTerms) {
            sum += Math.exp(t - max);
        }
        double logAMinus1 = max + Math.log(sum);
        return LogMath.log1pExp(logAMinus1) / (alpha - 1);
    }

    private static double fractionalOrder(double q, double sigma, double alpha) {
        final boolean subtractOne = q < SUBTRACT_ONE_BELOW_Q;
        final double logQ = Math.log(q);
        final double log1mQ = Math.log1p(-q);
        final double twoSigma2 = 2 * sigma * sigma;
        final double z0 = sigma * sigma * (log1mQ - logQ) + 0.5;

        SignedLogSum sum = new SignedLogSum();
        double logAbsCoef = 0.0; // log |C(alpha, i)|, by the exact ratio C(a, i+1) = C(a, i) (a - i) / (i + 1)
        int signCoef = 1;
        double previousTerm = Double.POSITIVE_INFINITY;
        double lastTerm = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < MAX_SERIES_TERMS; i++) {
            double j = alpha - i;
            // side z <= z0: C(a,i) (1-q)^(a-i) q^i [exp(c_i) Phi((z0 - i)/sigma) - s], s = 1 or 0
            double logLower = logAbsCoef + i * logQ + j * log1mQ;
            double x = ((double) i * i - i) / twoSigma2 + LogMath.logNormalCdf((z0 - i) / sigma);
            int signLower = signCoef;
            if (subtractOne) {
                if (x > 0) {
                    logLower += LogMath.logExpm1(x);
                } else if (x < 0) {
                    logLower += LogMath.log1mExp(x);
                    signLower = -signLower;
                } else {
                    logLower = Double.NEGATIVE_INFINITY;
                }
            } else {
                logLower += x;
            }
            // side z > z0: C(a,i) q^(a-i) (1-q)^i exp(c_{a-i}) Phi((a - i - z0)/sigma)
            double logUpper = logAbsCoef + j * logQ + i * log1mQ + (j * j - j) / twoSigma2
                    + LogMath.logNormalCdf((j - z0) / sigma);
            if (Double.isNaN(logLower) || Double.isNaN(logUpper)
                    || logLower == Double.POSITIVE_INFINITY || logUpper == Double.POSITIVE_INFINITY) {
                return Double.POSITIVE_INFINITY;
            }
            sum.add(signLower, logLower);
            sum.add(signCoef, logUpper);
            double term = Math.max(logLower, logUpper) + Math.log1p(Math.exp(-Math.abs(logLower - logUpper)));
            lastTerm = term;
            if (i > alpha + 1 && term < previousTerm) {
                double scale = subtractOne ? sum.logValue() : LogMath.logExpm1(Math.max(sum.logValue(), 1e-300));
                if (term < scale + SERIES_LOG_TOLERANCE) {
                    break;
                }
            }
            previousTerm = term;
            signCoef = (alpha - i) < 0 ? -signCoef : signCoef;
            logAbsCoef += Math.log(Math.abs(alpha - i)) - Math.log(i + 1.0);
        }
        // Alternating remainder: bounded by the last term's magnitude; add it so that the result is an upper bound.
        sum.add(1, lastTerm);
        double logResult = sum.logValueOrAbsoluteBound();
        double logA = subtractOne ? LogMath.log1pExp(logResult) : logResult;
        return Math.max(0.0, logA) / (alpha - 1);
    }

    /**
     * A sum of signed terms given by their logarithms, kept as positive and negative parts scaled by a common
     * factor exp(ref) that follows the largest term, so that each term costs one exp.
     */
    private static final class SignedLogSum {
        private double ref = Double.NEGATIVE_INFINITY;
        private double pos;
        private double neg;

        void add(int sign, double logMagnitude) {
            if (logMagnitude == Double.NEGATIVE_INFINITY) {
                return;
            }
            if (logMagnitude > ref) {
                double rescale = ref == Double.NEGATIVE_INFINITY ? 0.0 : Math.exp(ref - logMagnitude);
                pos *= rescale;
                neg *= rescale;
                ref = logMagnitude;
            }
            double v = Math.exp(logMagnitude - ref);
            if (sign > 0) {
                pos += v;
            } else {
                neg += v;
            }
        }

        /** log of the signed sum, NaN if it is not positive. */
        double logValue() {
            double d = pos - neg;
            return d > 0 ? ref + Math.log(d) : Double.NaN;
        }

        /**
         * log of the signed sum if cancellation left at least 6 correct digits, otherwise log of the sum of absolute
         * values (an upper bound on the true sum, which is known to be positive).
         */
        double logValueOrAbsoluteBound() {
            double d = pos - neg;
            if (d > 1e-6 * pos) {
                return ref + Math.log(d);
            }
            return ref + Math.log(pos + neg);
        }
    }

    private static double[] logFactorialsUpTo(int n) {
        double[] table = logFactorials;
        if (table.length > n) {
            return table;
        }
        synchronized (SubsampledGaussianRdp.class) {
            table = logFactorials;
            if (table.length > n) {
                return table;
            }
            int size = Math.max(n + 1, 2 * table.length);
            double[] grown = Arrays.copyOf(table, size);
            for (int k = table.length; k < size; k++) {
                grown[k] = Gamma.logGamma(k + 1.0);
            }
            logFactorials = grown;
            return grown;
        }
    }

    private record CacheKey(double q, double sigma, double[] orders, int ordersHash) {
        CacheKey(double q, double sigma, double[] orders) {
            this(q, sigma, orders.clone(), Arrays.hashCode(orders));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof CacheKey k && Double.compare(q, k.q) == 0 && Double.compare(sigma, k.sigma) == 0
                    && ordersHash == k.ordersHash && Arrays.equals(orders, k.orders);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * Double.hashCode(q) + Double.hashCode(sigma)) + ordersHash;
        }
    }
}
