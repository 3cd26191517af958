package io.dplora.samples.run;

import io.dplora.accounting.AccountantType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 12: the per-epoch line says how DP and non-private runs with the same --epochs relate (logical steps of
 * expected batch E against shuffled passes), uses the one epsilon format, and gives an ETA for the whole run.
 */
class EpochLineTest {

    /** A loop at a given point of its plan (our own interface, no DL4J involved). */
    private record At(long steps, long plannedSteps, boolean more) implements TrainingLoop {
        @Override
        public int plannedEpochs() {
            return 3;
        }

        @Override
        public boolean hasNextEpoch() {
            return more;
        }

        @Override
        public double runEpoch(String label) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Double epsilon() {
            return null;
        }
    }

    private static RunSettings settings(Method m) {
        return new RunSettings("fashion", m, 8, 16, 8, 1e-5, 3, 256, 256, 3e-3, 1.0, null, null, null,
                AccountantType.PLD);
    }

    @Test
    void dpLineCountsLogicalStepsAndExpectedPassesWithTheRunsEta() {
        // N = 1000, E = 256: ceil(N/E) = 4 logical steps per epoch, 4 x 256 / 1000 = 1.024 expected passes
        String line = FineTuner.epochLine(1, 3, 0.5, "test", 0.9, 2.3456, new At(4, 12, true),
                settings(Method.VANILLA), 1000, 8_000_000_000L, 4);
        assertEquals("epoch 1/3: loss 0.5000, test accuracy 0.9000, epsilon 2.346, logical steps 4/12 "
                + "(expected passes 1.02), run ETA 0:00:16", line, "8 s for 4 steps, 8 steps left");
    }

    @Test
    void nonPrivateLineCountsPassesAndTheLastEpochHasNoEta() {
        String line = FineTuner.epochLine(3, 3, 0.25, "test", 0.95, null, new At(12, 12, false),
                settings(Method.NONE), 1000, 30_000_000_000L, 12);
        assertEquals("epoch 3/3: loss 0.2500, test accuracy 0.9500, steps 12/12 (passes 3.00)", line);
    }

    @Test
    void clockAndEpsilonFormats() {
        assertEquals("1:01:01", FineTuner.clock(3661.2));
        assertEquals("0:00:00", FineTuner.clock(0.4));
        assertEquals("8.000", io.dplora.updater.PrivacyReport.formatEpsilon(7.9999999));
        assertEquals("0.00412", io.dplora.updater.PrivacyReport.formatEpsilon(0.0041234));
        assertEquals("infinity", io.dplora.updater.PrivacyReport.formatEpsilon(Double.POSITIVE_INFINITY));
    }
}
