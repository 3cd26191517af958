package io.dplora.accounting;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * In-place iterative radix-2 complex FFT (Cooley-Tukey, decimation in time; and a decimation-in-frequency /
 * decimation-in-time pair that skips the bit-reversal permutations for pointwise work in the frequency domain) on
 * separate real and imaginary arrays whose length is a power of two. Twiddle factors come from {@link Math#cos} / {@link Math#sin} of exact
 * multiples of 2 pi / n (no recurrence), so the transform's error is that of the butterflies: about
 * {@code c u log2(n) ||x||_1} per output, u the unit round-off, c a small constant.
 */
final class Fft {

    private static final int MAX_CACHED_SIZE = 1 << 20;
    private static final Map<Integer, double[][]> TWIDDLES = new ConcurrentHashMap<>();
    private static final Map<Integer, int[]> REVERSALS = new ConcurrentHashMap<>();

    private Fft() {
    }

    /** Smallest power of two {@code >= n} (n &gt;= 1, at most 2^30). */
    static int nextPowerOfTwo(long n) {
        if (n < 1 || n > (1 << 30)) {
            throw new IllegalArgumentException("FFT size out of range: " + n);
        }
        int p = 1;
        while (p < n) {
            p <<= 1;
        }
        return p;
    }

    /** Forward transform {@code X_k = sum_j x_j exp(-2 pi i j k / n)}, in place. */
    static void forward(double[] re, double[] im) {
        transform(re, im, false);
    }

    /** Inverse transform {@code x_j = (1/n) sum_k X_k exp(2 pi i j k / n)}, in place. */
    static void inverse(double[] re, double[] im) {
        transform(re, im, true);
        scale(re, im, 1.0 / re.length);
    }

    /**
     * Forward transform with the output in bit-reversed order: {@code re[rev(k)] + i im[rev(k)] = X_k}
     * (decimation in frequency, no permutation pass). Spectra in this order can be combined pointwise and returned
     * to natural order by {@link #inverseFromBitReversed}, which saves both permutations of a convolution.
     * Rounding: each radix-2 stage adds at most the error of a complex addition, a subtraction and a twiddle
     * multiply to every intermediate value, as in {@link #forward} (the butterfly graph is the same, transposed).
     */
    static void forwardToBitReversed(double[] re, double[] im) {
        int n = checkedLength(re, im);
        if (n == 1) {
            return;
        }
        double[][] tw = twiddles(n);
        double[] cos = tw[0];
        double[] sin = tw[1];
        for (int len = n; len >= 4; len >>= 1) {
            int half = len >> 1;
            int step = n / len;
            for (int start = 0; start < n; start += len) {
                for (int k = 0; k < half; k++) {
                    double wr = cos[k * step];
                    double wi = -sin[k * step];
                    int a = start + k;
                    int b = a + half;
                    double dr = re[a] - re[b];
                    double di = im[a] - im[b];
                    re[a] += re[b];
                    im[a] += im[b];
                    re[b] = dr * wr - di * wi;
                    im[b] = dr * wi + di * wr;
                }
            }
        }
        // the last stage's only twiddle is 1
        for (int a = 0; a < n; a += 2) {
            double dr = re[a] - re[a + 1];
            double di = im[a] - im[a + 1];
            re[a] += re[a + 1];
            im[a] += im[a + 1];
            re[a + 1] = dr;
            im[a + 1] = di;
        }
    }

    /**
     * Inverse of {@link #forwardToBitReversed}: input in bit-reversed order, output {@code x_j} in natural order
     * (decimation in time without the permutation pass).
     */
    static void inverseFromBitReversed(double[] re, double[] im) {
        int n = checkedLength(re, im);
        ditStages(re, im, 1.0);
        scale(re, im, 1.0 / n);
    }

    private static int checkedLength(double[] re, double[] im) {
        int n = re.length;
        if (n != im.length || Integer.bitCount(n) != 1) {
            throw new IllegalArgumentException("FFT length must be a power of two, got " + n);
        }
        return n;
    }

    private static void scale(double[] re, double[] im, double factor) {
        for (int k = 0; k < re.length; k++) {
            re[k] *= factor;
            im[k] *= factor;
        }
    }

    private static void transform(double[] re, double[] im, boolean inverse) {
        checkedLength(re, im);
        bitReverse(re, im);
        ditStages(re, im, inverse ? 1.0 : -1.0);
    }

    /** The radix-2 decimation-in-time stages on bit-reversed input; {@code sign} -1 forward, +1 inverse. */
    private static void ditStages(double[] re, double[] im, double sign) {
        int n = re.length;
        if (n == 1) {
            return;
        }
        double[][] tw = twiddles(n);
        double[] cos = tw[0];
        double[] sin = tw[1];
        // the first stage's only twiddle is 1: plain sums and differences (the same values as the general loop)
        for (int a = 0; a < n; a += 2) {
            double xr = re[a + 1];
            double xi = im[a + 1];
            re[a + 1] = re[a] - xr;
            im[a + 1] = im[a] - xi;
            re[a] += xr;
            im[a] += xi;
        }
        for (int len = 4; len <= n; len <<= 1) {
            int half = len >> 1;
            int step = n / len;
            for (int start = 0; start < n; start += len) {
                for (int k = 0; k < half; k++) {
                    double wr = cos[k * step];
                    double wi = sign * sin[k * step];
                    int a = start + k;
                    int b = a + half;
                    double xr = re[b] * wr - im[b] * wi;
                    double xi = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - xr;
                    im[b] = im[a] - xi;
                    re[a] += xr;
                    im[a] += xi;
                }
            }
        }
    }

    /** Swaps every element with the one at its bit-reversed index (a cached permutation table for n <= 2^20). */
    private static void bitReverse(double[] re, double[] im) {
        int n = re.length;
        int[] rev = n <= MAX_CACHED_SIZE ? REVERSALS.computeIfAbsent(n, Fft::reversal) : reversal(n);
        for (int i = 1; i < n; i++) {
            int j = rev[i];
            if (i < j) {
                double t = re[i];
                re[i] = re[j];
                re[j] = t;
                t = im[i];
                im[i] = im[j];
                im[j] = t;
            }
        }
    }

    /** rev[i] = i with its log2(n) bits reversed. */
    private static int[] reversal(int n) {
        int[] rev = new int[n];
        int bits = Integer.numberOfTrailingZeros(n);
        for (int i = 1; i < n; i++) {
            rev[i] = (rev[i >> 1] >> 1) | ((i & 1) << (bits - 1));
        }
        return rev;
    }

    /** cos and sin of 2 pi k / n for k &lt; n/2. */
    private static double[][] twiddles(int n) {
        if (n > MAX_CACHED_SIZE) {
            return computeTwiddles(n);
        }
        return TWIDDLES.computeIfAbsent(n, Fft::computeTwiddles);
    }

    private static double[][] computeTwiddles(int n) {
        int half = n / 2;
        double[] c = new double[half];
        double[] s = new double[half];
        for (int k = 0; k < half; k++) {
            double angle = 2 * Math.PI * k / n;
            c[k] = Math.cos(angle);
            s[k] = Math.sin(angle);
        }
        return new double[][] {c, s};
    }
}
