package io.dplora.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The PLD accountant against closed forms (Balle and Wang 2018), exact values by Laplace inversion, and published
 * values of Google's dp_accounting (via its own tests and TF Privacy's), plus edge cases and invariants.
 */
class PldAccountantTest {

    private static DpEvent step(double q, double sigma) {
        return DpEvent.poissonSampled(q, DpEvent.gaussian(sigma));
    }

    private static PldAccountant pld(double q, double sigma, long steps) {
        return new PldAccountant().compose(step(q, sigma), steps);
    }

    /**
     * {sigma, epsilon, exact delta(epsilon)} of the Gaussian mechanism, Balle and Wang (2018) Theorem 8:
     * {@code delta = Phi(1/(2 sigma) - eps sigma) - e^eps Phi(-1/(2 sigma) - eps sigma)}, in 60-digit arithmetic by
     * {@code python3 src/test/python/rdp_reference.py gauss}.
     */
    private static final double[][] GAUSSIAN = {
        {0.5, 0.0, 0.6826894921370859},
        {0.5, 0.5, 0.5991856185339333},
        {0.5, 1.0, 0.5098616600546702},
        {0.5, 2.0, 0.3318979987768294},
        {0.5, 4.0, 0.08495331867107106},
        {1.0, 0.0, 0.3829249225480262},
        {1.0, 0.5, 0.23842170813487662},
        {1.0, 1.0, 0.12693673750664394},
        {1.0, 2.0, 0.020923635821113732},
        {1.0, 4.0, 4.71224120079312e-05},
        {2.0, 0.0, 0.19741265136584746},
        {2.0, 0.5, 0.05244032328766966},
        {2.0, 1.0, 0.0068295949831145755},
        {2.0, 2.0, 9.439168634947234e-06},
        {2.0, 4.0, 2.706033802956907e-16},
        {5.0, 0.0, 0.07965567455405796},
        {5.0, 0.5, 0.0005125360831583325},
        {5.0, 1.0, 1.7546333318962327e-08},
    };

    /** {sigma, delta, exact epsilon} of the Gaussian mechanism (rdp_reference.py gauss, bisection on delta). */
    private static final double[][] GAUSSIAN_EPSILON = {
        {1.0, 1e-5, 4.3771780956812245},
        {2.0, 1e-6, 2.254084650219741},
        {0.5, 1e-3, 7.581279924570114},
        {0.4949747468305832, 1e-5, 10.12249458390749},
        {0.2474873734152916, 1e-5, 24.716077860091904},
        {0.4472135954999579, 1e-6, 12.595246735506729},
    };

    @Test
    void oneGaussianStepMatchesTheAnalyticGaussianMechanism() {
        for (double[] row : GAUSSIAN) {
            double delta = new PldAccountant().compose(DpEvent.gaussian(row[0])).getDelta(row[1]);
            String where = "sigma=" + row[0] + " eps=" + row[1];
            // connect-the-dots is exact at grid points (these epsilons are on the grid), up to ~1e-15 allowances
            assertTrue(delta >= row[2] * (1 - 1e-12), where + ": " + delta + " below the exact " + row[2]);
            assertEquals(row[2], delta, 1e-9 * row[2] + 1e-14, where);
        }
        for (double[] row : GAUSSIAN_EPSILON) {
            double eps = new PldAccountant().compose(DpEvent.gaussian(row[0])).getEpsilon(row[1]);
            assertTrue(eps >= row[2] * (1 - 1e-12), "sigma=" + row[0] + ": " + eps + " below " + row[2]);
            assertEquals(row[2], eps, 1e-8 * row[2], "sigma=" + row[0]);
        }
    }

