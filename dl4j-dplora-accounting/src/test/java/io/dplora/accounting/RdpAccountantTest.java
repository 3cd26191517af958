package io.dplora.accounting;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The RDP accountant: closed forms, published reference values, edge cases, monotonicity. */
class RdpAccountantTest {

    private static DpEvent step(double q, double sigma) {
        return DpEvent.poissonSampled(q, DpEvent.gaussian(sigma));
    }

    private static double epsilon(double q, double sigma, long steps, double delta, double[] orders) {
        return new RdpAccountant(orders).compose(step(q, sigma), steps).getEpsilon(delta);
    }

    private static double[] orders(double... a) {
        return a;
    }

    /** TF Privacy compute_dp_sgd_privacy orders: [1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5] + 5..63 + 128..512. */
    private static double[] tfPrivacyOrders() {
        double[] o = new double[10 + 59 + 3];
        double[] head = {1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5};
        System.arraycopy(head, 0, o, 0, head.length);
        for (int a = 5; a < 64; a++) {
            o[10 + a - 5] = a;
        }
        o[69] = 128;
        o[70] = 256;
        o[71] = 512;
        return o;
    }

    /** Opacus RDPAccountant.DEFAULT_ALPHAS: 1 + x/10 for x = 1..99, then 12..63. */
    private static double[] opacusOrders() {
        double[] o = new double[99 + 52];
        for (int x = 1; x <= 99; x++) {
            o[x - 1] = 1 + x / 10.0;
        }
        for (int a = 12; a < 64; a++) {
            o[99 + a - 12] = a;
        }
        return o;
    }

    @Test
    void defaultOrdersAreThoseOfDpAccounting() {
        double[] o = RdpAccountant.defaultOrders();
        assertEquals(99 + 53 + 4, o.length);
        assertEquals(1.1, o[0]);
        assertEquals(10.9, o[98]);
        assertEquals(11.0, o[99]);
        assertEquals(63.0, o[151]);
        assertArrayEquals(new double[] {128, 256, 512, 1024}, java.util.Arrays.copyOfRange(o, 152, 156));
        o[0] = 99; // a copy
        assertEquals(1.1, RdpAccountant.defaultOrders()[0]);
    }

    @Test
    void fullBatchIsThePlainGaussianClosedForm() {
        double[] orders = {1.5, 2, 2.71828, 3.14159, 17, 100.5};
        for (double sigma : new double[] {0.3, 1.0, 2.71828, 50}) {
            RdpAccountant acc = new RdpAccountant(orders).compose(step(1.0, sigma), 7);
            double[] rdp = acc.getRdp();
            for (int k = 0; k < orders.length; k++) {
                double expected = 7 * orders[k] / (2 * sigma * sigma);
                assertEquals(expected, rdp[k], 1e-14 * expected);
            }
            // a bare Gaussian event is the same mechanism
            double[] bare = new RdpAccountant(orders).compose(DpEvent.gaussian(sigma), 7).getRdp();
            assertArrayEquals(rdp, bare, 1e-14 * rdp[rdp.length - 1]);
        }
    }

    @Test
    void dpAccountingPoissonSampledGaussianValues() {
        // dp_accounting rdp_privacy_accountant_test.test_compute_rdp_poisson_sampled_gaussian (rtol 1e-4 there).
        double[] orders = {1.5, 2.5, 5, 50, 100};
        double[] published = {6.70579741e-04, 1.08548710e-03, 2.18075656e-03, 2.38460375e-02, 1.67416308e02};
        double[] rdp = new RdpAccountant(orders).compose(DpEvent.selfComposed(step(0.01, 2.5), 50)).getRdp();
        // Integer orders: the exact binomial sum on both sides.
        for (int k = 2; k < orders.length; k++) {
            assertEquals(published[k], rdp[k], 1e-4 * published[k], "order " + orders[k]);
        }
        // Fractional orders: the published values are dp_accounting's absolute-value bound (rdp_reference.py
        // reproduces 6.705797406650338e-4 and 1.0854871043912881e-3 with it). Ours is the exact signed series:
        // never above the bound, 3% below it at order 1.5, and equal to the quadrature values of rdp_reference.py.
        assertTrue(rdp[0] <= published[0] && rdp[1] <= published[1]);
        assertEquals(0.0006500708971880398, rdp[0], 1e-9 * rdp[0]);
        assertEquals(0.0010854180569181244, rdp[1], 1e-9 * rdp[1]);
        assertTrue(rdp[0] < 0.97 * published[0]);
    }

