package io.dplora.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class DpEventTest {

    @Test
    void factoriesBuildImmutableValueObjects() {
        DpEvent.Gaussian g = DpEvent.gaussian(1.5);
        assertEquals(1.5, g.noiseMultiplier());
        DpEvent.PoissonSampled p = DpEvent.poissonSampled(0.1, g);
        assertEquals(0.1, p.samplingProbability());
        assertEquals(g, p.event());
        DpEvent.SelfComposed s = DpEvent.selfComposed(p, 10);
        assertEquals(10, s.count());
        List<DpEvent> list = new ArrayList<>(List.of(s, g));
        DpEvent.Composed c = DpEvent.composed(list);
        list.clear();
        assertEquals(2, c.events().size());
        assertThrows(UnsupportedOperationException.class, () -> c.events().add(g));
        assertEquals(DpEvent.selfComposed(DpEvent.poissonSampled(0.1, DpEvent.gaussian(1.5)), 10), s);
        assertTrue(s.toString().contains("PoissonSampled") && s.toString().contains("0.1"));
    }

    @Test
    void invalidParametersAreRejectedWithClearMessages() {
        for (double s : new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> DpEvent.gaussian(s)).getMessage()
                    .contains("noise multiplier"));
        }
        for (double q : new double[] {-0.01, 1.01, Double.NaN}) {
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> DpEvent.poissonSampled(q, DpEvent.gaussian(1))).getMessage().contains("sampling probability"));
        }
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> DpEvent.selfComposed(DpEvent.gaussian(1), -1)).getMessage().contains("count"));
        assertThrows(NullPointerException.class, () -> DpEvent.poissonSampled(0.1, null));
        assertThrows(NullPointerException.class, () -> DpEvent.selfComposed(null, 1));
        assertThrows(NullPointerException.class, () -> DpEvent.composed(null));
        List<DpEvent> withNull = new ArrayList<>();
        withNull.add(null);
        assertThrows(NullPointerException.class, () -> DpEvent.composed(withNull));
    }

    @Test
    void gaussianCompositionsReduceToOneGaussian() {
        DpEvent e = DpEvent.composed(List.of(DpEvent.gaussian(1.0), DpEvent.selfComposed(DpEvent.gaussian(2.0), 4)));
        assertEquals(1 / Math.sqrt(2.0), EventSupport.gaussianEquivalentNoise(e), 1e-15);
        assertEquals(Double.POSITIVE_INFINITY, EventSupport.gaussianEquivalentNoise(DpEvent.composed(List.of())));
        assertEquals(0.0, EventSupport.gaussianEquivalentNoise(DpEvent.selfComposed(DpEvent.gaussian(0), 2)));
        assertEquals(Double.POSITIVE_INFINITY,
                EventSupport.gaussianEquivalentNoise(DpEvent.selfComposed(DpEvent.gaussian(0), 0)));
        assertTrue(Double.isNaN(EventSupport.gaussianEquivalentNoise(DpEvent.poissonSampled(0.5,
                DpEvent.gaussian(1)))));
    }
}
