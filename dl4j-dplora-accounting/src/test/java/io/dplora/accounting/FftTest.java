package io.dplora.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** The FFT against the textbook O(n^2) DFT, and FFT convolution against direct convolution. */
class FftTest {

    @Test
    void forwardTransformEqualsTheDefinition() {
        Random rnd = new Random(7);
        for (int n : new int[] {1, 2, 8, 64, 1024}) {
            double[] re = new double[n];
            double[] im = new double[n];
            for (int k = 0; k < n; k++) {
                re[k] = rnd.nextGaussian();
                im[k] = rnd.nextGaussian();
            }
            double[] fr = re.clone();
            double[] fi = im.clone();
            Fft.forward(fr, fi);
            for (int k = 0; k < n; k++) {
                double sr = 0;
                double si = 0;
                for (int j = 0; j < n; j++) {
                    double angle = -2 * Math.PI * ((long) j * k % n) / n;
                    sr += re[j] * Math.cos(angle) - im[j] * Math.sin(angle);
                    si += re[j] * Math.sin(angle) + im[j] * Math.cos(angle);
                }
                assertEquals(sr, fr[k], 1e-11 * n, "n=" + n + " k=" + k);
                assertEquals(si, fi[k], 1e-11 * n, "n=" + n + " k=" + k);
            }
            Fft.inverse(fr, fi);
            for (int k = 0; k < n; k++) {
                assertEquals(re[k], fr[k], 1e-13);
                assertEquals(im[k], fi[k], 1e-13);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Fft.forward(new double[6], new double[6]));
        assertEquals(1024, Fft.nextPowerOfTwo(1000));
        assertEquals(1, Fft.nextPowerOfTwo(1));
    }

    @Test
    void theBitReversedPairEqualsTheNaturalTransformAndConvolvesWithoutPermutations() {
        Random rnd = new Random(9);
        for (int n : new int[] {1, 2, 4, 8, 256, 4096}) {
            int bits = Integer.numberOfTrailingZeros(n);
            double[] re = new double[n];
            double[] im = new double[n];
            for (int k = 0; k < n; k++) {
                re[k] = rnd.nextGaussian();
                im[k] = rnd.nextGaussian();
            }
            double[] fr = re.clone();
            double[] fi = im.clone();
            Fft.forward(fr, fi);
            double[] br = re.clone();
            double[] bi = im.clone();
            Fft.forwardToBitReversed(br, bi);
            for (int k = 0; k < n; k++) {
                int rev = n == 1 ? 0 : Integer.reverse(k) >>> (32 - bits);
                assertEquals(fr[k], br[rev], 1e-12 * Math.max(1, bits), "n=" + n + " k=" + k);
                assertEquals(fi[k], bi[rev], 1e-12 * Math.max(1, bits), "n=" + n + " k=" + k);
            }
            Fft.inverseFromBitReversed(br, bi);
            for (int k = 0; k < n; k++) {
                assertEquals(re[k], br[k], 1e-13);
                assertEquals(im[k], bi[k], 1e-13);
            }
        }
        // cyclic convolution: pointwise product of two bit-reversed spectra, back to natural order
        int n = 512;
        double[] a = new double[n];
        double[] b = new double[n];
        for (int k = 0; k < 200; k++) {
            a[k] = rnd.nextDouble();
            b[k] = rnd.nextDouble();
        }
        double[] ar = a.clone();
        double[] ai = new double[n];
        double[] br = b.clone();
        double[] bi = new double[n];
        Fft.forwardToBitReversed(ar, ai);
        Fft.forwardToBitReversed(br, bi);
        double[] pr = new double[n];
        double[] pi = new double[n];
        for (int k = 0; k < n; k++) {
            pr[k] = ar[k] * br[k] - ai[k] * bi[k];
            pi[k] = ar[k] * bi[k] + ai[k] * br[k];
        }
        Fft.inverseFromBitReversed(pr, pi);
        for (int k = 0; k < n; k++) {
            double direct = 0;
            for (int j = 0; j <= k; j++) {
                direct += a[j] * b[k - j];
            }
            assertEquals(direct, pr[k], 1e-12, "k=" + k);
            assertEquals(0, pi[k], 1e-12);
        }
    }

    @Test
    void pldCompositionByFftEqualsDirectConvolution() {
        Random rnd = new Random(11);
        double[] a = new double[700];
        double[] b = new double[300];
        double sa = 0;
        double sb = 0;
        for (int k = 0; k < a.length; k++) {
            a[k] = rnd.nextDouble();
            sa += a[k];
        }
        for (int k = 0; k < b.length; k++) {
            b[k] = rnd.nextDouble() * Math.exp(-k / 30.0);
            sb += b[k];
        }
        for (int k = 0; k < a.length; k++) {
            a[k] /= sa;
        }
        for (int k = 0; k < b.length; k++) {
            b[k] /= sb;
        }
        PrivacyLossDistribution pa = new PrivacyLossDistribution(1e-3, -200, a, 0.001);
        PrivacyLossDistribution pb = new PrivacyLossDistribution(1e-3, 50, b, 0.002);
        PrivacyLossDistribution c = pa.compose(pb); // 700 * 300 > 2^16: the FFT path
        double[] direct = new double[a.length + b.length - 1];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                direct[i + j] += a[i] * b[j];
            }
        }
        double[] p = c.probabilities();
        int offset = (int) (c.lowerIndex() - (-150));
        double l1 = 0;
        for (int k = 0; k < p.length; k++) {
            l1 += Math.abs(p[k] - direct[k + offset]);
        }
        assertEquals(0.0, l1, 1e-13);
        double expectedInfinity = 0.001 + 0.002 - 0.001 * 0.002;
        // the infinity mass also carries the (small) round-off and truncation allowances, never less than exact
        assertEquals(expectedInfinity, c.infinityMass(), 1e-12);
        assertEquals(true, c.infinityMass() >= expectedInfinity);
    }
}
