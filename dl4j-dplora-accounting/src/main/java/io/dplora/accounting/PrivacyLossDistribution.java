package io.dplora.accounting;

/**
 * A discrete privacy loss distribution (PLD) for one direction of a pair of neighbouring data sets: probability
 * mass {@code probs[k]} at privacy loss {@code (lowerIndex + k) * interval}, plus {@code infinityMass} at loss
 * +infinity. For a pair (P, Q) the privacy loss is {@code L = log(P(o)/Q(o))} with o drawn from P, and the tight
 * delta at epsilon is the hockey-stick divergence
 * <pre>  delta(epsilon) = P(L = inf) + E_P[(1 - exp(epsilon - L))_+].</pre>
 *
 * <p>Every operation here is <em>pessimistic</em>: if this PLD dominates a true PLD (its delta curve lies above the
 * true one for every epsilon), then so do its compositions, because adaptive composition preserves dominating
 * pairs (Zhu, Dong and Wang 2022, "Optimal accounting of differential privacy via characteristic function").
 * Truncated tails are moved up (the lower tail onto the lowest kept loss, the upper tail to +infinity), bounds on the
 * mass that FFT wrap-around may misplace are added to the infinity mass, and so is a bound on the floating-point
 * round-off of the FFT (see {@link #selfCompose(long)}).
 *
 * <p>Immutable.
 */
final class PrivacyLossDistribution {

    /** Mass that may be cut from the tails at each composition (half each side), as in dp_accounting. */
    static final double TAIL_MASS_TRUNCATION = 1e-15;
    private static final double UNIT_ROUNDOFF = 0x1.0p-53;
    /**
     * Error of one radix-2 stage per unit of input magnitude: the complex multiply by a twiddle factor (sqrt(5) u),
     * the twiddle's own error (sqrt(2) u) and the complex addition (sqrt(2) u), rounded up.
     */
    private static final double FFT_STAGE_ERROR = 6 * UNIT_ROUNDOFF;
    /** Longest FFT a composition may use unless the caller sets a smaller limit. */
    static final int MAX_FFT_SIZE = 1 << 23;
    /**
     * A power of a Fourier coefficient below this is replaced by 0 and counted in full as FFT error (its square,
     * 1e-300, is still a normal double, so the error sum cannot lose it).
     */
    private static final double NEGLIGIBLE_POWER = 1e-150;
    private static final double LOG_NEGLIGIBLE_POWER = Math.log(NEGLIGIBLE_POWER);
    private static final long DIRECT_CONVOLUTION_LIMIT = 1L << 16;
    private static final int DIRECT_CONVOLUTION_MAX_SHORT_SIDE = 32;

    private final double interval;
    private final long lowerIndex;
    private final double[] probs;
    private final double infinityMass;
    /**
     * The forward transform of {@link #probs} at the FFT size last used by {@link #selfCompose}: reports of epsilon
     * at growing step counts compose the same one-step PLD again and again, mostly at the same size. Deterministic,
     * so a reused transform gives bit-identical results.
     */
    private volatile Spectrum spectrum;
    /** {@link #logMgf} on the Chernoff window's lambda grid, positive and negative (derived data, like spectrum). */
    private final java.util.Map<Integer, Double> mgfAbove = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<Integer, Double> mgfBelow = new java.util.concurrent.ConcurrentHashMap<>();
    /** {@link #spread()}, 0 until computed (derived data; a race only computes the same value twice). */
    private volatile double spread;

    /** A forward transform of the finite part at one FFT size, in bit-reversed order (never modified once published). */
    private record Spectrum(int size, double[] re, double[] im) {
    }

    PrivacyLossDistribution(double interval, long lowerIndex, double[] probs, double infinityMass) {
        this.interval = interval;
        this.lowerIndex = lowerIndex;
        this.probs = probs;
        this.infinityMass = Math.min(1.0, Math.max(0.0, infinityMass));
    }

    /** The PLD of a mechanism that reveals nothing: all mass at loss 0. */
    static PrivacyLossDistribution identity(double interval) {
        return new PrivacyLossDistribution(interval, 0, new double[] {1.0}, 0.0);
    }

    double interval() {
        return interval;
    }

    long lowerIndex() {
        return lowerIndex;
    }

    int size() {
        return probs.length;
    }

    double infinityMass() {
        return infinityMass;
    }

