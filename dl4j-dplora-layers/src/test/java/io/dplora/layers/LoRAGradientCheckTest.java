package io.dplora.layers;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backprop of the LoRA layer and the DP heads against central finite differences (DL4J's GradientCheckUtil, double
 * precision). Frozen parameters are excluded from the check (their analytic gradient is 0 by design) and checked to
 * have an all-zero gradient slice instead.
 */
class LoRAGradientCheckTest {

    private static final DataType D = DataType.DOUBLE;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(D, D);
    }

    private static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(12345).dataType(D).updater(new NoOp());
    }

    private static LoRADenseLayer lora(int nIn, int nOut, LoRAMode mode) {
        return new LoRADenseLayer.Builder().nIn(nIn).nOut(nOut).rank(2).alpha(3).mode(mode)
                .activation(Activation.TANH).build();
    }

    @ParameterizedTest
    @EnumSource(LoRAMode.class)
    void mlp2dInMultiLayerNetwork(LoRAMode mode) {
        MultiLayerConfiguration conf = base().list()
                .layer(lora(5, 4, mode))
                .layer(new DPDenseLayer.Builder().nIn(4).nOut(4).activation(Activation.SIGMOID).build())
                .layer(new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        TestData.randomiseLoRAB(net.getLayer(0), 7);
        INDArray x = TestData.features(D, 1, 6, 5);
        INDArray y = TestData.oneHot(D, 2, 6, 3);
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
                .excludeParams(frozen("0", mode)).maxRelError(1e-5).minAbsoluteError(1e-9).exitOnFirstError(true)), "gradient check failed");
        assertFrozenSlicesZero(net.getLayer(0), mode);
    }

    @ParameterizedTest
    @EnumSource(LoRAMode.class)
    void mlp2dInComputationGraphWithBiaslessHead(LoRAMode mode) {
        ComputationGraphConfiguration conf = base().graphBuilder()
                .addInputs("in")
                .addLayer("lora", lora(5, 4, mode), "in")
                .addLayer("out", new DPOutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(4).nOut(2)
                        .hasBias(false).activation(Activation.IDENTITY).build(), "lora")
                .setOutputs("out")
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        TestData.randomiseLoRAB(net.getLayer("lora"), 7);
        INDArray x = TestData.features(D, 3, 4, 5);
        INDArray y = TestData.features(D, 4, 4, 2);
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(net)
                .inputs(new INDArray[]{x}).labels(new INDArray[]{y})
                .excludeParams(frozen("lora", mode)).maxRelError(1e-5).minAbsoluteError(1e-9).exitOnFirstError(true)), "gradient check failed");
        assertFrozenSlicesZero(net.getLayer("lora"), mode);
    }

    @ParameterizedTest
    @EnumSource(LoRAMode.class)
    void sequencesWithMasksInMultiLayerNetwork(LoRAMode mode) {
        int t = 5;
        MultiLayerConfiguration conf = base().list()
                .layer(lora(4, 4, mode))
                .layer(new DPRnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(4, t))
                .build();
        assertEquals(0, conf.getInputPreProcessors().size(), "LoRA layer must take sequences natively");
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        TestData.randomiseLoRAB(net.getLayer(0), 9);
        INDArray mask = TestData.lengthMask(D, t, 5, 3, 1);
        INDArray x = TestData.applyMaskNcw(TestData.features(D, 5, 3, 4, t), mask);
        INDArray y = TestData.oneHotSequence(D, 6, 3, 3, t);
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
                .inputMask(mask).labelMask(mask)
                .excludeParams(frozen("0", mode)).maxRelError(1e-5).minAbsoluteError(1e-9).exitOnFirstError(true)), "gradient check failed");
        assertFrozenSlicesZero(net.getLayer(0), mode);
    }

    @ParameterizedTest
    @EnumSource(LoRAMode.class)
    void sequencesWithMasksInComputationGraphNwc(LoRAMode mode) {
        int t = 4;
        ComputationGraphConfiguration conf = base().graphBuilder()
                .addInputs("in")
                .addLayer("lora", new LoRADenseLayer.Builder().nIn(3).nOut(4).rank(2).alpha(4).mode(mode)
                        .activation(Activation.SIGMOID).build(), "in")
                .addLayer("dense", new DPDenseLayer.Builder().nIn(4).nOut(3).activation(Activation.TANH).build(),
                        "lora")
                .addLayer("out", new DPRnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(3).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("out")
                .setInputTypes(InputType.recurrent(3, t, RNNFormat.NWC))
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        TestData.randomiseLoRAB(net.getLayer("lora"), 11);
        INDArray mask = TestData.lengthMask(D, t, 2, 4, 3);
        INDArray xNcw = TestData.applyMaskNcw(TestData.features(D, 7, 3, 3, t), mask);
        INDArray x = xNcw.permute(0, 2, 1).dup();
        INDArray y = TestData.oneHotSequence(D, 8, 3, 2, t).permute(0, 2, 1).dup();
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(net)
                .inputs(new INDArray[]{x}).labels(new INDArray[]{y})
                .inputMask(new INDArray[]{mask}).labelMask(new INDArray[]{mask})
                .excludeParams(frozen("lora", mode)).maxRelError(1e-5).minAbsoluteError(1e-9).exitOnFirstError(true)), "gradient check failed");
        assertFrozenSlicesZero(net.getLayer("lora"), mode);
    }

    /** LoRA-path dropout and input dropout: the RNG is reseeded before every pass so all passes see the same masks. */
    @Test
    void loraDropoutAndInputDropoutWithFixedMasks() {
        MultiLayerConfiguration conf = base().list()
                .layer(new DPDenseLayer.Builder().nIn(5).nOut(5).activation(Activation.TANH).build())
                .layer(new LoRADenseLayer.Builder().nIn(5).nOut(4).rank(2).alpha(3).loraDropout(0.4).dropOut(0.7)
                        .activation(Activation.TANH).build())
                .layer(new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        TestData.randomiseLoRAB(net.getLayer(1), 17);
        INDArray x = TestData.features(D, 14, 6, 5);
        INDArray y = TestData.oneHot(D, 15, 6, 3);
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
                .callEachIter(n -> Nd4j.getRandom().setSeed(4242))
                .excludeParams(frozen("1", LoRAMode.VANILLA)).maxRelError(1e-5).minAbsoluteError(1e-9)
                .exitOnFirstError(true)), "gradient check failed");
        // the masks really drop something: training-mode output differs from inference output
        Nd4j.getRandom().setSeed(1);
        assertTrue(!net.output(x, true).equalsWithEps(net.output(x, false), 1e-6));
    }

    @Test
    void frozenHeadPassesGradientsBelowAndHasZeroSlice() {
        MultiLayerConfiguration conf = base().list()
                .layer(new DPDenseLayer.Builder().nIn(4).nOut(3).activation(Activation.TANH).build())
                .layer(new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(3).nOut(3)
                        .activation(Activation.SOFTMAX).trainable(false).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray x = TestData.features(D, 12, 5, 4);
        INDArray y = TestData.oneHot(D, 13, 5, 3);
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
                .excludeParams(Set.of("1_W", "1_b")).maxRelError(1e-5).minAbsoluteError(1e-9).exitOnFirstError(true)), "gradient check failed");
        assertEquals(0.0, net.getLayer(1).getGradientsViewArray().amaxNumber().doubleValue());
    }

    /** Keys GradientCheckUtil must skip: the frozen parameters, whose analytic gradient is 0 by design. */
    private static Set<String> frozen(String layer, LoRAMode mode) {
        return mode == LoRAMode.FFA ? Set.of(layer + "_W", layer + "_b", layer + "_loraA")
                : Set.of(layer + "_W", layer + "_b");
    }

    private static void assertFrozenSlicesZero(org.deeplearning4j.nn.api.Layer layer, LoRAMode mode) {
        INDArray grads = layer.getGradientsViewArray();
        assertTrue(grads.amaxNumber().doubleValue() > 0, "trainable gradient expected");
        LoRADenseLayer conf = (LoRADenseLayer) layer.conf().getLayer();
        long frozen = conf.getNIn() * conf.getNOut() + conf.getNOut()
                + (mode == LoRAMode.FFA ? conf.getNIn() * conf.getRank() : 0);
        assertEquals(0.0, grads.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, frozen))
                .amaxNumber().doubleValue(), "frozen gradient slice must stay zero");
    }
}
