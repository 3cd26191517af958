package io.dplora.layers;

import io.dplora.layers.grad.PerExampleGradientLoop;
import io.dplora.layers.grad.PerExampleGradients;
import io.dplora.layers.grad.TrainableParameters;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static io.dplora.layers.DPLayers.assertRelClose;
import static io.dplora.layers.DPLayers.assertVectorClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DPEmbeddingSequenceLayer (issue 13): the embedding matrix trained with exact per-example gradients. Repeated tokens
 * within an example (summed before the norm), masked steps, gradient checks in double, per-example norms and clipped
 * sums against the batch-of-one loop to 1e-10, the forward pass equal to DL4J's layer, LoRA.apply converting a stock
 * embedding listed as trainable, with and without a bias. DPEmbeddingLayer (one id per example, with a bias and a mask):
 * the same checks, with ids shared by several examples of the batch (their clipped rows add up in one row).
 */
class DPEmbeddingTest {

    private static final DataType D = DataType.DOUBLE;
    private static final int VOCAB = 9;
    private static final int T = 5;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(D, D);
    }

    private static MultiLayerNetwork net(IUpdater updater) {
        return net(updater, false);
    }

    private static MultiLayerNetwork net(IUpdater updater, boolean bias) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(4).dataType(D).updater(updater)
                .list()
                .layer(new DPEmbeddingSequenceLayer.Builder().nIn(VOCAB).nOut(3).inputLength(T).hasBias(bias)
                        .build())
                .layer(new LoRADenseLayer.Builder().nIn(3).nOut(4).rank(2).alpha(2).activation(Activation.TANH)
                        .build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        TestData.randomiseLoRAB(net.getLayer(1), 5);
        if (bias) {
            net.getLayer(0).getParam("b").assign(Nd4j.createFromArray(0.2, -0.1, 0.3));
        }
        return net;
    }

    /** Token ids with repeats inside examples, and a length mask. */
    private static DataSet data() {
        INDArray ids = Nd4j.createFromArray(new double[][] {
            {1, 2, 1, 1, 0}, {3, 3, 3, 4, 5}, {8, 7, 6, 2, 2}, {0, 0, 0, 0, 0}});
        INDArray mask = Nd4j.createFromArray(new double[][] {
            {1, 1, 1, 1, 0}, {1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}, {1, 1, 0, 0, 0}});
        INDArray y = TestData.oneHot(D, 3, 4, 2);
        return new DataSet(ids, y, mask, null);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        MultiLayerNetwork net = net(new NoOp());
        DataSet ds = data();
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
                .input(ds.getFeatures()).labels(ds.getLabels()).inputMask(ds.getFeaturesMaskArray())
                .excludeParams(java.util.Set.of("1_W", "1_b")).maxRelError(1e-5).minAbsoluteError(1e-9)
                .exitOnFirstError(true)));
    }

    @Test
    void gradientsWithABiasMatchFiniteDifferences() {
        MultiLayerNetwork net = net(new NoOp(), true);
        DataSet ds = data();
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
                .input(ds.getFeatures()).labels(ds.getLabels()).inputMask(ds.getFeaturesMaskArray())
                .excludeParams(java.util.Set.of("1_W", "1_b")).maxRelError(1e-5).minAbsoluteError(1e-9)
                .exitOnFirstError(true)));
    }

    @Test
    void perExampleNormsAndClippedSumsMatchTheLoop() {
        assertNormsAndSumsMatchTheLoop(net(new Sgd(0.1)));
    }

    @Test
    void perExampleNormsAndClippedSumsWithABiasMatchTheLoop() {
        MultiLayerNetwork net = net(new Sgd(0.1), true);
        assertNormsAndSumsMatchTheLoop(net);
        PerExampleGradients oracle = PerExampleGradientLoop.collect(net, data());
        assertTrue(oracle.squaredNorm(0, "layer0", "b") > 0, "the bias has a per-example gradient");
    }

    private static void assertNormsAndSumsMatchTheLoop(MultiLayerNetwork net) {
        DataSet ds = data();
        PerExampleGradients oracle = PerExampleGradientLoop.collect(net, ds);
        List<PerExampleGradientLayer> dp = DPLayers.of(net.getLayers());
        assertEquals(3, dp.size());
        TrainableParameters tp = TrainableParameters.of(net);
        DPLayers.enable(dp);
        net.setInput(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.setLayerMaskArrays(ds.getFeaturesMaskArray(), null);
        net.computeGradientAndScore();
        double[] norms = DPLayers.squaredNorms(dp, 4);
        boolean bias = net.getLayer(0).conf().getLayer() instanceof DPEmbeddingSequenceLayer
                && ((DPEmbeddingSequenceLayer) net.getLayer(0).conf().getLayer()).hasBias();
        for (int i = 0; i < 4; i++) {
            assertRelClose(oracle.squaredNorm(i), norms[i], 1e-10, "||g_" + i + "||^2");
            double part = oracle.squaredNorm(i, "layer0", "W") + (bias ? oracle.squaredNorm(i, "layer0", "b") : 0);
            assertRelClose(part, partOf(dp.get(0), i), 1e-10, "embedding part " + i);
        }
        double[] c = {0.5, 1.0, 0.0, 3.0};
        assertVectorClose(oracle.clippedSum(c), DPLayers.clippedSum(net, tp, dp, c), 1e-10, "sum c_i g_i");
    }

    private static double partOf(PerExampleGradientLayer l, int i) {
        double[] out = new double[4];
        l.accumulateSquaredNorms(out);
        return out[i];
    }

    @Test
    void theForwardPassIsDl4jsAndAStockEmbeddingConvertsWhenTrainable() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(4).dataType(D).updater(new Sgd(0.1))
                .list()
                .layer(new EmbeddingSequenceLayer.Builder().nIn(VOCAB).nOut(3).inputLength(T).hasBias(true)
                        .biasInit(0.25).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(3).nOut(2).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork stock = new MultiLayerNetwork(conf);
        stock.init();
        DataSet ds = data();
        INDArray expected = stock.output(ds.getFeatures(), false, ds.getFeaturesMaskArray(), null);
        MultiLayerNetwork dp = LoRA.apply(stock, LoRASpec.builder().trainable("layer0", "layer2").build());
        assertTrue(dp.getLayer(0).conf().getLayer() instanceof DPEmbeddingSequenceLayer);
        assertTrue(expected.equalsWithEps(dp.output(ds.getFeatures(), false, ds.getFeaturesMaskArray(), null),
                1e-12));
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(dp.getLayerWiseConfigurations().toJson());
        assertEquals(dp.getLayerWiseConfigurations().getConf(0).getLayer(), back.getConf(0).getLayer());
        assertTrue(DPEmbeddingSequenceLayer.of(new EmbeddingSequenceLayer.Builder().nIn(VOCAB).nOut(3).hasBias(true)
                .build()).hasBias(), "a bias is kept");
    }

    private static MultiLayerNetwork singleIndexNet(IUpdater updater) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(D).updater(updater)
                .list()
                .layer(new DPEmbeddingLayer.Builder().nIn(VOCAB).nOut(3).hasBias(true).activation(Activation.TANH)
                        .build())
                .layer(new LoRADenseLayer.Builder().nIn(3).nOut(4).rank(2).alpha(2).activation(Activation.TANH)
                        .build())
                .layer(new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        TestData.randomiseLoRAB(net.getLayer(1), 6);
        net.getLayer(0).getParam("b").assign(Nd4j.createFromArray(0.3, -0.2, 0.1));
        return net;
    }

    /** Six examples, one id each: id 4 three times, id 7 twice; the fifth example masked out. */
    private static DataSet singleIndexData() {
        INDArray ids = Nd4j.createFromArray(new double[][] {{4}, {7}, {4}, {0}, {7}, {4}});
        INDArray mask = Nd4j.createFromArray(new double[][] {{1}, {1}, {1}, {1}, {0}, {1}});
        return new DataSet(ids, TestData.oneHot(D, 7, 6, 2), mask, null);
    }

    @Test
    void singleIndexGradientsMatchFiniteDifferences() {
        MultiLayerNetwork net = singleIndexNet(new NoOp());
        DataSet ds = singleIndexData();
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
                .input(ds.getFeatures()).labels(ds.getLabels()).inputMask(ds.getFeaturesMaskArray())
                .excludeParams(java.util.Set.of("1_W", "1_b")).maxRelError(1e-5).minAbsoluteError(1e-9)
                .exitOnFirstError(true)));
    }

    @Test
    void singleIndexNormsAndClippedSumsMatchTheLoop() {
        MultiLayerNetwork net = singleIndexNet(new Sgd(0.1));
        DataSet ds = singleIndexData();
        // DL4J's MCXENT refuses a [1, 1] feature mask in the batch-of-one loop; a 2D feature mask drops the whole
        // example (embedding, dense rows and loss), which the loop expresses as a per-example label mask of 0
        PerExampleGradients oracle = PerExampleGradientLoop.collect(net,
                new DataSet(ds.getFeatures(), ds.getLabels(), null, ds.getFeaturesMaskArray()));
        List<PerExampleGradientLayer> dp = DPLayers.of(net.getLayers());
        assertEquals(3, dp.size());
        TrainableParameters tp = TrainableParameters.of(net);
        DPLayers.enable(dp);
        net.setInput(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.setLayerMaskArrays(ds.getFeaturesMaskArray(), null);
        net.computeGradientAndScore();
        double[] norms = DPLayers.squaredNorms(dp, 6);
        double[] embedding = new double[6];
        dp.get(0).accumulateSquaredNorms(embedding);
        for (int i = 0; i < 6; i++) {
            assertRelClose(oracle.squaredNorm(i), norms[i], 1e-10, "||g_" + i + "||^2");
            double part = oracle.squaredNorm(i, "layer0", "W") + oracle.squaredNorm(i, "layer0", "b");
            assertRelClose(part, embedding[i], 1e-10, "embedding part " + i);
        }
        assertEquals(0.0, embedding[4], "a masked example has no embedding gradient");
        assertTrue(embedding[0] > 0 && embedding[3] > 0);
        double[] c = {0.5, 1.0, 2.0, 0.0, 3.0, 0.25};
        assertVectorClose(oracle.clippedSum(c), DPLayers.clippedSum(net, tp, dp, c), 1e-10, "sum c_i g_i");
    }

    @Test
    void aStockSingleIndexEmbeddingConvertsWhenTrainableWithTheSameForwardPass() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(4).dataType(D).updater(new Sgd(0.1))
                .list()
                .layer(new EmbeddingLayer.Builder().nIn(VOCAB).nOut(3).hasBias(true).build())
                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(3).nOut(2).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork stock = new MultiLayerNetwork(conf);
        stock.init();
        DataSet ds = singleIndexData();
        INDArray expected = stock.output(ds.getFeatures(), false, ds.getFeaturesMaskArray(), null);
        MultiLayerNetwork dp = LoRA.apply(stock, LoRASpec.builder().trainable("layer0", "layer1").build());
        assertTrue(dp.getLayer(0).conf().getLayer() instanceof DPEmbeddingLayer);
        assertTrue(dp.getLayer(0).conf().getLayer().getClass() == DPEmbeddingLayer.class);
        assertTrue(expected.equalsWithEps(dp.output(ds.getFeatures(), false, ds.getFeaturesMaskArray(), null),
                1e-12));
        assertEquals(stock.getLayer(0).getParam("b"), dp.getLayer(0).getParam("b"));
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(dp.getLayerWiseConfigurations().toJson());
        assertEquals(dp.getLayerWiseConfigurations().getConf(0).getLayer(), back.getConf(0).getLayer());
    }
}
