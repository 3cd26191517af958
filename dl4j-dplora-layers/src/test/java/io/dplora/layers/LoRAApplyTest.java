package io.dplora.layers;

import io.dplora.layers.grad.TrainableParameters;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToRnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.RnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LoRA.apply on pretrained networks: layer types, equivalence at B = 0, independence from the original, errors. */
class LoRAApplyTest {

    private static final DataType F = DataType.FLOAT;

    private static LoRASpec spec() {
        return LoRASpec.builder().targets("dense1", "dense3").rank(2).alpha(4).trainable("out").build();
    }

    @Test
    void graphConversionKeepsOutputsAndFreezesEverythingElse() {
        ComputationGraph base = Pretrained.graph(F);
        INDArray baseParams = base.params().dup();
        INDArray x = TestData.features(F, 5, 9, Pretrained.N_IN);
        INDArray expected = base.outputSingle(x);

        ComputationGraph net = LoRA.apply(base, spec());
        assertInstanceOf(LoRADenseLayer.class, net.getLayer("dense1").conf().getLayer());
        assertInstanceOf(LoRADenseLayer.class, net.getLayer("dense3").conf().getLayer());
        assertInstanceOf(DPOutputLayer.class, net.getLayer("out").conf().getLayer());
        assertInstanceOf(FrozenLayer.class, net.getLayer("dense0"), "nothing trainable below dense0");
        assertInstanceOf(FrozenLayer.class, net.getLayer("bn"));
        assertInstanceOf(FrozenLayerWithBackprop.class, net.getLayer("dense2"), "dense2 lies between adapters");
        assertEquals(0, net.getConfiguration().getIterationCount());

        INDArray actual = net.outputSingle(x);
        assertTrue(expected.equalsWithEps(actual, 1e-6), "B = 0: converted output equals pretrained output");
        assertEquals(0.0, net.getLayer("dense1").getParam("loraB").amaxNumber().doubleValue());

        // no shared arrays: changing the converted network leaves the original untouched
        net.getLayer("dense1").getParam("W").addi(1.0);
        net.getLayer("out").getParam("W").addi(1.0);
        assertEquals(baseParams, base.params());
        assertEquals(expected, base.outputSingle(x));
    }

    @Test
    void listConversionTrainsOnlyAdaptersAndHead() {
        MultiLayerNetwork base = Pretrained.list(F);
        INDArray x = TestData.features(F, 6, 5, Pretrained.N_IN);
        INDArray expected = base.output(x);
        MultiLayerNetwork net = LoRA.apply(base, LoRASpec.builder().targets(n -> n.equals("dense1") || n.equals("dense3"))
                .rank(2).alpha(4).mode(LoRAMode.FFA).trainable("out").updater(new Sgd(0.1)).build());
        assertTrue(expected.equalsWithEps(net.output(x), 1e-6));
        TrainableParameters tp = TrainableParameters.of(net);
        long expectedTrainable = 2 * 8 + 2 * 6 /* loraB only (FFA) */ + 6 * 3 + 3;
        assertEquals(expectedTrainable, tp.dimension());
        assertEquals(new Sgd(0.1), ((LoRADenseLayer) net.getLayer(2).conf().getLayer()).getIUpdater());
        assertEquals(0, DPLayers.of(net.getLayers()).stream().filter(l -> l.isPerExampleGradientsEnabled()).count());
    }

    @Test
    void sequenceDenseLayersBecomeNativeAndPreprocessorsAreRewired() {
        int t = 4;
        MultiLayerNetwork base = Pretrained.sequenceList(F, t);
        assertInstanceOf(RnnToFeedForwardPreProcessor.class, base.getLayerWiseConfigurations().getInputPreProcess(1));
        assertInstanceOf(FeedForwardToRnnPreProcessor.class, base.getLayerWiseConfigurations().getInputPreProcess(3));
        INDArray mask = TestData.lengthMask(F, t, 4, 2, 3);
        INDArray x = TestData.applyMaskNcw(TestData.features(F, 7, 3, Pretrained.N_IN, t), mask);
        INDArray expected = base.output(x, false, mask, mask);

        MultiLayerNetwork net = LoRA.apply(base, LoRASpec.builder().targets("dense").rank(2).alpha(2)
                .trainable("out").build());
        assertNull(net.getLayerWiseConfigurations().getInputPreProcess(1), "LoRA layer takes sequences natively");
        assertInstanceOf(RnnToFeedForwardPreProcessor.class, net.getLayerWiseConfigurations().getInputPreProcess(2),
                "frozen dense2 sees the same rows as before");
        assertEquals(org.deeplearning4j.nn.conf.RNNFormat.NCW,
                ((LoRADenseLayer) net.getLayer(1).conf().getLayer()).getRnnDataFormat());
        INDArray actual = net.output(x, false, mask, mask);
        assertTrue(expected.equalsWithEps(actual, 1e-6), "B = 0: same output on masked sequences");

        // the LoRA layer now groups rows by example: 3 examples, not 3 * T rows
        DPLayers.enable(DPLayers.of(net.getLayers()));
        net.setInput(x);
        net.setLabels(TestData.oneHotSequence(F, 8, 3, Pretrained.N_OUT, t));
        net.setLayerMaskArrays(mask, mask);
        net.computeGradientAndScore();
        for (PerExampleGradientLayer l : DPLayers.of(net.getLayers())) {
            assertEquals(3, l.perExampleCount());
        }
    }

