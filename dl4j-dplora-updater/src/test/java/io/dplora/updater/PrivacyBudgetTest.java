package io.dplora.updater;

import io.dplora.accounting.AccountantType;
import io.dplora.accounting.NoiseCalibration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The budget: training stops at exactly the last step whose epsilon (from the accounting module, scanned step by step
 * here) stays within the budget, never above it; a second fit does nothing; the DP step's own safety check refuses a
 * step beyond the budget before anything changes.
 */
class PrivacyBudgetTest {

    private static final int N = 50;
    private static final int E = 5;
    private static final double Q = (double) E / N;
    private static final double DELTA = 1e-5;

    /** Largest k with epsilon(k) <= budget, by scanning the accountant's epsilon over k. */
    private static long lastStepWithin(double sigma, double budget, AccountantType type) {
        long k = 0;
        while (NoiseCalibration.epsilon(sigma, Q, k + 1, DELTA, type) <= budget) {
            k++;
        }
        return k;
    }

    private static void stopsExactlyAtTheBudget(AccountantType type, long expectedStop) {
        double sigma = 1.0;
        double epsAtStop = NoiseCalibration.epsilon(sigma, Q, expectedStop, DELTA, type);
        double epsNext = NoiseCalibration.epsilon(sigma, Q, expectedStop + 1, DELTA, type);
        double budget = (epsAtStop + epsNext) / 2;
        assertEquals(expectedStop, lastStepWithin(sigma, budget, type));

        DataSet data = TestSupport.data(1, N);
        ComputationGraph net = TestSupport.loraGraph(2, new Adam(0.01));
        PrivateTraining t = DPLoRA.makePrivate(net, data, DPConfig.builder().noiseMultiplier(sigma)
                .epsilonBudget(budget).delta(DELTA).maxGradNorm(1.0).expectedBatchSize(E).steps(1000)
                .accountant(type).reportEvery(3).seed(3).build());
        List<PrivacyReport> reports = new ArrayList<>();
        t.listener().setCallback(reports::add);
        long taken = t.fit();
        assertEquals(expectedStop, taken);
        assertEquals(expectedStop, t.stepsTaken());
        assertTrue(t.isBudgetExhausted());
        assertEquals(epsAtStop, t.epsilon(), 1e-9 * epsAtStop);
        assertTrue(t.epsilon() <= budget);
        assertFalse(reports.isEmpty());
        for (PrivacyReport r : reports) {
            assertTrue(r.epsilon() <= budget, "reported epsilon " + r.epsilon() + " above budget " + budget);
        }

        INDArray p = net.params().dup();
        assertEquals(0, t.fit(), "a second fit after exhaustion does nothing");
        net.fit(t.iterator());
        assertEquals(p, net.params());
        assertEquals(expectedStop, t.stepsTaken());

        // the safety net inside the DP step: a micro-batch slipped past the iterator is refused before any change
        t.updater().channel().announce(new MicroBatch(expectedStop, 0, 1, N, false, t.budget(),
                new INDArray[] {data.getFeatures()}, new INDArray[] {data.getLabels()}));
        assertThrows(BudgetExhaustedException.class, () -> net.fit(data));
        assertEquals(p, net.params());
        assertEquals(expectedStop, t.ledger().totalSteps());
    }

    @Test
    void fixedSigmaStopsAtTheLastStepWithinTheRdpBudget() {
        stopsExactlyAtTheBudget(AccountantType.RDP, 23);
    }

    @Test
    void fixedSigmaStopsAtTheLastStepWithinThePldBudget() {
        stopsExactlyAtTheBudget(AccountantType.PLD, 7);
    }

    @Test
    void listenerReportsEveryKLogicalStepsAndAtEpochEnds() {
        DataSet data = TestSupport.data(9, 40);
        ComputationGraph net = TestSupport.loraGraph(10, new Adam(0.01));
        DPConfig config = DPConfig.builder().noiseMultiplier(1.0).delta(DELTA)
                .maxGradNorm(1.0).expectedBatchSize(4).steps(14).maxPhysicalBatchSize(2).reportEvery(3).seed(1)
                .build();
        PrivateTraining t = DPLoRA.makePrivate(net, data, config);
        List<PrivacyReport> reports = new ArrayList<>();
        t.listener().setCallback(reports::add);
        t.fit();                                        // epochs of ceil(40/4) = 10 steps: 10 + 4
        List<String> seen = new ArrayList<>();
        for (PrivacyReport r : reports) {
            seen.add(r.steps() + (r.epochEnd() ? "e" : ""));
            assertEquals(NoiseCalibration.epsilon(1.0, 0.1, r.steps(), DELTA, config.getAccountant()), r.epsilon(),
                    1e-9 * r.epsilon());
        }
        // micro-batches make DL4J iterate more often, but reports follow logical steps, once each
        assertEquals(List.of("3", "6", "9", "10e", "12", "14e"), seen);
        assertEquals(reports.get(reports.size() - 1).epsilon(), t.listener().getEpsilon(), 0.0);
    }

    @Test
    void targetEpsilonIsCalibratedAndNeverExceeded() {
        double target = 2.0;
        DataSet data = TestSupport.data(4, N);
        ComputationGraph net = TestSupport.loraGraph(5, new Adam(0.01));
        DPConfig config = DPConfig.builder().targetEpsilon(target).delta(DELTA)
                .maxGradNorm(1.0).expectedBatchSize(E).epochs(3).seed(6).build();
        PrivateTraining t = DPLoRA.makePrivate(net, data, config);
        long planned = (long) Math.ceil(3.0 * N / E);
        assertEquals(planned, t.stepLimit());
        double sigma = t.noiseMultiplier();
        assertTrue(NoiseCalibration.epsilon(sigma, Q, planned, DELTA, config.getAccountant()) <= target);
        assertTrue(NoiseCalibration.epsilon(sigma * 0.99, Q, planned, DELTA, config.getAccountant()) > target,
                "calibration should not waste noise");
        t.fit();
        assertEquals(planned, t.stepsTaken());
        assertTrue(t.epsilon() <= target);
        assertTrue(t.epsilon() > 0.95 * target);
        assertEquals(0, t.fit());
    }
}