    @Test
    void dpAccountingMultiGaussianUnderOneSample() {
        // dp_accounting test_compute_rdp_multi_gaussian: q = 1 around two Gaussians adds their RDP
        double alpha = 3.14159;
        double s1 = 2.71828;
        double s2 = 6.28319;
        double expected = alpha / (2 * s1 * s1) + alpha / (2 * s2 * s2);
        DpEvent event = DpEvent.poissonSampled(1.0, DpEvent.composed(List.of(DpEvent.gaussian(s1),
                DpEvent.gaussian(s2))));
        assertEquals(expected, new RdpAccountant(orders(alpha)).compose(event).getRdp()[0], 1e-14);
    }

    @Test
    void conversionMatchesDpAccountingPureDpExample() {
        // dp_accounting test_compute_epsilon_delta_pure_dp: orders 2..32, rdp 1.1 everywhere, delta 1e-5
        double[] orders = new double[31];
        double[] rdp = new double[31];
        for (int k = 0; k < 31; k++) {
            orders[k] = k + 2;
            rdp[k] = 1.1;
        }
        RdpConversion.Result eps = RdpConversion.epsilon(orders, rdp, 1e-5);
        assertEquals(1.32783806176, eps.value(), 1e-10);
        assertEquals(32, eps.order());
        RdpConversion.Result delta = RdpConversion.delta(orders, rdp, 1.32783806176);
        assertEquals(1e-5, delta.value(), 1e-12);
        assertEquals(32, delta.order());
    }

    @Test
    void conversionMatchesDpAccountingGaussianExample() {
        // dp_accounting test_compute_epsilon_delta_gaussian: sigma 4.530877117 is exactly (1, 1e-6)-DP on the order
        // grid 1.000, 1.001, ..., 99.999 (q = 1)
        double[] orders = new double[98999];
        for (int i = 0; i < orders.length; i++) {
            orders[i] = 0.001 * (i + 1001); // order 1 itself is excluded: this library requires alpha > 1
        }
        RdpAccountant acc = new RdpAccountant(orders).compose(DpEvent.gaussian(4.530877117));
        assertEquals(1.0, acc.getEpsilon(1e-6), 1e-7);
        assertEquals(1e-6, acc.getDelta(1.0), 1e-12);
    }

    @Test
    void tfPrivacyComputeDpSgdPrivacyReferenceValues() {
        // tensorflow_privacy compute_dp_sgd_privacy_test.test_compute_dp_sgd_privacy (assertAlmostEqual, 7 places):
        // q = B/N, steps = ceil(epochs N / B), TF Privacy's orders. Optimal orders 19 and 13 are integers, so the
        // values are exact there and must agree to rounding.
        double[] o = tfPrivacyOrders();
        RdpAccountant a0 = new RdpAccountant(o).compose(step(150.0 / 60000, 1.3), 6000);
        assertEquals(0.7242234026109595, a0.getEpsilon(1e-5), 1e-10);
        assertEquals(19.0, a0.getOptimalOrder(1e-5));
        RdpAccountant a1 = new RdpAccountant(o).compose(step(100.0 / 100000, 1.0), 30000);
        assertEquals(1.4154988495444842, a1.getEpsilon(1e-7), 1e-10);
        assertEquals(13.0, a1.getOptimalOrder(1e-7));
        // Test2: optimal order 1.25 is fractional; ours (exact signed series) must not exceed the published value,
        // and equals the quadrature reference of rdp_reference.py (eps section).
        RdpAccountant a2 = new RdpAccountant(o).compose(step(1024.0 / 100000000, 0.1), 976563);
        double e2 = a2.getEpsilon(1e-7);
        assertTrue(e2 <= 5907982.3113978775 * (1 + 1e-9), "above the published value: " + e2);
        assertEquals(5907982.311381987, e2, 1e-9 * e2);
        assertEquals(1.25, a2.getOptimalOrder(1e-7));
    }

