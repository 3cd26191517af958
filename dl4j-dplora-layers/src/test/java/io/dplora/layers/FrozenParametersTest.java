package io.dplora.layers;

import io.dplora.layers.grad.TrainableParameters;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frozen parameters (LoRA W0/b, A in FFA mode, frozen layers incl. BatchNormalization statistics, frozen heads) stay
 * bit-identical through several Adam steps with L2 or weight decay configured globally, while trainable ones move.
 */
class FrozenParametersTest {

    private static final DataType F = DataType.FLOAT;

    @Test
    void loraLayersBuiltDirectlyIgnoreGlobalL2() {
        checkFrozen(direct(new NeuralNetConfiguration.Builder().l2(0.5).l2Bias(0.5)), Pretrained.data(F, 8, 1));
    }

    @Test
    void loraLayersBuiltDirectlyIgnoreGlobalWeightDecay() {
        checkFrozen(direct(new NeuralNetConfiguration.Builder().weightDecay(0.5).weightDecayBias(0.5)),
                Pretrained.data(F, 8, 2));
    }

    /** The pretrained graph has global L2 (and dropout in two layers); frozen wrappers must not apply it. */
    @Test
    void convertedGraphWithGlobalL2() {
        ComputationGraph net = LoRA.apply(Pretrained.graph(F), LoRASpec.builder().targets("dense1", "dense3").rank(2)
                .alpha(4).mode(LoRAMode.FFA).trainable("out").build());
        checkFrozen(net, Pretrained.data(F, 8, 3));
    }

    /** The pretrained list has global weight decay; the head is left frozen (a frozen DP head). */
    @Test
    void convertedListWithGlobalWeightDecayAndFrozenHead() {
        MultiLayerNetwork net = LoRA.apply(Pretrained.list(F), LoRASpec.builder().targets("dense1", "dense3").rank(2)
                .alpha(4).build());
        assertTrue(!((DPOutputLayer) net.getLayer(5).conf().getLayer()).isTrainable());
        checkFrozen(net, Pretrained.data(F, 8, 4));
    }

    private static MultiLayerNetwork direct(NeuralNetConfiguration.Builder global) {
        MultiLayerConfiguration conf = global.seed(5).dataType(F).updater(new Adam(0.05)).list()
                .layer(new LoRADenseLayer.Builder().nIn(Pretrained.N_IN).nOut(5).rank(2).alpha(2)
                        .activation(Activation.TANH).build())
                .layer(new LoRADenseLayer.Builder().nIn(5).nOut(5).rank(2).alpha(2).mode(LoRAMode.FFA)
                        .activation(Activation.TANH).build())
                .layer(new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(Pretrained.N_OUT)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static void checkFrozen(Model net, DataSet ds) {
        INDArray before = net.params().dup();
        TrainableParameters tp = net instanceof ComputationGraph ? TrainableParameters.of((ComputationGraph) net)
                : TrainableParameters.of((MultiLayerNetwork) net);
        boolean[] trainable = new boolean[(int) before.length()];
        for (TrainableParameters.Segment s : tp.segments()) {
            for (long j = s.offset(); j < s.offset() + s.length(); j++) {
                trainable[(int) j] = true;
            }
        }
        for (int i = 0; i < 5; i++) {
            if (net instanceof ComputationGraph) {
                ((ComputationGraph) net).fit(ds);
            } else {
                ((MultiLayerNetwork) net).fit(ds);
            }
        }
        float[] b = before.toFloatVector();
        float[] a = net.params().toFloatVector();
        int moved = 0;
        for (int j = 0; j < a.length; j++) {
            if (trainable[j]) {
                moved += a[j] != b[j] ? 1 : 0;
            } else {
                assertEquals(Float.floatToIntBits(b[j]), Float.floatToIntBits(a[j]), "frozen coordinate " + j
                        + " moved");
            }
        }
        assertTrue(moved > tp.dimension() / 2, "trainable parameters must move (" + moved + " of " + tp.dimension()
                + ")");
        assertTrue(tp.dimension() < a.length, "some parameters are frozen");
    }
}