    @Test
    void tenThousandFftStepsOfTheFullBatchGaussianMatchTheClosedForm() {
        // q = 1 goes through the subsampled path and the FFT self-composition; 10^4 steps of sigma 100 compose to one
        // Gaussian of sigma 1, whose delta(1) is known exactly.
        // The per-step loss N(5e-5, 1e-4) is only ~100 buckets wide at 1e-4, the hardest case for discretisation.
        double exactDelta = 0.12693673750664394;
        double exactEps = 4.3771780956812245;
        PldAccountant acc = new PldAccountant().compose(step(1.0, 100.0), 10_000);
        double delta = acc.getDelta(1.0);
        double eps = acc.getEpsilon(1e-5);
        assertTrue(delta >= exactDelta, "below the exact value: " + delta);
        assertTrue(eps >= exactEps, "below the exact value: " + eps);
        assertEquals(exactDelta, delta, 1e-4 * exactDelta);
        assertEquals(exactEps, eps, 2e-5 * exactEps);
        // connect-the-dots error shrinks quadratically with the interval: 5x finer, at least 10x smaller
        PldAccountant fine = new PldAccountant(2e-5).compose(step(1.0, 100.0), 10_000);
        assertTrue(fine.getDelta(1.0) >= exactDelta && fine.getEpsilon(1e-5) >= exactEps);
        assertTrue(fine.getDelta(1.0) - exactDelta < 0.1 * (delta - exactDelta));
    }

    @Test
    void dpAccountingPublishedValues() {
        // dp_accounting pld_privacy_accountant_test: test_gaussian_basic (sigma sqrt(3), 1 + 2 compositions:
        // mu = 1, delta(1) = 0.126936 to 1e-3) and test_poisson_subsampled_gaussian /
        // test_self_composed_subsampled_gaussian (q 0.2, sigma 0.5, 3 steps: delta(1) = 0.15594 to 1e-3).
        PldAccountant g = new PldAccountant().compose(DpEvent.gaussian(Math.sqrt(3)), 1)
                .compose(DpEvent.gaussian(Math.sqrt(3)), 2);
        assertEquals(0.126936, g.getDelta(1.0), 1e-5);
        assertEquals(1.0, g.getEpsilon(0.126936), 1e-4);
        PldAccountant s = new PldAccountant().compose(step(0.2, 0.5), 1).compose(step(0.2, 0.5), 2);
        PldAccountant self = new PldAccountant().compose(DpEvent.selfComposed(step(0.2, 0.5), 3));
        assertEquals(0.15594, s.getDelta(1.0), 1e-4);
        assertEquals(s.getDelta(1.0), self.getDelta(1.0), 1e-12);
        assertEquals(1.0, s.getEpsilon(0.15594), 1e-3);
    }

    @Test
    void tfPrivacyPublishedPldValues() {
        // tensorflow_privacy compute_dp_sgd_privacy_test (dp_accounting's PLDAccountant at interval 1e-4),
        // test_compute_dp_sgd_example_privacy, PLD rows: 1.2 epochs, sigma 0.7 (0.35 with microbatching),
        // delta 1e-5; with subsampling q = 0.01 and ceil(1.2 / 0.01) = 120 steps, without: ceil(1.2) = 2 Gaussians.
        // Agreement within the discretisation error, measured here below 1e-6 relative.
        assertEquals(2.4612381, pld(0.01, 0.7, 120).getEpsilon(1e-5), 2e-6 * 2.4612381);
        assertEquals(18.6977407, pld(0.01, 0.35, 120).getEpsilon(1e-5), 2e-6 * 18.6977407);
        assertEquals(10.1224946, new PldAccountant().compose(DpEvent.gaussian(0.7), 2).getEpsilon(1e-5), 1e-6);
        assertEquals(24.7160779, new PldAccountant().compose(DpEvent.gaussian(0.35), 2).getEpsilon(1e-5), 1e-6);
        // compute_dp_sgd_privacy_statement, PLD, printed to 3 decimals: N 10000, B 64, 5 epochs, sigma 2 / 2,
        // delta 1e-6: Poisson 782 steps -> 1.199; no sampling, 5 Gaussians -> 12.595.
        assertEquals(1.199, pld(64.0 / 10000, 1.0, 782).getEpsilon(1e-6), 5e-4);
        assertEquals(12.595, new PldAccountant().compose(DpEvent.gaussian(1.0), 5).getEpsilon(1e-6), 5e-4);
    }

