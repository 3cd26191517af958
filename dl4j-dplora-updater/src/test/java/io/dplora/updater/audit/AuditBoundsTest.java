package io.dplora.updater.audit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Clopper-Pearson bounds against their closed forms and their defining binomial tail equations. */
class AuditBoundsTest {

    private static double binomialTailAtLeast(int k, int n, double p) {
        double s = 0;
        for (int j = k; j <= n; j++) {
            s += Math.exp(logChoose(n, j) + j * Math.log(p) + (n - j) * Math.log1p(-p));
        }
        return s;
    }

    private static double logChoose(int n, int k) {
        double s = 0;
        for (int j = 1; j <= k; j++) {
            s += Math.log(n - k + j) - Math.log(j);
        }
        return s;
    }

    @Test
    void extremeCountsHaveClosedForms() {
        // k = 0: P(X = 0) = (1-p)^n = alpha  =>  p_hi = 1 - alpha^(1/n); k = n symmetric
        assertEquals(1 - Math.pow(0.025, 1.0 / 250), AuditBounds.clopperPearsonUpper(0, 250, 0.025), 1e-12);
        assertEquals(Math.pow(0.025, 1.0 / 250), AuditBounds.clopperPearsonLower(250, 250, 0.025), 1e-12);
        assertEquals(0.0, AuditBounds.clopperPearsonLower(0, 10, 0.05), 0.0);
        assertEquals(1.0, AuditBounds.clopperPearsonUpper(10, 10, 0.05), 0.0);
    }

    @Test
    void boundsSolveTheirBinomialTailEquations() {
        double lo = AuditBounds.clopperPearsonLower(7, 20, 0.05);
        assertEquals(0.05, binomialTailAtLeast(7, 20, lo), 1e-9);
        double hi = AuditBounds.clopperPearsonUpper(7, 20, 0.05);
        assertEquals(0.05, 1 - binomialTailAtLeast(8, 20, hi), 1e-9);
        assertEquals(1 - AuditBounds.clopperPearsonUpper(13, 20, 0.05), lo, 1e-12);
    }

    @Test
    void epsilonLowerBoundOfAPerfectTest() {
        // all 250 positives flagged, no negative flagged: ln(alpha^(1/n) / (1 - alpha^(1/n))) with alpha = 0.025
        double a = Math.pow(0.025, 1.0 / 250);
        assertEquals(Math.log((a - 1e-5) / (1 - a)), AuditBounds.epsilonLowerBound(250, 250, 0, 250, 1e-5, 0.95),
                1e-9);
        assertEquals(0.0, AuditBounds.epsilonLowerBound(125, 250, 125, 250, 1e-5, 0.95), 0.0);
        assertThrows(IllegalArgumentException.class, () -> AuditBounds.epsilonLowerBound(1, 0, 0, 1, 1e-5, 0.95));
        assertThrows(IllegalArgumentException.class, () -> AuditBounds.epsilonLowerBound(1, 2, 0, 1, 1e-5, 1.0));
    }
}
