package io.dplora.updater;

import org.deeplearning4j.earlystopping.EarlyStoppingConfiguration;
import org.deeplearning4j.earlystopping.EarlyStoppingResult;
import org.deeplearning4j.earlystopping.saver.InMemoryModelSaver;
import org.deeplearning4j.earlystopping.scorecalc.DataSetLossCalculator;
import org.deeplearning4j.earlystopping.termination.MaxEpochsTerminationCondition;
import org.deeplearning4j.earlystopping.trainer.EarlyStoppingGraphTrainer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.ViewIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

import static io.dplora.updater.TestSupport.flat;
import static io.dplora.updater.TestSupport.maxAbs;
import static io.dplora.updater.TestSupport.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DP updater inside DL4J's own loops: fit(iterator) for both network types, early stopping, virtual batches. */
class DL4JIntegrationTest {

    private static DPConfig.Builder config(int e) {
        return DPConfig.builder().noiseMultiplier(1.0).delta(1e-5).maxGradNorm(1.0).expectedBatchSize(e).seed(77);
    }

    @Test
    void computationGraphFitIteratorRunsThePlannedLogicalSteps() {
        DataSet data = TestSupport.data(1, 40);
        ComputationGraph net = TestSupport.loraGraph(2, new Adam(0.01));
        INDArray p0 = net.params().dup();
        PrivateTraining t = DPLoRA.makePrivate(net, data, config(8).epochs(2.5).build());
        assertEquals(13, t.stepLimit());                // ceil(2.5 * 40 / 8)
        net.fit(t.iterator());                          // one DL4J epoch = ceil(N/E) = 5 logical steps
        assertEquals(5, t.stepsTaken());
        assertEquals(8, t.fit());
        assertEquals(13, t.stepsTaken());
        assertEquals(13, t.ledger().totalSteps());
        assertNotEquals(p0, net.params());
        assertEquals(0, t.fit(), "a second fit after the plan does nothing");
    }

    @Test
    void multiLayerNetworkFitIteratorRunsThePlannedLogicalSteps() {
        DataSet data = TestSupport.data(2, 30);
        MultiLayerNetwork net = TestSupport.loraMln(3, new Adam(0.01));
        INDArray p0 = net.params().dup();
        PrivateTraining t = DPLoRA.makePrivate(net, data, config(6).epochs(2).maxPhysicalBatchSize(4).build());
        net.fit(t.iterator());
        assertEquals(5, t.stepsTaken());
        net.fit(t.iterator());
        assertEquals(10, t.stepsTaken());
        net.fit(t.iterator());
        assertEquals(10, t.stepsTaken(), "the iterator never revives a finished plan");
        assertNotEquals(p0, net.params());
    }