    @Test
    void pldIsTighterThanRdpOnDpSgdWorkloads() {
        double[][] workloads = {{256.0 / 60000, 1.1, 14063, 1e-5}, {0.01, 0.7, 120, 1e-5}, {0.01, 1.0, 1000, 1e-5},
            {0.04, 1.5, 2250, 1e-5}, {0.001, 0.8, 3000, 1e-6}};
        for (double[] w : workloads) {
            double p = pld(w[0], w[1], (long) w[2]).getEpsilon(w[3]);
            double r = new RdpAccountant().compose(step(w[0], w[1]), (long) w[2]).getEpsilon(w[3]);
            assertTrue(p < r && p > 0.3 * r, java.util.Arrays.toString(w) + ": PLD " + p + " RDP " + r);
        }
    }

    @Test
    void bothAdjacencyDirectionsAreTracked() {
        // With q < 1 the add and remove directions differ; epsilon is the larger. Removing the larger one would
        // show as a smaller epsilon than the max of the two one-direction PLDs.
        double q = 0.3;
        double sigma = 1.2;
        PrivacyLossDistribution remove = SubsampledGaussianPld.remove(q, sigma, 1e-4).selfCompose(10);
        PrivacyLossDistribution add = SubsampledGaussianPld.add(q, sigma, 1e-4).selfCompose(10);
        double eps = pld(q, sigma, 10).getEpsilon(1e-5);
        assertEquals(Math.max(remove.getEpsilon(1e-5), add.getEpsilon(1e-5)), eps, 1e-9 * eps);
        assertTrue(Math.abs(remove.getEpsilon(1e-5) - add.getEpsilon(1e-5)) > 1e-3);
    }

    @Test
    void selfCompositionByFftEqualsRepeatedComposition() {
        PrivacyLossDistribution one = SubsampledGaussianPld.remove(0.05, 1.0, 1e-3);
        PrivacyLossDistribution repeated = one;
        for (int k = 1; k < 16; k++) {
            repeated = repeated.compose(one);
        }
        PrivacyLossDistribution fft = one.selfCompose(16);
        for (double eps : new double[] {0.0, 0.2, 0.5, 1.0, 2.0}) {
            assertEquals(repeated.getDelta(eps), fft.getDelta(eps), 1e-10, "eps " + eps);
        }
    }

    @Test
    void longSelfCompositionEqualsRepeatedDoubling() {
        // 256 steps: most of the spectrum's powers fall below 1e-150 and are dropped by selfCompose (counted as
        // error); eight pairwise compositions of the running result compute the same distribution another way
        PrivacyLossDistribution one = SubsampledGaussianPld.remove(0.05, 1.0, 1e-3);
        PrivacyLossDistribution doubled = one;
        for (int k = 0; k < 8; k++) {
            doubled = doubled.compose(doubled);
        }
        PrivacyLossDistribution fft = one.selfCompose(256);
        for (double eps : new double[] {0.0, 0.5, 1.0, 2.0, 3.0}) {
            assertEquals(doubled.getDelta(eps), fft.getDelta(eps), 1e-10, "eps " + eps);
        }
        assertTrue(fft.getDelta(1.0) > 1e-3, "a non-trivial workload");
    }

    @Test
    void aReusedForwardTransformGivesBitIdenticalCompositions() {
        // selfCompose keeps the forward transform of the one-step PLD at the last FFT size; a second PLD with the
        // same probabilities (its own, empty cache) must give exactly the same compositions, at the cached size,
        // at another size, and back at the first one
        PrivacyLossDistribution warm = SubsampledGaussianPld.remove(0.05, 1.0, 1e-3);
        for (long k : new long[] {40, 41, 300, 40}) {
            PrivacyLossDistribution cold = new PrivacyLossDistribution(warm.interval(), warm.lowerIndex(),
                    warm.probabilities(), warm.infinityMass());
            PrivacyLossDistribution a = warm.selfCompose(k);
            PrivacyLossDistribution b = cold.selfCompose(k);
            assertEquals(b.lowerIndex(), a.lowerIndex(), "k " + k);
            assertEquals(b.infinityMass(), a.infinityMass(), 0.0, "k " + k);
            org.junit.jupiter.api.Assertions.assertArrayEquals(b.probabilities(), a.probabilities(), 0.0, "k " + k);
        }
    }

