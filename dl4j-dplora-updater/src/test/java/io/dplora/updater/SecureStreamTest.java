package io.dplora.updater;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The secure stream of unseeded runs ({@link DPRandom#secure()}, AES-256-CTR keyed from SecureRandom): its keystream
 * is AES-256-CTR's (known-answer vector of NIST SP 800-38A, F.5.5), and its Gaussians are standard normal (mean,
 * variance, the 3-sigma tail, Kolmogorov-Smirnov distance, lag-1 correlation; thresholds at about 5 standard errors,
 * KS at p ~ 1e-4), its uniforms uniform, and two streams differ.
 */
class SecureStreamTest {

    private static byte[] hex(String h) {
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    @Test
    void keystreamIsAes256Ctr() {
        AesCtrGenerator g = AesCtrGenerator.withKey(
                hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4"),
                hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"));
        // SP 800-38A F.5.5, block #1: output block 0bdf7df1591716335e9a8b15c860c502
        assertEquals(0x0bdf7df159171633L, g.nextLong());
        assertEquals(0x5e9a8b15c860c502L, g.nextLong());
    }

    @Test
    void gaussiansAreStandardNormal() {
        DPRandom r = DPRandom.secure();
        assertTrue(r.isSecure());
        int n = 400_000;
        double[] z = new double[n];
        double sum = 0;
        double sumSq = 0;
        long tail = 0;
        double lag = 0;
        for (int i = 0; i < n; i++) {
            z[i] = r.nextGaussian();
            sum += z[i];
            sumSq += z[i] * z[i];
            tail += Math.abs(z[i]) > 3 ? 1 : 0;
            if (i > 0) {
                lag += z[i] * z[i - 1];
            }
        }
        double mean = sum / n;
        double var = sumSq / n - mean * mean;
        assertEquals(0.0, mean, 5 / Math.sqrt(n), "mean");
        assertEquals(1.0, var, 5 * Math.sqrt(2.0 / n), "variance");
        double p3 = 0.0026997960632601866; // P(|Z| > 3)
        assertEquals(p3 * n, tail, 5 * Math.sqrt(n * p3 * (1 - p3)), "3-sigma tail count");
        assertEquals(0.0, lag / (n - 1), 5 / Math.sqrt(n), "lag-1 correlation");
        Arrays.sort(z);
        org.apache.commons.math3.distribution.NormalDistribution phi =
                new org.apache.commons.math3.distribution.NormalDistribution(0, 1);
        double d = 0;
        for (int i = 0; i < n; i++) {
            double f = phi.cumulativeProbability(z[i]);
            d = Math.max(d, Math.max(f - i / (double) n, (i + 1) / (double) n - f));
        }
        assertTrue(d < 2.2 / Math.sqrt(n), "Kolmogorov-Smirnov distance " + d);
    }

    @Test
    void uniformsAreUniformAndStreamsDiffer() {
        DPRandom a = DPRandom.secure();
        DPRandom b = DPRandom.secure();
        int n = 200_000;
        int[] bins = new int[20];
        int hits = 0;
        for (int i = 0; i < n; i++) {
            double u = a.nextDouble();
            assertTrue(u >= 0 && u < 1);
            bins[(int) (u * 20)]++;
            hits += a.nextBernoulli(0.3) ? 1 : 0;
        }
        double chi2 = 0;
        for (int c : bins) {
            chi2 += (c - n / 20.0) * (c - n / 20.0) / (n / 20.0);
        }
        assertTrue(chi2 < 60, "chi-square with 19 degrees of freedom: " + chi2); // p ~ 4e-6
        assertEquals(0.3 * n, hits, 5 * Math.sqrt(n * 0.3 * 0.7));
        assertNotEquals(a.nextGaussian(), b.nextGaussian());
    }
}
