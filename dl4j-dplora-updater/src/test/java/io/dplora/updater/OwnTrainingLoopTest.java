package io.dplora.updater;

import io.dplora.accounting.AccountantType;
import io.dplora.accounting.NoiseCalibration;
import io.dplora.accounting.PrivacyLedger;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12: the "own training loop" path of docs/dp-sgd.md, wired by hand from the public classes exactly as the
 * documentation shows (this test is that snippet), with the user's own epochs and listeners.
 */
class OwnTrainingLoopTest {

    @Test
    void theDocumentedHandWiringTrainsAndAccountsLikeTheOneCallPath() {
        ComputationGraph net = TestSupport.loraGraph(3, new Adam(1e-2));
        DataSet trainData = TestSupport.data(4, 64);
        // --- snippet (docs/dp-sgd.md, "Your own training loop") ---
        DPConfig config = DPConfig.builder().targetEpsilon(4).delta(1e-5).maxGradNorm(1.0)
                .expectedBatchSize(16).epochs(2).accountant(AccountantType.PLD).build();
        InMemoryDataSource source = new InMemoryDataSource(trainData);
        int n = source.size();
        SamplingPlan plan = new SamplingPlan(n, config.getExpectedBatchSize());
        double sigma = NoiseCalibration.noiseMultiplierForSetup(4, 1e-5, plan.samplingRate(), config.plannedSteps(n),
                AccountantType.PLD);
        PrivacyBudget budget = new PrivacyBudget(new PrivacyLedger(), sigma, plan, 1e-5, 4, AccountantType.PLD,
                config.plannedSteps(n));
        SamplingChannel channel = new SamplingChannel();
        PoissonSamplingIterator sampler = new PoissonSamplingIterator(source, config.stepsPerEpoch(n),
                config.getMaxPhysicalBatchSize(), budget, DPRandom.secure(), channel);
        DPUpdater dp = DPUpdater.attach(net, config, budget, channel, DPRandom.secure());
        net.addListeners(new PrivacyBudgetListener(budget, dp, 1), new ScoreIterationListener(10));
        for (int epoch = 0; sampler.hasRemainingSteps(); epoch++) {
            net.fit(sampler);                                    // one epoch of Poisson-sampled logical steps
            System.out.printf("epoch %d: epsilon %.3f%n", epoch, budget.epsilon());
        }
        // --- end of snippet ---
        assertEquals(config.plannedSteps(n), budget.stepsTaken());
        assertTrue(budget.epsilon() <= 4, "epsilon " + budget.epsilon());
        assertEquals(budget.stepsTaken(), budget.ledger().totalSteps());
    }
}
