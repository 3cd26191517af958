package io.dplora.layers;

import io.dplora.layers.grad.PerExampleGradientLoop;
import io.dplora.layers.grad.PerExampleGradients;
import io.dplora.layers.grad.TrainableParameters;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static io.dplora.layers.DPLayers.assertRelClose;
import static io.dplora.layers.DPLayers.assertVectorClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vectorised per-example squared norms and book-keeping clipped sums of the DP layers against the explicit
 * per-example loop (batch of one per example, same network), in double precision to 1e-10 relative.
 */
class PerExampleGradientsTest {

    private static final DataType D = DataType.DOUBLE;
    private static final double TOL = 1e-10;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(D, D);
    }

    private static MultiLayerNetwork mlp() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(42).dataType(D)
                .updater(new Adam(1e-3)).list()
                .layer(new LoRADenseLayer.Builder().nIn(6).nOut(5).rank(2).alpha(4).activation(Activation.TANH).build())
                .layer(new LoRADenseLayer.Builder().nIn(5).nOut(5).rank(3).alpha(2).mode(LoRAMode.FFA)
                        .activation(Activation.SIGMOID).build())
                .layer(new DPDenseLayer.Builder().nIn(5).nOut(4).activation(Activation.TANH).build())
                .layer(new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        TestData.randomiseLoRAB(net.getLayer(0), 3);
        TestData.randomiseLoRAB(net.getLayer(1), 4);
        return net;
    }

    @Test
    void mlpNormsAndClippedSumMatchPerExampleLoop() {
        MultiLayerNetwork net = mlp();
        int m = 7;
        INDArray x = TestData.features(D, 10, m, 6);
        INDArray y = TestData.oneHot(D, 11, m, 3);
        INDArray labelMask = Nd4j.createFromArray(1.0, 1.0, 0.0, 1.0, 0.5, 1.0, 1.0).reshape(m, 1);
        DataSet ds = new DataSet(x, y, null, labelMask);

        PerExampleGradients oracle = PerExampleGradientLoop.collect(net, ds);
        List<PerExampleGradientLayer> dp = DPLayers.of(net.getLayers());
        assertEquals(4, dp.size());
        TrainableParameters tp = TrainableParameters.of(net);

        // ordinary backward pass (gathering off) for reference
        runBatch(net, ds);
        double[] plainBatchGradient = gather(net, tp);
        assertThrows(IllegalStateException.class, () -> dp.get(0).perExampleCount());

        assertVectorClose(oracle.clippedSum(ones(m)), plainBatchGradient, TOL, "batch gradient = sum of g_i");

        DPLayers.enable(dp);
        runBatch(net, ds);
        for (double v : gather(net, tp)) {
            assertEquals(0.0, v, "with gathering the batch gradient is replaced by the book-keeping clipped sum");
        }
        assertVectorClose(plainBatchGradient, DPLayers.clippedSum(net, tp, dp, ones(m)), TOL,
                "clip factors 1 reproduce the ordinary batch gradient");
        double[] norms = DPLayers.squaredNorms(dp, m);
        for (int i = 0; i < m; i++) {
            if (i == 2) {
                assertEquals(0.0, norms[i], "masked example");
                assertEquals(0.0, oracle.squaredNorm(i));
            } else {
                assertRelClose(oracle.squaredNorm(i), norms[i], TOL, "||g_" + i + "||^2");
            }
        }
        // per-layer parts: LoRA B factor of layer 0 alone
        double[] layer0 = new double[m];
        dp.get(0).accumulateSquaredNorms(layer0);
        String name0 = net.getLayer(0).conf().getLayer().getLayerName();
        for (int i = 0; i < m; i++) {
            if (i != 2) {
                assertRelClose(oracle.squaredNorm(i, name0, "loraA") + oracle.squaredNorm(i, name0, "loraB"),
                        layer0[i], TOL, "layer 0 part of ||g_" + i + "||^2");
            }
        }
        double[] c = {0.3, 1.0, 0.7, 0.0, 2.5, 0.11, 1.0};
        assertVectorClose(oracle.clippedSum(c), DPLayers.clippedSum(net, tp, dp, c), TOL, "sum_i c_i g_i");
        dp.forEach(PerExampleGradientLayer::clearPerExampleState);
        assertThrows(IllegalStateException.class, () -> dp.get(1).accumulateSquaredNorms(new double[m]));
    }

    @Test
    void nonFiniteExampleIsExcludedWhenItsClipFactorIsZero() {
        MultiLayerNetwork net = mlp();
        int m = 5;
        INDArray x = TestData.features(D, 20, m, 6);
        x.getRow(3).assign(Double.NaN);
        INDArray y = TestData.oneHot(D, 21, m, 3);
        DataSet ds = new DataSet(x, y);
        PerExampleGradients oracle = PerExampleGradientLoop.collect(net, ds);
        List<PerExampleGradientLayer> dp = DPLayers.of(net.getLayers());
        TrainableParameters tp = TrainableParameters.of(net);
        DPLayers.enable(dp);
        runBatch(net, ds);
        double[] norms = DPLayers.squaredNorms(dp, m);
        assertTrue(Double.isNaN(norms[3]), "the NaN example must show a non-finite norm");
        double[] c = new double[m];
        for (int i = 0; i < m; i++) {
            c[i] = Double.isFinite(norms[i]) ? Math.min(1.0, 0.5 / Math.sqrt(norms[i])) : 0.0;
            if (i != 3) {
                assertRelClose(oracle.squaredNorm(i), norms[i], TOL, "||g_" + i + "||^2");
            }
        }
        assertVectorClose(oracle.clippedSum(c), DPLayers.clippedSum(net, tp, dp, c), TOL, "NaN example excluded");

        double[] none = new double[m];
        double[] zero = DPLayers.clippedSum(net, tp, dp, none);
        for (double v : zero) {
            assertEquals(0.0, v);
        }
        assertThrows(IllegalArgumentException.class, () -> dp.get(0).writeClippedSum(new double[]{1, 1, 1, -1, 1}));
        assertThrows(IllegalArgumentException.class, () -> dp.get(0).accumulateSquaredNorms(new double[m - 1]));
    }

    /**
     * Embedding -> LSTM (frozen by NoOp) -> LoRA on 3D -> full-rank dense on 3D -> sequence head, variable lengths.
     * Factor sizes make the LoRA factors use the direct per-example form and the dense/head factors the Gram form.
     */
    @Test
    void sequenceGraphWithVariableLengthsMatchesPerExampleLoop() {
        int t = 5;
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).dataType(D)
                .updater(new Adam(1e-3)).graphBuilder()
                .addInputs("tokens")
                .addLayer("emb", new EmbeddingSequenceLayer.Builder().nIn(12).nOut(5).updater(new NoOp()).build(),
                        "tokens")
                .addLayer("lstm", new LSTM.Builder().nIn(5).nOut(6).activation(Activation.TANH)
                        .updater(new NoOp()).build(), "emb")
                .addLayer("lora", new LoRADenseLayer.Builder().nIn(6).nOut(8).rank(2).alpha(4)
                        .activation(Activation.TANH).build(), "lstm")
                .addLayer("dense", new DPDenseLayer.Builder().nIn(8).nOut(30).activation(Activation.SIGMOID).build(),
                        "lora")
                .addLayer("out", new DPRnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(30).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("out")
                .setInputTypes(InputType.recurrent(12, t))
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        TestData.randomiseLoRAB(net.getLayer("lora"), 5);
        int m = 4;
        INDArray mask = TestData.lengthMask(D, t, 5, 2, 4, 1);
        INDArray tokens = Nd4j.createFromArray(new double[][]{{1, 4, 2, 7, 3}, {5, 6, 0, 0, 0}, {9, 1, 1, 8, 0},
                {11, 0, 0, 0, 0}});
        INDArray y = TestData.oneHotSequence(D, 31, m, 3, t);
        MultiDataSet ds = new MultiDataSet(new INDArray[]{tokens}, new INDArray[]{y}, new INDArray[]{mask},
                new INDArray[]{mask});
        checkGraph(net, ds, m, new double[]{1.0, 0.4, 0.0, 3.0});
    }

    /**
     * Embedding -> LoRA on 3D -> masked average pooling -> 2D head: per-example norms through a pooling layer (DL4J's
     * and this library's fast one).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void pooledSequenceGraphMatchesPerExampleLoop(boolean fastPooling) {
        int t = 6;
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(8).dataType(D)
                .updater(new Adam(1e-3)).graphBuilder()
                .addInputs("tokens")
                .addLayer("emb", new EmbeddingSequenceLayer.Builder().nIn(10).nOut(6).updater(new NoOp()).build(),
                        "tokens")
                .addLayer("rnn", new SimpleRnn.Builder().nIn(6).nOut(6).activation(Activation.TANH)
                        .updater(new NoOp()).build(), "emb")
                .addLayer("lora", new LoRADenseLayer.Builder().nIn(6).nOut(6).rank(2).alpha(8)
                        .activation(Activation.TANH).build(), "rnn")
                .addLayer("pool", fastPooling ? new FastGlobalPoolingLayer(PoolingType.AVG)
                        : new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "lora")
                .addLayer("out", new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out")
                .setInputTypes(InputType.recurrent(10, t))
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        TestData.randomiseLoRAB(net.getLayer("lora"), 6);
        int m = 3;
        INDArray mask = TestData.lengthMask(D, t, 6, 3, 1);
        INDArray tokens = Nd4j.createFromArray(new double[][]{{1, 2, 3, 4, 5, 6}, {7, 8, 9, 0, 0, 0},
                {3, 0, 0, 0, 0, 0}});
        INDArray y = TestData.oneHot(D, 41, m, 2);
        MultiDataSet ds = new MultiDataSet(new INDArray[]{tokens}, new INDArray[]{y}, new INDArray[]{mask}, null);
        checkGraph(net, ds, m, new double[]{0.2, 1.0, 0.6});
    }

    /** A converted pretrained network: the error reaches the lower adapter through a FrozenLayerWithBackprop. */
    @Test
    void convertedNetworkMatchesPerExampleLoop() {
        MultiLayerNetwork net = LoRA.apply(Pretrained.list(D), LoRASpec.builder().targets("dense1", "dense3").rank(2)
                .alpha(4).trainable("out").build());
        assertTrue(net.getLayer(3) instanceof org.deeplearning4j.nn.layers.FrozenLayerWithBackprop);
        TestData.randomiseLoRAB(net.getLayer(2), 71);
        TestData.randomiseLoRAB(net.getLayer(4), 72);
        checkList(net, Pretrained.data(D, 6, 73), 3, "dense1", new double[]{1.0, 0.5, 0.25, 0.0, 0.9, 0.3});
    }

    /**
     * Per-example squared norms and the clipped sum of a list network's DP layers (expectedLayers of them) against the
     * batch-of-one loop; every example's gradient must reach the adapter A of {@code lowestAdapter}.
     */
    private static void checkList(MultiLayerNetwork net, DataSet ds, int expectedLayers, String lowestAdapter,
                                  double[] c) {
        int m = (int) ds.getFeatures().size(0);
        PerExampleGradients oracle = PerExampleGradientLoop.collect(net, ds);
        List<PerExampleGradientLayer> dp = DPLayers.of(net.getLayers());
        assertEquals(expectedLayers, dp.size());
        TrainableParameters tp = TrainableParameters.of(net);
        DPLayers.enable(dp);
        runBatch(net, ds);
        double[] norms = DPLayers.squaredNorms(dp, m);
        for (int i = 0; i < m; i++) {
            assertTrue(oracle.squaredNorm(i, lowestAdapter, "loraA") > 0, "gradient reaches " + lowestAdapter);
            assertRelClose(oracle.squaredNorm(i), norms[i], TOL, "||g_" + i + "||^2");
        }
        assertVectorClose(oracle.clippedSum(c), DPLayers.clippedSum(net, tp, dp, c), TOL, "sum_i c_i g_i");
    }

    /**
     * A list network of stock layers with global pooling before a dense layer (DL4J puts a no-op RnnToFeedForward
     * pre-processor after the pooling): LoRA.apply adapts the dense layer on the pooled rows, and the per-example
     * gradients through the fast pooling match the batch-of-one loop.
     */
    @Test
    void pooledListNetworkConvertedByLoRAApplyMatchesPerExampleLoop() {
        int t = 5;
        MultiLayerNetwork pretrained = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(12).dataType(D)
                .updater(new Adam(1e-3)).list()
                .layer(new SimpleRnn.Builder().nIn(3).nOut(6).activation(Activation.TANH).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new DenseLayer.Builder().nIn(6).nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .build());
        pretrained.init();
        MultiLayerNetwork net = LoRA.apply(pretrained, LoRASpec.builder().targets("layer2").rank(2).alpha(4)
                .trainable("layer3").build());
        assertTrue(net.getLayer(1).conf().getLayer() instanceof FastGlobalPoolingLayer);
        TestData.randomiseLoRAB(net.getLayer(2), 81);
        int m = 4;
        DataSet ds = new DataSet(TestData.features(D, 82, m, 3, t), TestData.oneHot(D, 83, m, 2),
                TestData.lengthMask(D, t, 5, 2, 4, 1), null);
        checkList(net, ds, 2, "layer2", new double[]{1.0, 0.5, 0.0, 0.8});
    }

    /** Rows flattened by a preprocessor cannot be grouped by example: gathering must refuse (MultiLayerNetwork). */
    @Test
    void rowsFlattenedByPreprocessorAreRefused() {
        int t = 3;
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(9).dataType(D).list()
                .layer(new SimpleRnn.Builder().nIn(4).nOut(4).activation(Activation.TANH).build())
                .layer(new LoRADenseLayer.Builder().nIn(4).nOut(4).rank(2).activation(Activation.TANH).build())
                .layer(new DPRnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .inputPreProcessor(1, new org.deeplearning4j.nn.conf.preprocessor.RnnToFeedForwardPreProcessor())
                .inputPreProcessor(2, new org.deeplearning4j.nn.conf.preprocessor.FeedForwardToRnnPreProcessor())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        DPLayers.enable(DPLayers.of(net.getLayers()));
        net.setInput(TestData.features(D, 60, 2, 4, t));
        net.setLabels(TestData.oneHotSequence(D, 61, 2, 2, t));
        IllegalStateException e = assertThrows(IllegalStateException.class, net::computeGradientAndScore);
        assertTrue(e.getMessage().contains("preprocessor"), e.getMessage());
    }

    private static void checkGraph(ComputationGraph net, MultiDataSet ds, int m, double[] c) {
        PerExampleGradients oracle = PerExampleGradientLoop.collect(net, ds);
        List<PerExampleGradientLayer> dp = DPLayers.of(net.getLayers());
        TrainableParameters tp = TrainableParameters.of(net);
        DPLayers.enable(dp);
        net.setInputs(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.setLayerMaskArrays(ds.getFeaturesMaskArrays(), ds.getLabelsMaskArrays());
        net.computeGradientAndScore();
        assertVectorClose(oracle.clippedSum(ones(m)), DPLayers.clippedSum(net, tp, dp, ones(m)), TOL,
                "sum of g_i");
        double[] norms = DPLayers.squaredNorms(dp, m);
        for (int i = 0; i < m; i++) {
            assertTrue(oracle.squaredNorm(i) > 0, "example " + i + " must have a gradient");
            assertRelClose(oracle.squaredNorm(i), norms[i], TOL, "||g_" + i + "||^2");
        }
        assertVectorClose(oracle.clippedSum(c), DPLayers.clippedSum(net, tp, dp, c), TOL, "sum_i c_i g_i");
    }

    private static void runBatch(MultiLayerNetwork net, DataSet ds) {
        net.setInput(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.setLayerMaskArrays(ds.getFeaturesMaskArray(), ds.getLabelsMaskArray());
        net.computeGradientAndScore();
    }

    private static double[] gather(org.deeplearning4j.nn.api.Model net, TrainableParameters tp) {
        INDArray g = Nd4j.create(D, tp.dimension());
        tp.gather(net.gradient().gradient(), g);
        return g.toDoubleVector();
    }

    private static double[] ones(int m) {
        double[] c = new double[m];
        java.util.Arrays.fill(c, 1.0);
        return c;
    }
}
