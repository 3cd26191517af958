package io.dplora.updater;

import io.dplora.accounting.AccountantType;
import io.dplora.accounting.PrivacyLedger;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10 items 6 and 6b: the DP step accounts a step as Poisson-subsampled only if it trained on exactly the
 * micro-batch its sampler handed out, and q, N and E come from one sampling plan whatever public classes are wired by
 * hand. Every refusal leaves parameters and ledger as they were.
 */
class SamplingIdentityTest {

    private static final int N = 24;
    private static final DataSet DATA = TestSupport.data(5, N);

    private static DPConfig config(int e) {
        return DPConfig.builder().noiseMultiplier(1.0).delta(1e-5).maxGradNorm(1.0).expectedBatchSize(e).steps(4)
                .seed(3).build();
    }

    @Test
    void anotherDataSetOfTheSameSizeIsRefusedAfterNext() {
        ComputationGraph net = TestSupport.loraGraph(1, new Sgd(0.1));
        PrivateTraining t = DPLoRA.makePrivate(net, DATA, config(N)); // q = 1: the batch is all N rows
        DataSet sampled = t.iterator().next();
        DataSet other = TestSupport.data(99, sampled.numExamples());
        INDArray before = net.params().dup();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.fit(other));
        assertTrue(e.getMessage().contains("arrays other than the micro-batch"), e.getMessage());
        assertEquals(before, net.params());
        assertEquals(0, t.ledger().totalSteps());
    }

    @Test
    void theSampledFeaturesWithOtherLabelsAreRefusedAndTheSampledBatchIsAccepted() {
        ComputationGraph net = TestSupport.loraGraph(2, new Sgd(0.1));
        PrivateTraining t = DPLoRA.makePrivate(net, DATA, config(N));
        DataSet sampled = t.iterator().next();
        DataSet relabelled = new DataSet(sampled.getFeatures(), sampled.getLabels().dup());
        INDArray before = net.params().dup();
        assertThrows(IllegalStateException.class, () -> net.fit(relabelled));
        assertEquals(before, net.params());
        assertEquals(0, t.ledger().totalSteps());
        t.iterator().reset(); // the refused draw ended the one-step epoch; nothing was released or accounted
        DataSet again = t.iterator().next();
        net.fit(again);
        assertEquals(1, t.ledger().totalSteps());
    }

    @Test
    void multiLayerNetworksAreCheckedToo() {
        MultiLayerNetwork net = TestSupport.loraMln(3, new Sgd(0.1));
        PrivateTraining t = DPLoRA.makePrivate(net, DATA, config(N));
        DataSet sampled = t.iterator().next();
        assertThrows(IllegalStateException.class, () -> net.fit(TestSupport.data(7, sampled.numExamples())));
        assertEquals(0, t.ledger().totalSteps());
        t.iterator().reset();
        net.fit(t.iterator().next());
        assertEquals(1, t.ledger().totalSteps());
    }

    private static PrivacyBudget budget(SamplingPlan plan) {
        return new PrivacyBudget(new PrivacyLedger(), 1.0, plan, 1e-5, Double.POSITIVE_INFINITY, AccountantType.RDP,
                10);
    }

    /** The reviewer's wiring: a sampler at 4q next to a budget at q. The sampler's rate now comes from a budget. */
    @Test
    void aSamplerOfAnotherBudgetIsRefusedAtTheFirstStep() {
        ComputationGraph net = TestSupport.loraGraph(4, new Sgd(0.1));
        PrivacyBudget accounted = budget(new SamplingPlan(N, 2));
        PrivacyBudget sampledAtFourQ = budget(new SamplingPlan(N, 8));
        SamplingChannel channel = new SamplingChannel();
        PoissonSamplingIterator iterator = new PoissonSamplingIterator(new InMemoryDataSource(DATA), 3, 64,
                sampledAtFourQ, DPRandom.seeded(1), channel);
        DPUpdater.attach(net, config(2), accounted, channel, DPRandom.seeded(2));
        INDArray before = net.params().dup();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.fit(iterator));
        assertTrue(e.getMessage().contains("another PrivacyBudget"), e.getMessage());
        assertEquals(before, net.params());
        assertEquals(0, accounted.ledger().totalSteps());
    }

    @Test
    void dataOfAnotherSizeOrAConfigurationWithAnotherEAreRefusedBeforeTheFirstStep() {
        PrivacyBudget b = budget(new SamplingPlan(N, 4));
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> new PoissonSamplingIterator(new InMemoryDataSource(TestSupport.data(1, N + 1)), 3, 64, b,
                        DPRandom.seeded(1), new SamplingChannel()));
        assertTrue(size.getMessage().contains("N = " + N), size.getMessage());
        ComputationGraph net = TestSupport.loraGraph(5, new Sgd(0.1));
        Object updaterBefore = net.getUpdater();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DPUpdater.attach(net, config(16), b, new SamplingChannel(), DPRandom.seeded(2)));
        assertTrue(e.getMessage().contains("E = 16") && e.getMessage().contains("E = 4"), e.getMessage());
        assertTrue(net.getUpdater() == updaterBefore, "a refused attach leaves the network's updater");
    }

    @Test
    void theDpStepDividesByThePlansE() {
        PrivacyBudget b = budget(new SamplingPlan(N, 6));
        assertEquals(6.0 / N, b.samplingRate(), 0.0);
        ComputationGraph net = TestSupport.loraGraph(6, new Sgd(0.1));
        DPUpdater dp = DPUpdater.attach(net, config(6), b, new SamplingChannel(), DPRandom.seeded(2));
        assertEquals(b, dp.budget());
    }
}
