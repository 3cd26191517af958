package io.dplora.updater;

import io.dplora.layers.DPOutputLayer;
import io.dplora.layers.LoRADenseLayer;
import org.deeplearning4j.nn.api.OptimizationAlgorithm;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The guard refuses every parameter change that would bypass the DP step, and names the layer, parameter and fix. */
class PrivacyGuardTest {

    private static final DataSet DATA = TestSupport.data(3, 12);
    private static final DPConfig CONFIG = DPConfig.builder().noiseMultiplier(1.0).delta(1e-5).maxGradNorm(1.0)
            .expectedBatchSize(4).steps(3).seed(5).build();

    private static ComputationGraph graph(Function<ComputationGraphConfiguration.GraphBuilder,
            ComputationGraphConfiguration.GraphBuilder> body) {
        return graph(new NeuralNetConfiguration.Builder(), body);
    }

    private static ComputationGraph graph(NeuralNetConfiguration.Builder base,
                                          Function<ComputationGraphConfiguration.GraphBuilder,
                                                  ComputationGraphConfiguration.GraphBuilder> body) {
        ComputationGraphConfiguration.GraphBuilder gb = base.seed(1).dataType(DataType.DOUBLE).updater(new Adam(0.01))
                .graphBuilder().addInputs("in")
                .addLayer("lora", new LoRADenseLayer.Builder().nIn(TestSupport.N_IN).nOut(6).rank(2).alpha(2)
                        .activation(Activation.TANH).build(), "in");
        ComputationGraph net = new ComputationGraph(body.apply(gb).build());
        net.init();
        return net;
    }

    private static DPOutputLayer dpHead(int nIn) {
        return new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(nIn).nOut(TestSupport.N_OUT)
                .activation(Activation.SOFTMAX).build();
    }

