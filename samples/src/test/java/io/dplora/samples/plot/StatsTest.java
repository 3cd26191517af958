package io.dplora.samples.plot;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Mean and sample standard deviation against closed forms. */
class StatsTest {

    @Test
    void sampleStandardDeviationUsesNMinusOne() {
        Stats s = Stats.of(List.of(1.0, 2.0, 3.0, 4.0));
        assertEquals(2.5, s.mean(), 1e-15);
        assertEquals(Math.sqrt(5.0 / 3.0), s.std(), 1e-15); // sum of squares 5, n - 1 = 3
        assertEquals(4, s.n());
        assertEquals("250.00 ± 129.10", s.format(100, 2));
    }

    @Test
    void oneValueHasZeroSpreadAndNoValuesAreAnError() {
        assertEquals(0.0, Stats.of(List.of(0.7)).std());
        assertThrows(IllegalArgumentException.class, () -> Stats.of(List.of()));
    }
}