    @Test
    void trainableDenseLayerBehindPreprocessorBecomesNativeToo() {
        int t = 3;
        MultiLayerNetwork base = Pretrained.sequenceList(F, t);
        MultiLayerNetwork net = LoRA.apply(base, LoRASpec.builder().targets("dense").rank(2).trainable("dense2", "out")
                .build());
        assertInstanceOf(DPDenseLayer.class, net.getLayer(2).conf().getLayer());
        assertNull(net.getLayerWiseConfigurations().getInputPreProcess(2));
        assertNull(net.getLayerWiseConfigurations().getInputPreProcess(3));
        INDArray x = TestData.features(F, 9, 2, Pretrained.N_IN, t);
        assertTrue(base.output(x).equalsWithEps(net.output(x), 1e-6));
    }

    @Test
    void errorsNameTheOffendingLayer() {
        ComputationGraph base = Pretrained.graph(F);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoRA.apply(base, LoRASpec.builder().targets("dense9").build()));
        assertTrue(e.getMessage().contains("dense9"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LoRA.apply(base, LoRASpec.builder().targets("out").rank(2).build()));
        assertTrue(e.getMessage().contains("'out'") && e.getMessage().contains("not a DenseLayer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LoRA.apply(base, LoRASpec.builder().targets("dense1").rank(2).trainable("bn").build()));
        assertTrue(e.getMessage().contains("'bn'") && e.getMessage().contains("BatchNormalization"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LoRA.apply(base, LoRASpec.builder().targets("dense1").rank(2).trainable("nothere").build()));
        assertTrue(e.getMessage().contains("nothere"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LoRA.apply(base, LoRASpec.builder().targets("dense1").rank(9).build()));
        assertTrue(e.getMessage().contains("rank"), e.getMessage());
        // a BatchNormalization above a LoRA target becomes its exact inference-mode map (per-example backprop)
        ComputationGraph belowBn = LoRA.apply(base, LoRASpec.builder().targets("dense0").rank(2).build());
        assertTrue(belowBn.getLayer("bn").conf().getLayer() instanceof FrozenBatchNormLayer);
        INDArray x = TestData.features(F, 31, 4, Pretrained.N_IN);
        assertTrue(base.outputSingle(x).equalsWithEps(belowBn.outputSingle(x), 1e-5), "inference output kept");
        assertEquals(belowBn.getConfiguration(), org.deeplearning4j.nn.conf.ComputationGraphConfiguration.fromJson(
                belowBn.getConfiguration().toJson()), "JSON round trip keeps the folded statistics");
        e = assertThrows(IllegalArgumentException.class,
                () -> LoRA.apply(base, LoRASpec.builder().targets(n -> n.startsWith("conv")).build()));
        assertTrue(e.getMessage().contains("selects no layer"), e.getMessage());

        ComputationGraph lora = LoRA.apply(base, spec());
        e = assertThrows(IllegalArgumentException.class, () -> LoRA.apply(lora, LoRASpec.builder().targets("dense2")
                .rank(2).build()));
        assertTrue(e.getMessage().contains("already has a LoRA adapter"), e.getMessage());
    }

    @Test
    void sequenceOutputLayerAppliedPerStepIsRefusedAsDPHead() {
        int t = 3;
        org.deeplearning4j.nn.conf.MultiLayerConfiguration conf = new org.deeplearning4j.nn.conf.NeuralNetConfiguration
                .Builder().seed(1).dataType(F).list()
                .layer(new org.deeplearning4j.nn.conf.layers.LSTM.Builder().name("lstm").nOut(4).build())
                .layer(new DenseLayer.Builder().name("dense").nOut(4).build())
                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().name("out").nOut(2).build())
                .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.recurrent(3, t))
                .build();
        MultiLayerNetwork base = new MultiLayerNetwork(conf);
        base.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoRA.apply(base, LoRASpec.builder().targets("dense").rank(2).build()));
        assertTrue(e.getMessage().contains("'out'"), e.getMessage());
    }

    @Test
    void convertedParametersAreIndependentCopiesEvenAfterTraining() {
        ComputationGraph base = Pretrained.graph(F);
        INDArray before = base.params().dup();
        ComputationGraph net = LoRA.apply(base, spec());
        DataSet ds = Pretrained.data(F, 8, 11);
        for (int i = 0; i < 3; i++) {
            net.fit(ds);
        }
        assertEquals(before, base.params());
        assertNotEquals(0.0, net.getLayer("dense1").getParam("loraB").amaxNumber().doubleValue());
        Layer out = net.getLayer("out");
        assertNotEquals(base.getLayer("out").getParam("W"), out.getParam("W"), "head was trained");
    }
}
