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
