package io.dplora.accounting;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * In-place iterative radix-2 complex FFT (Cooley-Tukey, decimation in time) on separate real and imaginary
 * arrays whose length is a power of two. Twiddle factors come from {@link Math#cos} / {@link Math#sin} of exact
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
        double scale = 1.0 / re.length;
        for (int k = 0; k < re.length; k++) {
            re[k] *= scale;
            im[k] *= scale;
        }
    }

    private static void transform(double[] re, double[] im, boolean inverse) {
        int n = re.length;
        if (n != im.length || Integer.bitCount(n) != 1) {
            throw new IllegalArgumentException("FFT length must be a power of two, got " + n);
        }
        if (n == 1) {
            return;
        }
        bitReverse(re, im);
        double[][] tw = twiddles(n);
        double[] cos = tw[0];
        double[] sin = tw[1];
        double sign = inverse ? 1.0 : -1.0;
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
