package io.dplora.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.LongToDoubleFunction;
import org.junit.jupiter.api.Test;

class StepLimitSearchTest {

    /** Counts probes and checks every probe is a step count >= 0. */
    private static final class Counted implements LongToDoubleFunction {
        final LongToDoubleFunction f;
        int probes;

        Counted(LongToDoubleFunction f) {
            this.f = f;
        }

        @Override
        public double applyAsDouble(long k) {
            assertTrue(k >= 0, "probe " + k);
            probes++;
            return f.applyAsDouble(k);
        }
    }

    /** The answer by definition: the last k of a scan from 0 whose value is within the target. */
    private static long scan(LongToDoubleFunction f, double target) {
        long k = 0;
        while (f.applyAsDouble(k + 1) <= target) {
            k++;
        }
        return k;
    }

    @Test
    void equalsTheScanOnGaussianLikeAndIrregularCurves() {
        Random random = new Random(7);
        for (int trial = 0; trial < 300; trial++) {
            double a = Math.pow(10, -6 + 4 * random.nextDouble());
            double b = Math.pow(10, -3 + 2 * random.nextDouble());
            double prior = random.nextBoolean() ? 0 : random.nextDouble();
            int shape = trial % 4;
            LongToDoubleFunction eps = switch (shape) {
                case 0 -> k -> prior + a * k + b * Math.sqrt(k); // DP-SGD-like
                case 1 -> k -> prior + b * Math.floor(Math.sqrt(k)); // plateaus: many k share one value
                case 2 -> k -> k > 40_000 ? Double.POSITIVE_INFINITY : prior + a * k + b * Math.sqrt(k);
                default -> k -> k > 30_000 ? Double.NaN : prior + b * Math.log1p(k); // concave
            };
            double target = prior + (0.05 + 3 * random.nextDouble()) * (b * 100);
            long answer = scan(eps, target);
            long start = 1 + (long) (random.nextDouble() * 2 * Math.max(1, answer));
            Counted counted = new Counted(eps);
            assertEquals(answer, StepLimitSearch.largestWithin(counted, target, 0, prior, start),
                    "trial " + trial + " shape " + shape);
            assertTrue(counted.probes <= 2 * 64 + 4, "probes " + counted.probes);
            Counted near = new Counted(eps);
            long guess = Math.max(1, answer + random.nextInt(7) - 3);
            assertEquals(answer, StepLimitSearch.largestWithinNear(near, target, 0, prior, guess),
                    "near, trial " + trial + " shape " + shape);
        }
    }

    @Test
    void fewProbesOnASmoothCurveAndTwoForARightGuess() {
        // epsilon of the kind a Poisson-subsampled Gaussian composition has (a k + b sqrt k): answer 17,936
        LongToDoubleFunction eps = k -> 1.7e-5 * k + 0.02 * Math.sqrt(k);
        double target = eps.applyAsDouble(17_936) + 1e-9;
        Counted counted = new Counted(eps);
        assertEquals(17_936, StepLimitSearch.largestWithin(counted, target, 0, 0.0, 15_000));
        assertTrue(counted.probes <= 6, "probes " + counted.probes);
        Counted right = new Counted(eps);
        assertEquals(17_936, StepLimitSearch.largestWithinNear(right, target, 0, 0.0, 17_936));
        assertEquals(2, right.probes);
        Counted oneAbove = new Counted(eps);
        assertEquals(17_936, StepLimitSearch.largestWithinNear(oneAbove, target, 0, 0.0, 17_937));
        assertEquals(2, oneAbove.probes);
    }

    @Test
    void answersAtTheEnds() {
        // the first step already exceeds the target: the certified count is the answer
        assertEquals(5, StepLimitSearch.largestWithin(k -> k <= 5 ? 0.5 : 2.0, 1.0, 5, 0.5, 6));
        // steps that cost nothing: the search ends at Long.MAX_VALUE instead of looping
        assertEquals(Long.MAX_VALUE, StepLimitSearch.largestWithin(k -> 0.0, 1.0, 0, 0.0, 1));
        assertEquals(Long.MAX_VALUE, StepLimitSearch.largestWithin(k -> k < (1L << 60) ? 0.0 : 0.9, 1.0, 0, 0.0, 3));
        long huge = (1L << 55) + 12_345;
        assertEquals(huge, StepLimitSearch.largestWithin(k -> k <= huge ? 0.5 : 1.5, 1.0, 0, 0.0, 1));
    }

    @Test
    void refusesAnUncertifiedStartingPoint() {
        assertThrows(IllegalArgumentException.class,
                () -> StepLimitSearch.largestWithin(k -> 0.0, 1.0, 0, 1.5, 1));
        assertThrows(IllegalArgumentException.class,
                () -> StepLimitSearch.largestWithin(k -> 0.0, 1.0, 3, 0.5, 3));
    }
}