    /** A copy of the finite masses. */
    double[] probabilities() {
        return probs.clone();
    }

    /** {@code delta(epsilon) = infinityMass + sum_{l_k > epsilon} p_k (1 - exp(epsilon - l_k))}, at most 1. */
    double getDelta(double epsilon) {
        double sum = 0;
        for (int k = probs.length - 1; k >= 0; k--) {
            double loss = (lowerIndex + k) * interval;
            if (loss <= epsilon) {
                break;
            }
            sum += probs[k] * -Math.expm1(epsilon - loss);
        }
        return Math.min(1.0, infinityMass + sum);
    }

    /**
     * The smallest epsilon &gt;= 0 with {@code delta(epsilon) <= delta}; +infinity if the infinity mass exceeds delta.
     * Between two support points the delta curve is {@code S - exp(epsilon - l_k) T} with the mass S above l_k and
     * {@code T = sum_{j>k} p_j exp(l_k - l_j)}, so the crossing is solved exactly.
     */
    double getEpsilon(double delta) {
        if (infinityMass > delta) {
            return Double.POSITIVE_INFINITY;
        }
        double decay = Math.exp(-interval);
        double massAbove = infinityMass; // S_k
        double weighted = 0.0; // T_k
        for (int k = probs.length - 1; k >= 0; k--) {
            double deltaAtK = massAbove - weighted; // delta(l_k)
            if (deltaAtK > delta) {
                double loss = (lowerIndex + k) * interval;
                return Math.max(0.0, loss + Math.log((massAbove - delta) / weighted));
            }
            weighted = decay * (weighted + probs[k]);
            massAbove += probs[k];
        }
        // delta(l_0) <= delta: the crossing, if any, is below the lowest support point.
        double lowest = (lowerIndex - 1) * interval;
        if (massAbove <= delta || weighted <= 0) {
            return 0.0;
        }
        return Math.max(0.0, lowest + Math.log((massAbove - delta) / weighted));
    }

    /**
     * The PLD of running this mechanism and then {@code other} (adaptive composition): the convolution of the two
     * loss distributions, directly when one side is short and by FFT otherwise. A bound on the floating-point error
     * is added to the infinity mass (see {@link #fftRoundoffL1}).
     */
    PrivacyLossDistribution compose(PrivacyLossDistribution other) {
        return compose(other, MAX_FFT_SIZE);
    }

    /** {@link #compose(PrivacyLossDistribution)} with FFTs of at most {@code maxFftSize} (else IllegalStateException). */
    PrivacyLossDistribution compose(PrivacyLossDistribution other, int maxFftSize) {
        if (Double.compare(interval, other.interval) != 0) {
            throw new IllegalArgumentException("cannot compose PLDs with discretisation intervals " + interval
                    + " and " + other.interval);
        }
        double[] a = probs;
        double[] b = other.probs;
        double infinity = infinityMass + other.infinityMass - infinityMass * other.infinityMass;
        int outLength = a.length + b.length - 1;
        double[] out = new double[outLength];
        if (Math.min(a.length, b.length) <= DIRECT_CONVOLUTION_MAX_SHORT_SIDE
                || (long) a.length * b.length <= DIRECT_CONVOLUTION_LIMIT) {
            for (int i = 0; i < a.length; i++) {
                if (a[i] == 0) {
                    continue;
                }
                for (int j = 0; j < b.length; j++) {
                    out[i + j] += a[i] * b[j];
                }
            }
            boolean exact = (a.length == 1 && a[0] == 1.0) || (b.length == 1 && b[0] == 1.0);
            if (!exact) {
                // sums of m non-negative products are at least (1 - (m + 1) u) times their exact values
                infinity += (Math.min(a.length, b.length) + 1) * UNIT_ROUNDOFF * sum(a) * sum(b);
            }
        } else {
            int n = Fft.nextPowerOfTwo(outLength);
            requireFftSize(n, maxFftSize);
            double[] re = new double[n];
            double[] im = new double[n];
            System.arraycopy(a, 0, re, 0, a.length);
            System.arraycopy(b, 0, im, 0, b.length);
            Fft.forward(re, im);
            // |error| of every coefficient of the packed transform Z = FFT(a + i b)
            double eps = FFT_STAGE_ERROR * log2(n) * (sum(a) + sum(b));
            double errorSquares = 0;
            double resultSquares = 0;
            double[] pr = new double[n];
            double[] pi = new double[n];
            for (int k = 0; k < n; k++) {
                int m = (n - k) & (n - 1);
                double x = re[k];
                double y = im[k];
                double u = re[m];
                double v = im[m];
                // A_k = (Z_k + conj Z_{-k}) / 2 and B_k = (Z_k - conj Z_{-k}) / (2i): the transforms of a and b
                double ar = 0.5 * (x + u);
                double ai = 0.5 * (y - v);
                double br = 0.5 * (y + v);
                double bi = -0.5 * (x - u);
                pr[k] = ar * br - ai * bi;
                pi[k] = ar * bi + ai * br;
                double absA = Math.hypot(ar, ai);
                double absB = Math.hypot(br, bi);
                double err = (absA + absB + eps) * eps + 3 * UNIT_ROUNDOFF * absA * absB;
                errorSquares += err * err;
                resultSquares += absA * absA * absB * absB;
            }
            Fft.inverse(pr, pi);
            for (int k = 0; k < outLength; k++) {
                out[k] = Math.max(0.0, pr[k]);
            }
            infinity += fftRoundoffL1(n, outLength, errorSquares, resultSquares);
        }
        return truncateTails(interval, lowerIndex + other.lowerIndex, out, infinity);
    }