    @Test
    void tfPrivacyExamplePrivacyReferenceValues() {
        // tensorflow_privacy compute_dp_sgd_privacy_test.test_compute_dp_sgd_example_privacy, RDP rows
        // (dp_accounting default orders; 1.2 epochs, sigma 0.7, delta 1e-5; microbatching halves sigma).
        // Without subsampling: ceil(1.2) = 2 plain Gaussian steps, closed form, optimum at a grid order: exact.
        assertEquals(10.8602036, new RdpAccountant().compose(DpEvent.gaussian(0.7), 2).getEpsilon(1e-5), 1e-7);
        assertEquals(26.2880374, new RdpAccountant().compose(DpEvent.gaussian(0.35), 2).getEpsilon(1e-5), 1e-7);
        // With Poisson sampling q = 0.01: ceil(1.2 / 0.01) = 120 steps; the optimum is at a fractional order where
        // dp_accounting's value may use the looser absolute-value bound: ours must be at most theirs.
        double e = new RdpAccountant().compose(step(0.01, 0.7), 120).getEpsilon(1e-5);
        assertTrue(e <= 3.2392676 + 1e-7, "epsilon " + e);
        assertEquals(3.2391921939131296, e, 1e-9 * e); // rdp_reference.py eps section (exact, same orders)
        double e2 = new RdpAccountant().compose(step(0.01, 0.35), 120).getEpsilon(1e-5);
        assertTrue(e2 <= 22.6248601 + 1e-7, "epsilon " + e2);
        // compute_dp_sgd_privacy_statement (RDP, 3 decimals): N 10000, B 64, 5 epochs, sigma 2 halved to 1, delta 1e-6
        assertEquals(1.616, new RdpAccountant().compose(step(64.0 / 10000, 1.0), 782).getEpsilon(1e-6), 5e-4);
        assertEquals(13.376, new RdpAccountant().compose(DpEvent.gaussian(1.0), 5).getEpsilon(1e-6), 5e-4);
    }

    @Test
    void opacusReferenceValue() {
        // opacus accountants_test.test_rdp_accountant: sigma 1.5, q 0.04, int(90/0.04) = 2250 steps, delta 1e-5,
        // Opacus' default orders; assertAlmostEqual(epsilon, 7.32911117143) to 7 places.
        double e = epsilon(0.04, 1.5, 2250, 1e-5, opacusOrders());
        assertEquals(7.32911117143, e, 5e-8);
    }

    /**
     * {q, sigma, steps, delta, epsilon, optimal order} on the default orders, from rdp_reference.py (eps section:
     * exact sums and quadrature, then the same conversion).
     */
    private static final double[][] EPSILON_DEFAULT_ORDERS = {
        {0.004266666666666667, 1.1, 14063, 1e-05, 2.5966555286809188, 8.1},
        {0.01, 0.7, 120, 1e-05, 3.2391921939131296, 4.4},
        {0.01, 1.0, 1000, 1e-05, 2.1013652716483953, 7.8},
        {0.001, 0.8, 10000, 1e-06, 1.7036252805967103, 8.2},
        {0.04, 1.5, 2250, 1e-05, 7.329111171484174, 3.9},
        {0.1, 2.0, 500, 1e-05, 6.03432244188294, 4.4},
        {0.0001, 1.0, 100000, 1e-07, 0.7530655218400388, 18},
        {0.5, 5.0, 100, 1e-05, 4.862240845491394, 5.2},
        {0.0064, 1.0, 782, 1e-06, 1.6163940513367177, 9.3},
        {0.02, 0.6, 50, 0.001, 3.673055509249745, 2.9},
        {0.9, 3.0, 10, 1e-05, 4.557070127504568, 5.5},
        {1e-05, 0.5, 1000000, 1e-08, 3.713433163589335, 5.4},
    };