    @Test
    void epsilonAndDeltaAreConsistent() {
        PldAccountant acc = pld(0.02, 0.9, 300);
        for (double delta : new double[] {0.1, 1e-3, 1e-5, 1e-8}) {
            double eps = acc.getEpsilon(delta);
            assertEquals(delta, acc.getDelta(eps), 1e-9 * delta + 1e-15, "delta " + delta);
            assertTrue(acc.getDelta(eps * 0.999) > delta);
        }
    }

    @Test
    void noNoiseIsNotPrivateAndNothingReleasedCostsNothing() {
        assertEquals(Double.POSITIVE_INFINITY, pld(0.01, 0.0, 10).getEpsilon(1e-5));
        assertEquals(1.0, pld(0.01, 0.0, 10).getDelta(1.0));
        assertEquals(Double.POSITIVE_INFINITY, new PldAccountant().compose(DpEvent.gaussian(0)).getEpsilon(0.01));
        assertEquals(0.0, pld(0.0, 1.0, 1000).getEpsilon(1e-10));
        assertEquals(0.0, pld(0.0, 0.0, 1000).getEpsilon(1e-10));
        assertEquals(0.0, pld(0.5, 1.0, 0).getEpsilon(1e-10));
        assertEquals(0.0, pld(0.5, 0.0, 0).getDelta(0.0));
        assertEquals(0.0, new PldAccountant().getEpsilon(1e-10));
        assertEquals(0.0, new PldAccountant().getDelta(0.0));
    }

    @Test
    void veryLargeNoiseGivesTinyPositiveEpsilon() {
        double e = new PldAccountant().compose(DpEvent.gaussian(1e3)).getEpsilon(1e-5);
        assertTrue(e > 0 && e < 1e-2, "epsilon " + e);
        double e2 = pld(0.01, 500.0, 1000).getEpsilon(1e-5);
        assertTrue(e2 >= 0 && e2 < 1e-2, "epsilon " + e2);
    }

    @Test
    void epsilonIsMonotone() {
        double previous = -1;
        for (long steps : new long[] {1, 10, 100, 1000}) {
            double e = pld(0.01, 1.0, steps).getEpsilon(1e-5);
            assertTrue(e > previous, "steps " + steps);
            previous = e;
        }
        previous = -1;
        for (double q : new double[] {1e-3, 0.01, 0.1, 0.5, 1.0}) {
            double e = pld(q, 2.0, 20).getEpsilon(1e-5);
            assertTrue(e > previous, "q " + q);
            previous = e;
        }
        previous = Double.POSITIVE_INFINITY;
        for (double sigma : new double[] {0.7, 1, 1.5, 2, 4}) {
            double e = pld(0.01, sigma, 200).getEpsilon(1e-5);
            assertTrue(e < previous, "sigma " + sigma);
            previous = e;
        }
    }

    @Test
    void compositionOrderAndGroupingDoNotMatter() {
        DpEvent a = step(0.01, 1.0);
        DpEvent b = step(0.05, 2.0);
        double one = new PldAccountant().compose(a, 30).compose(b, 20).getEpsilon(1e-6);
        double two = new PldAccountant().compose(DpEvent.composed(List.of(DpEvent.selfComposed(b, 20),
                DpEvent.selfComposed(a, 30)))).getEpsilon(1e-6);
        assertEquals(one, two, 1e-7 * one); // only the round-off allowances differ
    }

