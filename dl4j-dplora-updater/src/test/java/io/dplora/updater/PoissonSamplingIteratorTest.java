package io.dplora.updater;

import io.dplora.accounting.AccountantType;
import io.dplora.accounting.PrivacyLedger;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Poisson sampler against the binomial laws it must follow, and its contract with DL4J's loop (budget end, reset,
 * no async, padding for empty batches). The DP step's part (recording a step after the last micro-batch) is played
 * here by calling {@link PrivacyBudget#recordStep()}.
 */
class PoissonSamplingIteratorTest {

    /** N examples whose feature 0 is the example's index (so the drawn indices can be read back). */
    static DataSet indexedData(int n) {
        INDArray f = Nd4j.zeros(DataType.DOUBLE, n, 2);
        INDArray l = Nd4j.zeros(DataType.DOUBLE, n, 2);
        for (int i = 0; i < n; i++) {
            f.putScalar(i, 0, i);
            f.putScalar(i, 1, 1.0);
            l.putScalar(i, i % 2, 1.0);
        }
        return new DataSet(f, l);
    }

    /** A budget over n examples at rate q (q n must be a whole expected batch size E). */
    private static PrivacyBudget budget(int n, double q, long planned) {
        return new PrivacyBudget(new PrivacyLedger(), 1.0, new SamplingPlan(n, (int) Math.round(q * n)), 1e-5,
                Double.POSITIVE_INFINITY, AccountantType.RDP, planned);
    }

    private static int[] indicesOf(DataSet ds) {
        int[] out = new int[ds.numExamples()];
        for (int j = 0; j < out.length; j++) {
            out[j] = (int) ds.getFeatures().getDouble(j, 0);
        }
        return out;
    }

    /** Drains one logical batch, checking the announcements, and records the step as the DP step would. */
    private static List<Integer> drainLogicalBatch(PoissonSamplingIterator it, SamplingChannel ch, PrivacyBudget b,
                                                   int maxPhysical) {
        List<Integer> drawn = new ArrayList<>();
        long step = -1;
        while (true) {
            DataSet ds = it.next();
            MicroBatch mb = ch.take();
            if (step < 0) {
                step = mb.logicalStep();
                assertEquals(0, mb.index());
                assertEquals(b.stepsTaken(), step);
            }
            assertEquals(step, mb.logicalStep());
            assertEquals(ds.numExamples(), mb.rows());
            if (mb.padding()) {
                assertEquals(PoissonSamplingIterator.PADDING_ROWS, ds.numExamples());
                assertEquals(0.0, ds.getFeatures().sumNumber().doubleValue(), 0.0);
                assertEquals(0.0, ds.getLabels().sumNumber().doubleValue(), 0.0);
            } else {
                assertTrue(ds.numExamples() <= maxPhysical);
                for (int idx : indicesOf(ds)) {
                    drawn.add(idx);
                }
            }
            if (mb.isLast()) {
                assertEquals(mb.padding() ? 1 : (int) ((drawn.size() + (long) maxPhysical - 1) / maxPhysical), mb.count());
                break;
            }
        }
        b.recordStep();
        return drawn;
    }

    @Test
    void batchSizeHasBinomialMeanAndVarianceAndEachExampleHasRateQ() {
        int n = 400;
        double q = 20.0 / n;
        int k = 3000;
        PrivacyBudget b = budget(n, q, k);
        SamplingChannel ch = new SamplingChannel();
        PoissonSamplingIterator it = new PoissonSamplingIterator(new InMemoryDataSource(indexedData(n)), k,
                Integer.MAX_VALUE, b, DPRandom.seeded(42), ch);
        double sum = 0;
        double sumSq = 0;
        int[] hits = new int[n];
        for (int s = 0; s < k; s++) {
            List<Integer> drawn = drainLogicalBatch(it, ch, b, Integer.MAX_VALUE);
            for (int j = 1; j < drawn.size(); j++) {
                assertTrue(drawn.get(j) > drawn.get(j - 1), "each example at most once per batch");
            }
            for (int i : drawn) {
                hits[i]++;
            }
            sum += drawn.size();
            sumSq += drawn.size() * (double) drawn.size();
            assertEquals(drawn.size(), Math.max(0, it.lastLogicalBatchSize()));
        }
        assertFalse(it.hasNext());
        double mean = sum / k;
        double var = (sumSq - k * mean * mean) / (k - 1);
        double expMean = n * q;
        double expVar = n * q * (1 - q);
        // 5 standard errors: SE(mean) = sqrt(Var/k); SE(sample variance) ~ Var sqrt(2/(k-1)) for a near-normal law
        assertEquals(expMean, mean, 5 * Math.sqrt(expVar / k));
        assertEquals(expVar, var, 5 * expVar * Math.sqrt(2.0 / (k - 1)));
        // each example's inclusion count ~ Binomial(k, q): within 6 sd for all 400 examples, and pooled chi-square
        double sd = Math.sqrt(k * q * (1 - q));
        double chi2 = 0;
        for (int i = 0; i < n; i++) {
            assertEquals(k * q, hits[i], 6 * sd, "example " + i);
            chi2 += (hits[i] - k * q) * (hits[i] - k * q) / (k * q * (1 - q));
        }
        // chi-square with n degrees of freedom: mean n, sd sqrt(2n)
        assertEquals(n, chi2, 6 * Math.sqrt(2.0 * n));
    }

    @Test
    void emptyBatchesAreRealStepsDeliveredAsDataIndependentPadding() {
        int n = 100;
        double q = 1.0 / n;
        int k = 1000;
        PrivacyBudget b = budget(n, q, k);
        SamplingChannel ch = new SamplingChannel();
        PoissonSamplingIterator it = new PoissonSamplingIterator(new InMemoryDataSource(indexedData(n)), k,
                Integer.MAX_VALUE, b, DPRandom.seeded(5), ch);
        int empty = 0;
        for (int s = 0; s < k; s++) {
            if (drainLogicalBatch(it, ch, b, Integer.MAX_VALUE).isEmpty()) {
                empty++;
            }
        }
        double p = Math.pow(1 - q, n);    // P(empty logical batch) = 0.366
        assertEquals(k * p, empty, 5 * Math.sqrt(k * p * (1 - p)));
        assertEquals(empty, it.emptyLogicalBatches());
        assertEquals(k, b.stepsTaken(), "every logical batch, empty or not, is one accounted step");
    }

    @Test
    void paddingKeepsMasksShapedLikeTheData() {
        int n = 4;
        INDArray f = Nd4j.rand(DataType.FLOAT, n, 3, 5);
        INDArray l = Nd4j.rand(DataType.FLOAT, n, 2, 5);
        INDArray fm = Nd4j.ones(DataType.FLOAT, n, 5);
        INDArray lm = Nd4j.ones(DataType.FLOAT, n, 5);
        PrivacyBudget b = budget(n, 0.25, 1);
        PoissonSamplingIterator it = new PoissonSamplingIterator(new InMemoryDataSource(new DataSet(f, l, fm, lm)),
                1, 8, b, DPRandom.seeded(1), new SamplingChannel());
        DataSet pad = it.paddingBatch();
        assertArrayEquals(new long[]{2, 3, 5}, pad.getFeatures().shape());
        assertArrayEquals(new long[]{2, 2, 5}, pad.getLabels().shape());
        assertEquals(10.0, pad.getFeaturesMaskArray().sumNumber().doubleValue(), 0.0);
        assertArrayEquals(new long[]{2, 5}, pad.getLabelsMaskArray().shape());
        assertEquals(0.0, pad.getLabelsMaskArray().sumNumber().doubleValue(), 0.0);
        assertEquals(0.0, pad.getFeatures().sumNumber().doubleValue(), 0.0);
    }

    @Test
    void logicalBatchesSplitIntoAnnouncedMicroBatches() {
        int n = 60;
        double q = 0.5;
        PrivacyBudget b = budget(n, q, 20);
        SamplingChannel ch = new SamplingChannel();
        PoissonSamplingIterator it = new PoissonSamplingIterator(new InMemoryDataSource(indexedData(n)), 20, 7, b,
                DPRandom.seeded(9), ch);
        int multi = 0;
        for (int s = 0; s < 20; s++) {
            int before = (int) b.stepsTaken();
            List<Integer> drawn = drainLogicalBatch(it, ch, b, 7);
            assertEquals(it.lastLogicalBatchSize(), drawn.size());
            assertEquals(before + 1, b.stepsTaken());
            if (drawn.size() > 7) {
                multi++;
            }
        }
        assertTrue(multi > 10, "with E = 30 and micro-batches of 7 most logical batches span several");
    }

    @Test
    void stopsAtThePlanAndResetStartsEpochsButNeverRevivesTheBudget() {
        int n = 10;
        PrivacyBudget b = budget(n, 0.5, 5);
        SamplingChannel ch = new SamplingChannel();
        PoissonSamplingIterator it = new PoissonSamplingIterator(new InMemoryDataSource(indexedData(n)), 2,
                Integer.MAX_VALUE, b, DPRandom.seeded(3), ch);
        int[] perEpoch = new int[4];
        for (int e = 0; e < 4; e++) {
            if (e > 0) {
                it.reset();
            }
            while (it.hasNext()) {
                drainLogicalBatch(it, ch, b, Integer.MAX_VALUE);
                perEpoch[e]++;
            }
        }
        assertArrayEquals(new int[]{2, 2, 1, 0}, perEpoch);
        assertEquals(5, b.stepsTaken());
        assertFalse(it.hasRemainingSteps());
        it.reset();
        it.reset();
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
    }

    @Test
    void resetInsideALogicalBatchKeepsItsRemainingMicroBatches() {
        PrivacyBudget b = budget(6, 1.0, 3);
        SamplingChannel ch = new SamplingChannel();
        PoissonSamplingIterator it = new PoissonSamplingIterator(new InMemoryDataSource(indexedData(6)), 3, 4, b,
                DPRandom.seeded(3), ch);
        it.next();
        assertEquals(0, ch.take().index());
        it.reset();
        assertTrue(it.hasNext());
        it.next();
        MicroBatch second = ch.take();
        assertEquals(1, second.index());
        assertTrue(second.isLast());
        assertEquals(0, second.logicalStep());
    }

    @Test
    void dl4jContract() {
        PrivacyBudget b = budget(4, 0.5, 1);
        PoissonSamplingIterator it = new PoissonSamplingIterator(new InMemoryDataSource(indexedData(4)), 1, 8, b,
                DPRandom.seeded(3), new SamplingChannel());
        assertFalse(it.asyncSupported(), "async prefetch would overshoot the budget");
        assertTrue(it.resetSupported());
        assertThrows(UnsupportedOperationException.class, () -> it.setPreProcessor(new NormalizerStandardize()));
        assertNull(it.getPreProcessor());
        assertThrows(UnsupportedOperationException.class, () -> it.next(3));
        assertEquals(2, it.inputColumns());
        assertEquals(2, it.totalOutcomes());
    }

    private static PrivacyBudget budgetWith(double sigma, long stepsTaken) {
        PrivacyLedger ledger = new PrivacyLedger();
        ledger.record(sigma, 0.1, stepsTaken);
        return new PrivacyBudget(ledger, sigma, new SamplingPlan(100, 10), 1e-5, Double.POSITIVE_INFINITY,
                AccountantType.RDP, 50);
    }

    @Test
    void seededStreamsReproduceAndDifferByStreamResumePointAndPrivacySettings() {
        DPConfig config = DPConfig.builder().noiseMultiplier(1).delta(1e-5).maxGradNorm(1).expectedBatchSize(10)
                .steps(5).seed(11).build();
        PrivacyBudget b = budgetWith(1.0, 0);
        assertEquals(draws(DPRandom.forStream(config, b, 0)), draws(DPRandom.forStream(config, b, 0)));
        assertNotEquals(draws(DPRandom.forStream(config, b, 0)), draws(DPRandom.forStream(config, b, 1)));
        assertNotEquals(draws(DPRandom.forStream(config, b, 1)), draws(DPRandom.forStream(config, budgetWith(1.0, 3),
                1)), "a resumed run must not replay the noise of steps already released");
        assertNotEquals(draws(DPRandom.forStream(config, b, 1)), draws(DPRandom.forStream(config, budgetWith(2.0, 0),
                1)), "two seeded releases with another sigma must not share their noise");
        assertNotEquals(draws(DPRandom.forStream(config, b, 1)), draws(DPRandom.forStream(
                config.toBuilder().maxGradNorm(2).build(), b, 1)), "nor with another clipping norm");
        DPConfig unseeded = DPConfig.builder().noiseMultiplier(1).delta(1e-5).maxGradNorm(1).expectedBatchSize(10)
                .steps(5).build();
        assertTrue(unseeded.isSecureRandom(), "no seed: SecureRandom is the default");
        assertTrue(DPRandom.forStream(unseeded, b, 1).isSecure());
        assertFalse(DPRandom.forStream(config, b, 1).isSecure());
    }

    private static List<Double> draws(DPRandom r) {
        Double[] d = new Double[8];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextGaussian();
        }
        return Arrays.asList(d);
    }
}
