package io.dplora.updater;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClipFactorsTest {

    @Test
    void clipFactorIsMinOfOneAndThresholdOverNorm() {
        assertEquals(1.0, ClipFactors.clipFactor(0.25, 1.0, 0.0), 0.0);          // ||g|| = 0.5 < C
        assertEquals(0.5, ClipFactors.clipFactor(4.0, 1.0, 0.0), 1e-15);         // ||g|| = 2
        assertEquals(0.1, ClipFactors.clipFactor(100.0, 1.0, 0.0), 1e-15);       // ||g|| = 10
        assertEquals(1.0, ClipFactors.clipFactor(9.0, 3.0, 0.0), 0.0);           // exactly at C
        // the margin only ever makes the clipped norm smaller, by that relative amount
        double c = ClipFactors.clipFactor(4.0, 1.0, 1e-5);
        assertTrue(c * 2.0 <= 1.0);
        assertEquals(0.5 / (1 + 1e-5), c, 1e-15);
    }

    @Test
    void zeroNormKeepsTheExampleAndNonFiniteDropsIt() {
        assertEquals(1.0, ClipFactors.clipFactor(0.0, 1.0, 1e-5), 0.0);
        assertEquals(0.0, ClipFactors.clipFactor(Double.NaN, 1.0, 0.0), 0.0);
        assertEquals(0.0, ClipFactors.clipFactor(Double.POSITIVE_INFINITY, 1.0, 0.0), 0.0);
    }

    @Test
    void clippedNormNeverExceedsThreshold() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int k = 0; k < 10000; k++) {
            double norm = Math.exp(r.nextDouble(-20, 20));
            double threshold = Math.exp(r.nextDouble(-5, 5));
            double c = ClipFactors.clipFactor(norm * norm, threshold, 1e-12);
            assertTrue(c * norm <= threshold, "c n = " + c * norm + " > C = " + threshold);
        }
    }

    @Test
    void perLayerThresholdsSquareSumToC2() {
        double[] equal = ClipFactors.perLayerThresholds(2.0, new double[]{1, 1, 1, 1});
        for (double t : equal) {
            assertEquals(1.0, t, 1e-15);        // C / sqrt(L) = 2 / 2
        }
        double[] w = ClipFactors.perLayerThresholds(3.0, new double[]{1, 2, 5});
        double s = 0;
        for (double t : w) {
            s += t * t;
        }
        assertEquals(9.0, s, 1e-12);
        assertEquals(w[1] * w[1], 2 * w[0] * w[0], 1e-12);
        assertThrows(IllegalArgumentException.class, () -> ClipFactors.perLayerThresholds(1, new double[]{1, 0}));
    }
}