    private static IllegalStateException refused(ComputationGraph net) {
        ComputationGraphUpdater before = net.getUpdater();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DPLoRA.makePrivate(net, DATA, CONFIG));
        assertSame(before, net.getUpdater(), "a refused network must keep its updater");
        assertFalse(net.getUpdater() instanceof DPComputationGraphUpdater);
        return e;
    }

    @Test
    void stockTrainableOutputLayerIsRefusedByNameWithTheFix() {
        ComputationGraph net = graph(gb -> gb.addLayer("head", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nIn(6).nOut(TestSupport.N_OUT).activation(Activation.SOFTMAX).build(), "lora").setOutputs("head"));
        IllegalStateException e = refused(net);
        assertTrue(e.getMessage().contains("'head'"), e.getMessage());
        assertTrue(e.getMessage().contains("parameter 'W'"), e.getMessage());
        assertTrue(e.getMessage().contains("LoRA.apply") && e.getMessage().contains("DPOutputLayer")
                && e.getMessage().contains("freeze"), e.getMessage());
    }

    @Test
    void stockOutputLayerInAMultiLayerNetworkIsRefused() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE)
                .updater(new Adam(0.01)).list()
                .layer(new LoRADenseLayer.Builder().nIn(TestSupport.N_IN).nOut(6).rank(2).alpha(2).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(TestSupport.N_OUT)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DPLoRA.makePrivate(net, DATA, CONFIG));
        assertTrue(e.getMessage().contains("OutputLayer") && e.getMessage().contains("'W'"), e.getMessage());
        assertFalse(net.getUpdater() instanceof DPMultiLayerUpdater);
    }

    @Test
    void batchNormalizationIsRefused() {
        ComputationGraph net = graph(gb -> gb.addLayer("bn", new BatchNormalization.Builder().nOut(6).build(), "lora")
                .addLayer("out", dpHead(6), "bn").setOutputs("out"));
        IllegalStateException e = refused(net);
        assertTrue(e.getMessage().contains("BatchNormalization") && e.getMessage().contains("'bn'"), e.getMessage());
    }

    @Test
    void batchNormalizationInsideFrozenLayerWithBackpropIsRefused() {
        ComputationGraph net = graph(gb -> gb.addLayer("bn", new FrozenLayerWithBackprop(
                        new BatchNormalization.Builder().nOut(6).build()), "lora")
                .addLayer("out", dpHead(6), "bn").setOutputs("out"));
        IllegalStateException e = refused(net);
        assertTrue(e.getMessage().contains("BatchNormalization") && e.getMessage().contains("FrozenLayer"),
                e.getMessage());
    }

    @Test
    void batchNormalizationFrozenBelowEveryTrainedLayerIsAcceptedAndKeepsItsStatistics() {
        // a pretrained base: frozen dense -> frozen BN (inference mode) -> LoRA -> DP head
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1)
                .dataType(DataType.DOUBLE).updater(new Adam(0.01)).graphBuilder().addInputs("in")
                .addLayer("dense", new FrozenLayer(new DenseLayer.Builder().nIn(TestSupport.N_IN).nOut(6)
                        .activation(Activation.TANH).build()), "in")
                .addLayer("bn", new FrozenLayer(new BatchNormalization.Builder().nOut(6).build()), "dense")
                .addLayer("lora", new LoRADenseLayer.Builder().nIn(6).nOut(6).rank(2).alpha(2)
                        .activation(Activation.TANH).build(), "bn")
                .addLayer("out", dpHead(6), "lora").setOutputs("out").build());
        net.init();
        INDArray frozenBefore = net.getLayer("bn").params().dup();
        INDArray denseBefore = net.getLayer("dense").params().dup();
        INDArray loraBBefore = net.getLayer("lora").getParam("loraB").dup();
        PrivateTraining training = DPLoRA.makePrivate(net, DATA, CONFIG);
        training.fit();
        assertEquals(frozenBefore, net.getLayer("bn").params(), "running statistics and BN parameters must not move");
        assertEquals(denseBefore, net.getLayer("dense").params());
        assertNotEquals(loraBBefore, net.getLayer("lora").getParam("loraB"), "the LoRA layer must train");
        assertEquals(3, training.stepsTaken());
    }

    @Test
    void regularisationInsideFrozenLayerWithBackpropIsRefused() {
        ComputationGraph net = graph(gb -> gb.addLayer("frozen", new FrozenLayerWithBackprop(new DenseLayer.Builder()
                        .nIn(6).nOut(5).l2(0.1).activation(Activation.TANH).build()), "lora")
                .addLayer("out", dpHead(5), "frozen").setOutputs("out"));
        IllegalStateException e = refused(net);
        assertTrue(e.getMessage().contains("'frozen'") && e.getMessage().contains("regularisation")
                && e.getMessage().contains("FrozenLayerWithBackprop"), e.getMessage());
    }

    @Test
    void gradientNormalisationOnADpLayerIsRefused() {
        ComputationGraph net = graph(gb -> gb.addLayer("out", new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(6).nOut(TestSupport.N_OUT).activation(Activation.SOFTMAX)
                        .gradientNormalization(GradientNormalization.ClipL2PerLayer).gradientNormalizationThreshold(1.0)
                        .build(), "lora").setOutputs("out"));
        IllegalStateException e = refused(net);
        assertTrue(e.getMessage().contains("gradient normalisation") && e.getMessage().contains("'out'"),
                e.getMessage());
    }

    @Test
    void lineSearchOptimisersAreRefused() {
        ComputationGraph net = graph(new NeuralNetConfiguration.Builder()
                        .optimizationAlgo(OptimizationAlgorithm.LBFGS),
                gb -> gb.addLayer("out", dpHead(6), "lora").setOutputs("out"));
        assertTrue(refused(net).getMessage().contains("LBFGS"));
    }

    @Test
    void modelWithoutTrainableDpParameterIsRefused() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE)
                .updater(new Adam(0.01)).list()
                .layer(new DenseLayer.Builder().nIn(TestSupport.N_IN).nOut(6).updater(new NoOp()).build())
                .layer(new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(TestSupport.N_OUT)
                        .activation(Activation.SOFTMAX).trainable(false).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DPLoRA.makePrivate(net, DATA, CONFIG));
        assertTrue(e.getMessage().contains("no trainable DP parameter"), e.getMessage());
    }

    @Test
    void acceptedFrozenLayersStayBitIdenticalEvenWithANoOpUpdaterThatDl4jWouldApply() {
        // A NoOp updater alone does not freeze a DL4J layer (the raw gradient would be subtracted); the DP step must
        // leave such a layer, and a FrozenLayerWithBackprop with an inner Adam updater, exactly where they were.
        ComputationGraph net = graph(gb -> gb
                .addLayer("noop", new DenseLayer.Builder().nIn(6).nOut(5).updater(new NoOp())
                        .activation(Activation.TANH).build(), "lora")
                .addLayer("frozen", new FrozenLayerWithBackprop(new DenseLayer.Builder().nIn(5).nOut(5)
                        .activation(Activation.TANH).build()), "noop")
                .addLayer("out", dpHead(5), "frozen").setOutputs("out"));
        TestSupport.randomiseLoraB(3, net.getLayer("lora"));
        INDArray noop = net.getLayer("noop").params().dup();
        INDArray frozen = net.getLayer("frozen").params().dup();
        INDArray head = net.getLayer("out").params().dup();
        PrivateTraining t = DPLoRA.makePrivate(net, DATA, CONFIG);
        t.fit();
        assertEquals(3, t.stepsTaken());
        assertEquals(noop, net.getLayer("noop").params());
        assertEquals(frozen, net.getLayer("frozen").params());
        assertFalse(head.equals(net.getLayer("out").params()), "the DP head must train");
        assertEquals(2, t.updater().dpLayerNames().size());
    }

    @Test
    void guardCanBeCalledOnItsOwn() {
        ComputationGraph ok = graph(gb -> gb.addLayer("out", dpHead(6), "lora").setOutputs("out"));
        PrivacyGuard.check(ok);
        ComputationGraph bad = graph(gb -> gb.addLayer("head", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nIn(6).nOut(TestSupport.N_OUT).activation(Activation.SOFTMAX).build(), "lora").setOutputs("head"));
        assertThrows(IllegalStateException.class, () -> PrivacyGuard.check(bad));
    }

    @Test
    void attachingTwiceIsRefused() {
        ComputationGraph net = graph(gb -> gb.addLayer("out", dpHead(6), "lora").setOutputs("out"));
        DPLoRA.makePrivate(net, DATA, CONFIG);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DPLoRA.makePrivate(net, DATA, CONFIG));
        assertTrue(e.getMessage().contains("already attached"));
    }
}
