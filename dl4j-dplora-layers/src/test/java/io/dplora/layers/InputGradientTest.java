package io.dplora.layers;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14: a LoRA/DP dense layer fed only by a network input skips the input gradient delta W^T that DL4J would
 * drop (the largest GEMM of a wide first layer's backward pass). {@code LoRA.apply} marks exactly those layers; every
 * parameter gradient stays bit-identical to the network that computes the input gradient, and a layer whose input is
 * shared, or comes through another layer, keeps computing it.
 */
class InputGradientTest {

    private static final LoRASpec SPEC = LoRASpec.builder().targets("dense0", "dense2").rank(2).alpha(4)
            .trainable("out").seed(7L).build();

    private static boolean inputGradient(org.deeplearning4j.nn.api.Layer l) {
        return ((BaseDPDenseLayer) l.conf().getLayer()).isInputGradient();
    }

    /** The training gradient of {@code d}; ND4J's generator reseeded so that the targets' dropout masks repeat. */
    private static INDArray gradients(Model net, DataSet d) {
        org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(42);
        if (net instanceof ComputationGraph g) {
            g.setInputs(d.getFeatures());
            g.setLabels(d.getLabels());
            g.computeGradientAndScore();
        } else {
            MultiLayerNetwork m = (MultiLayerNetwork) net;
            m.setInput(d.getFeatures());
            m.setLabels(d.getLabels());
            m.computeGradientAndScore();
        }
        return net.gradient().gradient().dup();
    }

    @Test
    void aGraphTargetFedByTheInputSkipsItAndEveryParameterGradientIsUnchanged() {
        ComputationGraph net = (ComputationGraph) LoRA.apply(Pretrained.graph(DataType.DOUBLE), SPEC);
        assertFalse(inputGradient(net.getLayer("dense0")), "fed by the network input only");
        assertTrue(inputGradient(net.getLayer("dense2")), "fed by another layer");
        TestData.randomiseLoRAB(net.getLayer("dense0"), 3);
        TestData.randomiseLoRAB(net.getLayer("dense2"), 4);
        ComputationGraph withInputGradient = net.clone();
        ((BaseDPDenseLayer) withInputGradient.getLayer("dense0").conf().getLayer()).setInputGradient(true);
        DataSet d = Pretrained.data(DataType.DOUBLE, 9, 5);
        INDArray expected = gradients(withInputGradient, d);
        assertTrue(expected.norm2Number().doubleValue() > 0);
        assertEquals(expected, gradients(net, d), "bit-identical parameter gradients");
        assertEquals(withInputGradient.score(), net.score());
    }

    @Test
    void aListsFirstLayerSkipsItAndDl4jReportsNoInputGradient() {
        MultiLayerNetwork net = (MultiLayerNetwork) LoRA.apply(Pretrained.list(DataType.DOUBLE), SPEC);
        assertFalse(inputGradient(net.getLayer(0)));
        assertTrue(inputGradient(net.getLayer(3)));
        TestData.randomiseLoRAB(net.getLayer(0), 3);
        MultiLayerNetwork withInputGradient = net.clone();
        ((BaseDPDenseLayer) withInputGradient.getLayer(0).conf().getLayer()).setInputGradient(true);
        DataSet d = Pretrained.data(DataType.DOUBLE, 9, 6);
        assertEquals(gradients(withInputGradient, d), gradients(net, d), "bit-identical parameter gradients");
        Pair<Gradient, INDArray> skipped = net.calculateGradients(d.getFeatures(), d.getLabels(), null, null);
        Pair<Gradient, INDArray> full = withInputGradient.calculateGradients(d.getFeatures(), d.getLabels(), null,
                null);
        assertNull(skipped.getSecond(), "documented: no gradient for the network input");
        assertNotNull(full.getSecond());
        assertTrue(net.getLayerWiseConfigurations().toJson().contains("\"inputGradient\" : false"), "in the JSON");
    }

    @Test
    void aHandSetFlagOnALayerAboveAnotherFailsLoudlyNamingTheCause() {
        MultiLayerNetwork net = (MultiLayerNetwork) LoRA.apply(Pretrained.list(DataType.DOUBLE),
                LoRASpec.builder().targets("dense1", "dense2").rank(2).trainable("out").build());
        ((BaseDPDenseLayer) net.getLayer(3).conf().getLayer()).setInputGradient(false); // dense2, above dense1
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> gradients(net, Pretrained.data(DataType.DOUBLE, 4, 7)));
        assertTrue(e.getMessage().contains("dense1") && e.getMessage().contains("inputGradient(false)"),
                e.getMessage());
    }

    @Test
    void anInputThatFeedsTwoLayersKeepsItsGradientInBoth() {
        ComputationGraph base = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1)
                .dataType(DataType.DOUBLE).updater(new Adam(1e-2)).graphBuilder()
                .addInputs("in")
                .addLayer("a", new DenseLayer.Builder().nIn(Pretrained.N_IN).nOut(4).activation(Activation.TANH)
                        .build(), "in")
                .addLayer("b", new DenseLayer.Builder().nIn(Pretrained.N_IN).nOut(4).activation(Activation.TANH)
                        .build(), "in")
                .addVertex("merge", new MergeVertex(), "a", "b")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8)
                        .nOut(Pretrained.N_OUT).activation(Activation.SOFTMAX).build(), "merge")
                .setOutputs("out").build());
        base.init();
        ComputationGraph net = (ComputationGraph) LoRA.apply(base, LoRASpec.builder().targets("a", "b").rank(2)
                .trainable("out").build());
        assertTrue(inputGradient(net.getLayer("a")) && inputGradient(net.getLayer("b")));
        gradients(net, Pretrained.data(DataType.DOUBLE, 4, 2)); // backprop through the shared input works
    }
}