    /**
     * Bound on the L1 error of the {@code kept} outputs of an inverse FFT of length n whose input has per-coefficient
     * errors with squared sum {@code errorSquares} and whose exact input has squared norm {@code resultSquares}:
     * by Parseval the output error has 2-norm at most {@code (||E||_2 + eps_f ||Y||_2) / sqrt(n)}, with
     * {@code eps_f = 6 u log2(n)} the inverse transform's own relative 2-norm error (Higham 2002, "Accuracy and
     * Stability of Numerical Algorithms", chapter 24), and the L1 norm over {@code kept} entries is at most
     * sqrt(kept) times that.
     */
    private static double fftRoundoffL1(int n, long kept, double errorSquares, double resultSquares) {
        double inverseError = FFT_STAGE_ERROR * log2(n);
        return Math.sqrt((double) kept / n) * (Math.sqrt(errorSquares) + inverseError * Math.sqrt(resultSquares));
    }

    /**
     * The PLD of {@code count} adaptive runs of this mechanism, by one FFT, a per-frequency power and one inverse
     * FFT (dp_accounting's method). The FFT is cyclic, so its length is chosen from Chernoff bounds: with
     * {@code M(lambda) = sum_k p_k exp(lambda k)}, the composed loss exceeds {@code u} with probability at most
     * {@code M(lambda)^count exp(-lambda u)}; u and a lower bound are set so that each tail has mass at most 5e-16.
     * The upper tail's bound is added to the infinity mass and the lower tail's to the lowest bucket, which covers
     * wherever the wrap-around puts that mass. A bound on the FFT round-off is added to the infinity mass as well:
     * the forward transform's per-coefficient error {@code e} is amplified by the power to at most
     * {@code count (|c_k| + e)^(count-1) e}, to which the rounding of the powering and of the inverse transform is
     * added (see {@link #fftRoundoffL1}).
     *
     * @throws IllegalStateException if the composed distribution would need an FFT longer than 2^23 at this
     *                               discretisation (use a coarser interval or the RDP accountant)
     */
    PrivacyLossDistribution selfCompose(long count) {
        return selfCompose(count, MAX_FFT_SIZE);
    }