    @Test
    void epsilonMatchesTheIndependentReferenceToOnePartInAMillion() {
        for (double[] row : EPSILON_DEFAULT_ORDERS) {
            RdpAccountant acc = new RdpAccountant().compose(step(row[0], row[1]), (long) row[2]);
            double e = acc.getEpsilon(row[3]);
            assertEquals(row[4], e, 1e-6 * row[4], () -> java.util.Arrays.toString(row));
            assertEquals(row[5], acc.getOptimalOrder(row[3]), 1e-12, () -> java.util.Arrays.toString(row));
        }
    }

    @Test
    void deltaIsConsistentWithEpsilon() {
        // dp_accounting test_epsilon_delta_consistency, same grid
        double[] orders = new double[48];
        for (int k = 0; k < orders.length; k++) {
            orders[k] = k + 2;
        }
        for (double q : new double[] {0, 0.01, 0.1, 0.8, 1.0}) {
            for (double sigma : new double[] {0.0, 0.1, 1.0, 10.0, 100.0}) {
                RdpAccountant acc = new RdpAccountant(orders).compose(step(q, sigma));
                for (double delta : new double[] {0.99, 0.9, 0.1, 0.01, 1e-3, 1e-5, 1e-9, 1e-12}) {
                    double eps = acc.getEpsilon(delta);
                    String where = "q=" + q + " sigma=" + sigma + " delta=" + delta;
                    if (eps == Double.POSITIVE_INFINITY) {
                        assertEquals(1.0, acc.getDelta(0.0), where);
                    } else if (eps == 0) {
                        assertTrue(acc.getDelta(0.0) <= delta * (1 + 1e-12), where);
                    } else {
                        assertEquals(delta, acc.getDelta(eps), 1e-9 * delta, where);
                    }
                }
            }
        }
    }

    @Test
    void noNoiseIsNotPrivate() {
        RdpAccountant acc = new RdpAccountant().compose(step(0.01, 0.0), 10);
        assertEquals(Double.POSITIVE_INFINITY, acc.getEpsilon(1e-5));
        assertEquals(1.0, acc.getDelta(5.0));
        assertEquals(Double.POSITIVE_INFINITY, new RdpAccountant().compose(DpEvent.gaussian(0)).getEpsilon(0.1));
    }

    @Test
    void nothingReleasedCostsNothing() {
        assertEquals(0.0, new RdpAccountant().compose(step(0.0, 1.0), 1000).getEpsilon(1e-10));
        assertEquals(0.0, new RdpAccountant().compose(step(0.0, 0.0), 1000).getEpsilon(1e-10));
        assertEquals(0.0, new RdpAccountant().compose(step(0.3, 1.0), 0).getEpsilon(1e-10));
        assertEquals(0.0, new RdpAccountant().compose(step(0.3, 0.0), 0).getEpsilon(1e-10));
        assertEquals(0.0, new RdpAccountant().compose(DpEvent.composed(List.of())).getEpsilon(1e-10));
        assertEquals(0.0, new RdpAccountant().getDelta(0.0));
        assertEquals(0.0, new RdpAccountant().compose(step(0.0, 1.0), 10).getDelta(0.0));
    }

    @Test
    void veryLargeNoiseGivesTinyPositiveEpsilon() {
        for (double sigma : new double[] {1e3, 1e4}) {
            double e = new RdpAccountant().compose(step(1.0, sigma), 1).getEpsilon(1e-5);
            assertTrue(e > 0 && e < 0.02, "sigma " + sigma + " epsilon " + e);
            double e2 = new RdpAccountant().compose(step(0.01, sigma), 1000).getEpsilon(1e-5);
            assertTrue(e2 >= 0 && e2 < 0.02 && Double.isFinite(e2), "sigma " + sigma + " epsilon " + e2);
        }
    }

