package io.dplora.accounting;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10 item 10: the default accountant answers, with a valid upper bound, whatever the parameters. Before the fix
 * (PLD alone at interval 1e-4 with FFTs up to 2^23) each case below failed: sigma 0.1 threw "spans 9435992 buckets"
 * at the first report, 10^9 steps reported infinity, calibration for 10^9 steps found no sigma, and calibration at
 * epsilon 1000 returned a sigma above the RDP answer as "smallest". Times are measured in docs/accounting.md, not here.
 */
class PldLimitsTest {

    private static final double DELTA = 1e-5;

    private static DpEvent step(double sigma, double q) {
        return DpEvent.poissonSampled(q, DpEvent.gaussian(sigma));
    }

    @Test
    void aTinySigmaIsReportedStepByStepInsteadOfThrowing() {
        PrivacyAccountant a = AccountantType.PLD.newAccountant();
        for (int i = 0; i < 20; i++) {
            a.compose(step(0.1, 0.1));
        }
        double e = a.getEpsilon(DELTA);
        double rdp = new RdpAccountant().compose(step(0.1, 0.1), 20).getEpsilon(DELTA);
        assertTrue(Double.isFinite(e) && e <= rdp, e + " vs RDP " + rdp);
        assertNotNull(((PldWithRdpFallbackAccountant) a).note(), "the coarser grid is said");
    }

    @Test
    void aBillionStepsGiveAFiniteEpsilonNoLargerThanRdp() {
        DpEvent s = step(1.1, 0.001);
        double e = AccountantType.PLD.newAccountant().compose(s, 1_000_000_000L).getEpsilon(DELTA);
        double rdp = new RdpAccountant().compose(s, 1_000_000_000L).getEpsilon(DELTA);
        assertTrue(Double.isFinite(e), "PLD alone reported infinity here");
        assertTrue(e <= rdp, e + " <= " + rdp);
        PldWithRdpFallbackAccountant a = new PldWithRdpFallbackAccountant();
        a.compose(s, 1_000_000_000L);
        assertTrue(a.source(DELTA).startsWith("RDP"), a.source(DELTA));
    }

    @Test
    void calibrationForABillionStepsFindsASigma() {
        double sigma = NoiseCalibration.noiseMultiplier(1, DELTA, 0.01, 1_000_000_000L, AccountantType.PLD);
        double rdpSigma = NoiseCalibration.noiseMultiplier(1, DELTA, 0.01, 1_000_000_000L, AccountantType.RDP);
        assertTrue(sigma <= rdpSigma * (1 + 1e-9), sigma + " vs RDP " + rdpSigma);
        assertTrue(NoiseCalibration.epsilon(sigma, 0.01, 1_000_000_000L, DELTA, AccountantType.PLD) <= 1);
    }

    @Test
    void theSmallestSigmaAtAHugeEpsilonIsNoLargerThanRdpsAndIsTheSmallest() {
        double sigma = NoiseCalibration.noiseMultiplier(1000, DELTA, 0.1, 20, AccountantType.PLD);
        double rdpSigma = NoiseCalibration.noiseMultiplier(1000, DELTA, 0.1, 20, AccountantType.RDP);
        assertTrue(sigma <= rdpSigma, sigma + " vs RDP " + rdpSigma + " (the old answer was 0.106)");
        assertTrue(NoiseCalibration.epsilon(sigma, 0.1, 20, DELTA, AccountantType.PLD) <= 1000);
        assertTrue(NoiseCalibration.epsilon(sigma / (1 + 2 * NoiseCalibration.PLD_SIGMA_TOLERANCE), 0.1, 20, DELTA,
                AccountantType.PLD) > 1000, "a slightly smaller sigma exceeds the target: the answer is the smallest");
    }

    @Test
    void ordinaryWorkloadsKeepThePldValue() {
        DpEvent s = step(1.0017, 2048 / 30000.0);
        PldWithRdpFallbackAccountant a = new PldWithRdpFallbackAccountant();
        a.compose(s, 293);
        double pld = new PldAccountant().compose(s, 293).getEpsilon(DELTA);
        assertEquals(pld, a.getEpsilon(DELTA), 0.0, "the tight PLD value at the default interval");
        assertEquals("PLD (interval 1.0E-4)", a.source(DELTA));
        assertEquals(null, a.note());
    }

    @Test
    void setupCalibrationMeetsTheTargetAndIsWithinATenthOfAPercentOfTheSmallest() {
        double q = 2048 / 30000.0;
        double fast = NoiseCalibration.noiseMultiplierForSetup(8, DELTA, q, 293, AccountantType.PLD);
        double fine = NoiseCalibration.noiseMultiplier(8, DELTA, q, 293, AccountantType.PLD);
        assertTrue(NoiseCalibration.epsilon(fast, q, 293, DELTA, AccountantType.PLD) <= 8, "meets the target");
        assertTrue(fast >= fine * (1 - 1e-5) && fast <= fine * 1.001, fast + " vs " + fine);
        PrivacyLedger none = new PrivacyLedger();
        assertTrue(NoiseCalibration.certainlyWithin(none, fast, q, 293, 8, DELTA, AccountantType.PLD));
        assertTrue(!NoiseCalibration.certainlyWithin(none, fast, q, 400, 8, DELTA, AccountantType.PLD));
    }
}