    /** {@link #selfCompose(long)} with an FFT of at most {@code maxFftSize} (else IllegalStateException). */
    PrivacyLossDistribution selfCompose(long count, int maxFftSize) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        if (count == 0) {
            return identity(interval);
        }
        if (count == 1) {
            return this;
        }
        double infinity = -Math.expm1(count * Math.log1p(-infinityMass));
        int n = probs.length;
        double finite = sum(probs);
        if (finite <= 0) {
            return new PrivacyLossDistribution(interval, lowerIndex * count, new double[] {0.0}, infinity);
        }
        long maxIndex = multiplySaturated(count, n - 1L);
        long[] window = chernoffWindow(count, maxIndex);
        long lo = window[0];
        long hi = window[1];
        long width = hi - lo + 1;
        if (width > maxFftSize) {
            throw new IllegalStateException("the composition of " + count + " steps spans " + width
                    + " buckets of " + interval + "; use a coarser discretisation interval or the RDP accountant");
        }
        int size = Fft.nextPowerOfTwo(Math.max(2, width));
        Spectrum cached = spectrum;
        if (cached == null || cached.size() != size) {
            double[] fre = new double[size];
            double[] fim = new double[size];
            for (int k = 0; k < n; k++) {
                fre[k & (size - 1)] += probs[k];
            }
            Fft.forwardToBitReversed(fre, fim); // only pointwise work follows: no permutation needed
            cached = new Spectrum(size, fre, fim);
            spectrum = cached;
        }
        double[] re = cached.re().clone();
        double[] im = cached.im().clone();
        // |error| of every coefficient of the forward transform (a per-output bound: the ancestors of one output
        // at each radix-2 stage partition the input, so each stage adds at most FFT_STAGE_ERROR * ||x||_1)
        double eps = FFT_STAGE_ERROR * log2(size) * finite;
        double powerRounding = 2 * Math.ceil(log2(count)) * Math.sqrt(5) * UNIT_ROUNDOFF;
        double errorSquares = 0;
        double resultSquares = 0;
        // A coefficient with (|c| + |e|)^(T-1) < NEGLIGIBLE_POWER has an exact power below it (|c + e| <= |c| + |e|
        // < 1): it is set to 0 and NEGLIGIBLE_POWER is counted as its error, which skips the powering and the
        // logarithms for most of the spectrum of a long composition. The threshold is lowered by 1e-9 relatively
        // so that the rounding of exp cannot let a larger coefficient through.
        double negligibleBelow = Math.exp(LOG_NEGLIGIBLE_POWER / (count - 1)) * (1 - 1e-9);
        for (int k = 0; k < size; k++) {
            // |c| <= ||x||_1 + eps <= 1 + eps: the squares cannot overflow; an underflowed square only hides a
            // magnitude far below eps, which the bound below covers
            double abs = Math.sqrt(re[k] * re[k] + im[k] * im[k]);
            double bound = abs + eps;
            double err;
            double absPow;
            if (bound < negligibleBelow) {
                err = NEGLIGIBLE_POWER;
                absPow = 0;
                re[k] = 0;
                im[k] = 0;
            } else {
                double[] p = complexPower(re[k], im[k], count);
                absPow = Math.sqrt(p[0] * p[0] + p[1] * p[1]);
                // |c^T - (c + e)^T| <= T (|c| + |e|)^(T-1) |e|, plus the rounding of the powering itself
                err = count * Math.exp((count - 1) * Math.log(bound)) * eps + powerRounding * absPow;
                re[k] = p[0];
                im[k] = p[1];
            }
            errorSquares += err * err;
            resultSquares += absPow * absPow;
        }
        Fft.inverseFromBitReversed(re, im);
        double[] out = new double[(int) width];
        for (int m = 0; m < width; m++) {
            out[m] = Math.max(0.0, re[(int) Math.floorMod(lo + m, (long) size)]);
        }
        infinity += fftRoundoffL1(size, width, errorSquares, resultSquares);
        double tail = TAIL_MASS_TRUNCATION / 2;
        if (lo > 0) {
            out[0] += tail;
        }
        if (hi < maxIndex) {
            infinity += tail;
        }
        return truncateTails(interval, lowerIndex * count + lo, out, infinity);
    }

    /** {lo, hi}: relative indices such that the count-fold sum lies outside [lo, hi] with mass at most 5e-16 a side. */
    private long[] chernoffWindow(long count, long maxIndex) {
        double sd = spread();
        double logTwoOverTail = Math.log(2 / TAIL_MASS_TRUNCATION);
        double base = Math.sqrt(2 * logTwoOverTail / count) / sd;
        // lambda on a grid of ratio sqrt(2) fixed for this distribution, lambda_g = 2^(g/2) / sd, from 8 halvings
        // below to 4 doublings above the Gaussian-optimal value: any lambda gives a valid bound, and a fixed grid lets
        // compositions of nearby lengths (the reports of one run) reuse the moment-generating function's values
        int centre = (int) Math.round(2 * Math.log(base * sd) / Math.log(2));
        double hi = maxIndex;
        double lo = 0;
        for (int g = centre - 16; g <= centre + 8; g++) {
            double lambda = Math.pow(2, g / 2.0) / sd;
            double upper = (count * gridLogMgf(g, sd, false) + logTwoOverTail) / lambda;
            if (upper < hi) {
                hi = upper;
            }
            double lower = -(count * gridLogMgf(g, sd, true) + logTwoOverTail) / lambda;
            if (lower > lo) {
                lo = lower;
            }
        }
        long loIndex = (long) Math.floor(lo);
        long hiIndex = (long) Math.min((double) maxIndex, Math.ceil(hi));
        if (hiIndex < loIndex) {
            hiIndex = loIndex;
        }
        return new long[] {Math.max(0, loIndex), hiIndex};
    }

    /** @return max(1, the standard deviation of the finite part in buckets), computed once (it fixes the grid) */
    private double spread() {
        double cached = spread;
        if (cached > 0) {
            return cached;
        }
        int n = probs.length;
        double total = 0;
        double mean = 0;
        for (int k = 0; k < n; k++) {
            total += probs[k];
            mean += k * probs[k];
        }
        mean /= total;
        double var = 0;
        for (int k = 0; k < n; k++) {
            var += probs[k] * (k - mean) * (k - mean);
        }
        cached = Math.max(Math.sqrt(var / total), 1.0);
        spread = cached;
        return cached;
    }

    /** {@link #logMgf} at lambda = -+2^(g/2) / sd (sd is this distribution's, so g fixes lambda), computed once. */
    private double gridLogMgf(int g, double sd, boolean negative) {
        java.util.Map<Integer, Double> cache = negative ? mgfBelow : mgfAbove;
        return cache.computeIfAbsent(g, k -> logMgf((negative ? -1 : 1) * Math.pow(2, k / 2.0) / sd));
    }

    /** log sum_k p_k exp(lambda k), k relative to the lowest index, by Horner's rule (no overflow). */
    private double logMgf(double lambda) {
        int n = probs.length;
        double acc = 0;
        if (lambda > 0) {
            double f = Math.exp(-lambda);
            for (int k = 0; k < n; k++) {
                acc = acc * f + probs[k];
            }
            return lambda * (n - 1) + Math.log(acc);
        }
        double f = Math.exp(lambda);
        for (int k = n - 1; k >= 0; k--) {
            acc = acc * f + probs[k];
        }
        return Math.log(acc);
    }

    /**
     * Removes the largest prefix and suffix of mass at most {@link #TAIL_MASS_TRUNCATION}/2 each: the prefix mass is
     * added to the first kept bucket (moved up), the suffix mass to the infinity mass.
     */
    static PrivacyLossDistribution truncateTails(double interval, long lowerIndex, double[] p, double infinity) {
        double half = TAIL_MASS_TRUNCATION / 2;
        int first = 0;
        double prefix = 0;
        while (first < p.length - 1 && prefix + p[first] <= half) {
            prefix += p[first];
            first++;
        }
        int last = p.length - 1;
        double suffix = 0;
        while (last > first && suffix + p[last] <= half) {
            suffix += p[last];
            last--;
        }
        double[] kept = new double[last - first + 1];
        System.arraycopy(p, first, kept, 0, kept.length);
        kept[0] += prefix;
        return new PrivacyLossDistribution(interval, lowerIndex + first, kept, infinity + suffix);
    }

    /** (re + i im)^count by binary powering. */
    private static double[] complexPower(double re, double im, long count) {
        double rr = 1;
        double ri = 0;
        double br = re;
        double bi = im;
        long e = count;
        while (true) {
            if ((e & 1) != 0) {
                double t = rr * br - ri * bi;
                ri = rr * bi + ri * br;
                rr = t;
            }
            e >>>= 1;
            if (e == 0) {
                break;
            }
            double t = br * br - bi * bi;
            bi = 2 * br * bi;
            br = t;
        }
        return new double[] {rr, ri};
    }

    private static void requireFftSize(int n, int maxFftSize) {
        if (n > maxFftSize) {
            throw new IllegalStateException("PLD composition needs an FFT of length " + n
                    + "; use a coarser discretisation interval or the RDP accountant");
        }
    }

    private static double log2(double x) {
        return Math.log(Math.max(2.0, x)) / Math.log(2);
    }

    private static double sum(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v;
        }
        return s;
    }

    private static long multiplySaturated(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        if ((hi == 0 && lo >= 0) || (hi == -1 && lo < 0)) {
            return lo;
        }
        return Long.MAX_VALUE;
    }
}