    @Test
    void invalidInputIsRejectedAndUnsupportedEventsLeaveStateUnchanged() {
        assertThrows(IllegalArgumentException.class, () -> new PldAccountant(0));
        assertThrows(IllegalArgumentException.class, () -> new PldAccountant(-1e-4));
        assertThrows(IllegalArgumentException.class, () -> new PldAccountant(Double.NaN));
        assertEquals(1e-4, new PldAccountant().getValueDiscretizationInterval());
        PldAccountant acc = pld(0.01, 1.0, 100);
        double before = acc.getEpsilon(1e-5);
        for (double d : new double[] {0, 1, -1, Double.NaN}) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> acc.getEpsilon(d)).getMessage()
                    .contains("delta"));
        }
        assertThrows(IllegalArgumentException.class, () -> acc.getDelta(-0.5));
        DpEvent nested = DpEvent.poissonSampled(0.1, step(0.5, 1.0));
        assertTrue(!acc.supports(nested));
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> acc.compose(DpEvent.composed(List.of(step(0.2, 1.0), nested))));
        assertTrue(ex.getMessage().contains("PoissonSampled"), ex.getMessage());
        assertEquals(before, acc.getEpsilon(1e-5));
    }

    /**
     * {q, sigma, steps, epsilon, exact delta remove, exact delta add}: the tight delta of the composed
     * Poisson-subsampled Gaussian in each adjacency direction with no discretisation at all, by Laplace inversion of
     * the moment generating function of the privacy loss,
     * {@code delta(eps) = (1/2 pi) int Re[M(c+it)^T e^{-(c+it) eps} / ((c+it)(c+it+1))] dt}, with M computed by
     * trapezoidal quadrature (rdp_reference.py pld; its last row, q = 1, reproduces the Gaussian closed form
     * 0.12693673750664394 to 1e-12).
     */
    private static final double[][] SUBSAMPLED_EXACT = {
        {0.01, 0.7, 120, 2.4612381, 9.999986478401807e-06, 5.998755113579621e-285},
        {0.01, 4.0, 1000, 1.0, 1.0062142474679166e-34, 1.0201402564280528e-41},
        {0.0064, 1.0, 782, 1.199, 9.957987269869684e-07, 1.684507199683244e-11},
        {0.004266666666666667, 1.1, 14063, 2.0, 0.00011910053828985157, 6.0028416020574295e-05},
        {1.0, 100.0, 10000, 1.0, 0.12693673750678727, 0.12693673750672263},
    };

    @Test
    void neverBelowTheExactDeltaAndCloseToIt() {
        for (double[] row : SUBSAMPLED_EXACT) {
            double q = row[0];
            double sigma = row[1];
            long steps = (long) row[2];
            double eps = row[3];
            String where = java.util.Arrays.toString(row);
            double remove = SubsampledGaussianPld.remove(q, sigma, 1e-4).selfCompose(steps).getDelta(eps);
            double add = SubsampledGaussianPld.add(q, sigma, 1e-4).selfCompose(steps).getDelta(eps);
            assertTrue(remove >= row[4] * (1 - 1e-9), where + " remove " + remove);
            assertTrue(add >= row[5] * (1 - 1e-9), where + " add " + add);
            // excess: discretisation (below 1e-3 relative here) plus the absolute allowances (below 1e-10)
            assertEquals(row[4], remove, 1e-3 * row[4] + 1e-10, where);
            assertEquals(row[5], add, 1e-3 * row[5] + 1e-10, where);
            // the accountant reports the larger direction, and its epsilon at the exact delta is not below eps
            double exact = Math.max(row[4], row[5]);
            PldAccountant acc = pld(q, sigma, steps);
            assertEquals(Math.max(remove, add), acc.getDelta(eps), 1e-9 * exact + 1e-15, where);
            if (exact > 1e-9) {
                double e = acc.getEpsilon(exact);
                assertTrue(e >= eps * (1 - 1e-9), where + " epsilon " + e);
                assertEquals(eps, e, 1e-4 * eps, where); // measured: at most 4e-5 relative
            }
        }
    }

    @Test
    void aCompositionTooWideForTheDiscretisationIsRefusedAndLeavesStateUnchanged() {
        PldAccountant acc = new PldAccountant(1e-2).compose(step(0.5, 0.5), 3);
        double before = acc.getEpsilon(1e-5);
        IllegalStateException ex = assertThrows(IllegalStateException.class,
                () -> acc.compose(step(0.5, 0.5), 1_000_000_000_000L));
        assertTrue(ex.getMessage().contains("coarser"), ex.getMessage());
        assertEquals(before, acc.getEpsilon(1e-5));
    }
}