    @Test
    void epsilonIsMonotone() {
        double previous = -1;
        for (long steps : new long[] {1, 10, 100, 1000, 10000}) {
            double e = new RdpAccountant().compose(step(0.01, 1.0), steps).getEpsilon(1e-5);
            assertTrue(e > previous, "steps " + steps);
            previous = e;
        }
        previous = -1;
        for (double q : new double[] {1e-4, 1e-3, 0.01, 0.1, 0.5, 1.0}) {
            double e = new RdpAccountant().compose(step(q, 1.0), 100).getEpsilon(1e-5);
            assertTrue(e > previous, "q " + q);
            previous = e;
        }
        previous = Double.POSITIVE_INFINITY;
        for (double sigma : new double[] {0.3, 0.5, 0.8, 1, 1.5, 2, 4, 8}) {
            double e = new RdpAccountant().compose(step(0.01, sigma), 1000).getEpsilon(1e-5);
            assertTrue(e < previous, "sigma " + sigma);
            previous = e;
        }
    }

    @Test
    void compositionIsAdditive() {
        DpEvent a = step(0.01, 1.0);
        DpEvent b = step(0.05, 2.0);
        double[] viaCount = new RdpAccountant().compose(a, 6).compose(b, 4).getRdp();
        double[] viaEvents = new RdpAccountant().compose(DpEvent.composed(List.of(
                DpEvent.selfComposed(a, 1), DpEvent.selfComposed(DpEvent.composed(List.of(a, b)), 2),
                DpEvent.selfComposed(a, 3), DpEvent.selfComposed(b, 2)))).getRdp();
        double[] one = new RdpAccountant().compose(a).getRdp();
        double[] two = new RdpAccountant().compose(b).getRdp();
        for (int k = 0; k < one.length; k++) {
            double expected = 6 * one[k] + 4 * two[k];
            assertEquals(expected, viaCount[k], 1e-13 * expected);
            assertEquals(expected, viaEvents[k], 1e-13 * expected);
        }
    }

    @Test
    void invalidInputIsRejectedWithAClearMessage() {
        RdpAccountant acc = new RdpAccountant().compose(step(0.01, 1.0), 10);
        double before = acc.getEpsilon(1e-5);
        for (double d : new double[] {0, 1, -0.1, 1.5, Double.NaN}) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> acc.getEpsilon(d));
            assertTrue(ex.getMessage().contains("delta"), ex.getMessage());
        }
        for (double e : new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> acc.getDelta(e));
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> step(1.5, 1.0)).getMessage()
                .contains("sampling probability"));
        assertThrows(IllegalArgumentException.class, () -> step(-0.1, 1.0));
        assertThrows(IllegalArgumentException.class, () -> step(Double.NaN, 1.0));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> step(0.1, -1.0)).getMessage()
                .contains("noise multiplier"));
        assertThrows(IllegalArgumentException.class, () -> step(0.1, Double.NaN));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> acc.compose(step(0.1, 1.0), -1))
                .getMessage().contains("count"));
        assertThrows(IllegalArgumentException.class, () -> new RdpAccountant(new double[] {1.0}));
        assertThrows(IllegalArgumentException.class, () -> new RdpAccountant(new double[] {}));
        assertThrows(IllegalArgumentException.class, () -> new RdpAccountant(new double[] {2, Double.NaN}));
        assertEquals(before, acc.getEpsilon(1e-5));
    }

    @Test
    void unsupportedEventIsRefusedByNameAndLeavesTheAccountantUnchanged() {
        RdpAccountant acc = new RdpAccountant().compose(step(0.01, 1.0), 10);
        double[] before = acc.getRdp();
        DpEvent nested = DpEvent.poissonSampled(0.1, step(0.5, 1.0));
        DpEvent mixed = DpEvent.composed(List.of(step(0.01, 1.0), nested));
        assertTrue(!acc.supports(nested) && !acc.supports(mixed));
        assertTrue(acc.supports(step(0.1, 1.0)) && acc.supports(DpEvent.gaussian(1.0)));
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> acc.compose(mixed));
        assertTrue(ex.getMessage().contains("PoissonSampled"), ex.getMessage());
        assertArrayEquals(before, acc.getRdp());
    }
}