    @Test
    void aListConfigWithNInOnlyOnTheLoRAFirstLayerTrainsLikeTheFullySpecifiedOne() {
        // issue 12: DenseLayer swapped for LoRADenseLayer in a list that relies on DL4J's nIn inference
        org.deeplearning4j.nn.conf.MultiLayerConfiguration inferred =
                new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(3)
                        .dataType(org.nd4j.linalg.api.buffer.DataType.DOUBLE).updater(new Adam(0.01))
                        .weightInit(org.deeplearning4j.nn.weights.WeightInit.XAVIER).list()
                        .layer(new io.dplora.layers.LoRADenseLayer.Builder().nIn(TestSupport.N_IN).nOut(6).rank(2)
                                .alpha(4).activation(org.nd4j.linalg.activations.Activation.TANH).build())
                        .layer(new io.dplora.layers.DPOutputLayer.Builder(
                                org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT).nOut(TestSupport.N_OUT)
                                .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                        .build();
        MultiLayerNetwork explicit = TestSupport.loraMln(3, new Adam(0.01));
        MultiLayerNetwork net = new MultiLayerNetwork(inferred);
        net.init();
        assertEquals(explicit.getLayerWiseConfigurations(), net.getLayerWiseConfigurations(),
                "DL4J inferred the head's nIn = 6: the same configuration as the one with every nIn given");
        TestSupport.randomiseLoraB(3, net.getLayer(0));
        assertEquals(explicit.params(), net.params());
        DataSet data = TestSupport.data(2, 30);
        DPLoRA.makePrivate(explicit, data, config(6).steps(4).build()).fit();
        PrivateTraining t = DPLoRA.makePrivate(net, data, config(6).steps(4).build());
        t.fit();
        assertEquals(4, t.stepsTaken());
        assertEquals(explicit.params(), net.params(), "same seed, same sampling and noise, same model");
    }

    @Test
    void earlyStoppingGraphTrainerStopsCleanlyWhenTheStepsRunOut() {
        DataSet data = TestSupport.data(4, 40);
        DataSet validation = TestSupport.data(5, 20);
        ComputationGraph net = TestSupport.loraGraph(6, new Adam(0.01));
        PrivateTraining t = DPLoRA.makePrivate(net, data, config(10).epochs(3).build());
        EarlyStoppingConfiguration<ComputationGraph> es = new EarlyStoppingConfiguration.Builder<ComputationGraph>()
                .epochTerminationConditions(t.terminationCondition(), new MaxEpochsTerminationCondition(50))
                .scoreCalculator(new DataSetLossCalculator(new ViewIterator(validation, 10), true))
                .modelSaver(new InMemoryModelSaver<>()).build();
        EarlyStoppingResult<ComputationGraph> result = new EarlyStoppingGraphTrainer(es, net, t.iterator()).fit();
        assertEquals(EarlyStoppingResult.TerminationReason.EpochTerminationCondition, result.getTerminationReason(),
                result.getTerminationDetails());
        assertTrue(result.getTerminationDetails().contains("PrivacyBudgetTerminationCondition"));
        assertEquals(3, result.getTotalEpochs());
        assertEquals(12, t.stepsTaken());               // 3 epochs * 4 steps
        assertEquals(12, t.ledger().totalSteps());
    }

    @Test
    void earlyStoppingWithTheDpSaverKeepsTheLedgerWithTheBestModel(@org.junit.jupiter.api.io.TempDir
                                                                  java.nio.file.Path dir) throws java.io.IOException {
        DataSet data = TestSupport.data(4, 40);
        DataSet validation = TestSupport.data(5, 20);
        ComputationGraph net = TestSupport.loraGraph(6, new Adam(0.01));
        PrivateTraining t = DPLoRA.makePrivate(net, data, config(10).epochs(3).build());
        EarlyStoppingConfiguration<ComputationGraph> es = new EarlyStoppingConfiguration.Builder<ComputationGraph>()
                .epochTerminationConditions(t.terminationCondition(), new MaxEpochsTerminationCondition(50))
                .scoreCalculator(new DataSetLossCalculator(new ViewIterator(validation, 10), true))
                .modelSaver(DPCheckpointSaver.forGraph(dir, t)).saveLastModel(true).build();
        EarlyStoppingResult<ComputationGraph> result = new EarlyStoppingGraphTrainer(es, net, t.iterator()).fit();
        assertEquals(12, t.stepsTaken());
        io.dplora.accounting.PrivacyLedger latest = DPCheckpoint.readLedger(dir.resolve(DPCheckpointSaver.LATEST)
                .toFile());
        assertEquals(12, latest.totalSteps(), "the latest model's ledger has every step");
        long bestSteps = DPCheckpoint.readLedger(dir.resolve(DPCheckpointSaver.BEST).toFile()).totalSteps();
        assertEquals(4 * (result.getBestModelEpoch() + 1), bestSteps, "the best model's ledger: steps up to its epoch");
        assertTrue(result.getBestModel() != null);
        PrivateTraining resumed = DPLoRA.resume(DPCheckpoint.restoreComputationGraph(dir.resolve(
                DPCheckpointSaver.LATEST).toFile()), data, config(10).epochs(4).build());
        assertEquals(12, resumed.stepsTaken(), "a run resumed from the saver's file continues its epsilon");
    }

    @Test
    void virtualBatchesGiveTheSameModelAndAdvanceAdamOncePerLogicalBatch() {
        DataSet data = TestSupport.data(7, 24);
        ComputationGraph whole = TestSupport.loraGraph(8, new Adam(0.05));
        ComputationGraph split = whole.clone();
        PrivateTraining a = DPLoRA.makePrivate(whole, data, config(12).steps(6).build());
        PrivateTraining b = DPLoRA.makePrivate(split, data, config(12).steps(6).maxPhysicalBatchSize(2).build());
        a.fit();
        b.fit();
        assertEquals(6, a.stepsTaken());
        assertEquals(6, b.stepsTaken());
        assertTrue(split.getIterationCount() > 3 * whole.getIterationCount(),
                "DL4J counted micro-batches: " + split.getIterationCount() + " vs " + whole.getIterationCount());
        double[] pa = flat(whole.params());
        double[] pb = flat(split.params());
        assertTrue(maxAbsDiff(pa, pb) <= 1e-10 * maxAbs(pa), "virtual batches changed the result by "
                + maxAbsDiff(pa, pb));
        double[] sa = flat(whole.getUpdater().getStateViewArray());
        double[] sb = flat(split.getUpdater().getStateViewArray());
        assertTrue(maxAbsDiff(sa, sb) <= 1e-10 * maxAbs(sa), "Adam moments differ");
    }

    @Test
    void firstAdamStepUsesBiasCorrectionOfStepOneEvenAfterManyMicroBatches() {
        // With t = 1, Adam's step is lr * sqrt(1 - b2)/(1 - b1) * m / (sqrt(v) + eps) with m = (1-b1) g,
        // v = (1-b2) g^2, i.e. lr * g / (|g| + eps / sqrt(1 - b2)). The released g comes from an SGD(1) twin run with
        // the same seed (same sampling and noise). Any other iteration count (e.g. one per micro-batch) changes the
        // bias correction and fails this.
        double lr = 0.01;
        double b2 = 0.999;
        double eps = 1e-8;
        DataSet data = TestSupport.data(9, 20);
        ComputationGraph adam = TestSupport.loraGraph(10, new Adam(lr, 0.9, b2, eps));
        ComputationGraph sgd = TestSupport.loraGraph(10, new Sgd(1.0));
        double[] p0 = flat(adam.params());
        DPConfig c = config(20).steps(1).maxPhysicalBatchSize(3).build();
        DPLoRA.makePrivate(adam, data, c).fit();
        DPLoRA.makePrivate(sgd, data, c).fit();
        double[] g = TestSupport.minus(p0, flat(sgd.params()));
        double[] step = TestSupport.minus(p0, flat(adam.params()));
        double[] expected = new double[g.length];
        for (int j = 0; j < g.length; j++) {
            expected[j] = lr * g[j] / (Math.abs(g[j]) + eps / Math.sqrt(1 - b2));
        }
        assertTrue(maxAbs(g) > 0);
        assertTrue(maxAbsDiff(expected, step) <= 1e-12, "max diff " + maxAbsDiff(expected, step));
    }

    @Test
    void secureModeTrainsWithSecureRandomDraws() {
        DataSet data = TestSupport.data(15, 16);
        ComputationGraph a = TestSupport.loraGraph(16, new Sgd(0.1));
        ComputationGraph b = a.clone();
        DPConfig secure = DPConfig.builder().noiseMultiplier(1.0).delta(1e-5).maxGradNorm(1.0).expectedBatchSize(16)
                .steps(2).secureRandom(true).build();
        DPLoRA.makePrivate(a, data, secure).fit();
        DPLoRA.makePrivate(b, data, secure).fit();
        assertNotEquals(a.params(), b.params(), "two secure runs must not draw the same noise");
    }

    @Test
    void aGradientFromAnythingButThePoissonIteratorIsRefused() {
        DataSet data = TestSupport.data(11, 12);
        ComputationGraph net = TestSupport.loraGraph(12, new Sgd(0.1));
        DPLoRA.makePrivate(net, data, config(4).steps(3).build());
        INDArray p0 = net.params().dup();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.fit(data));
        assertTrue(e.getMessage().contains("PoissonSamplingIterator"), e.getMessage());
        assertEquals(p0, net.params());
        assertThrows(IllegalStateException.class, () -> net.fit(new ViewIterator(data, 4)));
        assertEquals(p0, net.params());
    }

    @Test
    void aNetworkThatDroppedItsDpUpdaterRefusesToTrain() {
        DataSet data = TestSupport.data(13, 12);
        MultiLayerNetwork net = TestSupport.loraMln(14, new Sgd(0.1));
        PrivateTraining t = DPLoRA.makePrivate(net, data, config(4).steps(3).build());
        net.clear();                                    // DL4J drops the solver, and with it the DP updater
        assertFalse(t.updater().isInstalled());
        INDArray p0 = net.params().dup();
        assertThrows(IllegalStateException.class, t::fit);
        assertThrows(IllegalStateException.class, () -> net.fit(t.iterator()));
        assertArrayEquals(flat(p0), flat(net.params()), 0.0);
    }
}
