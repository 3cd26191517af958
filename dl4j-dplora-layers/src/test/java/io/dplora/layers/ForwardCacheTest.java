package io.dplora.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backprop right after a training forward pass reuses the forward intermediates; after an inference forward pass
 * it must recompute them. Both paths must give the same gradients and epsilon.
 */
class ForwardCacheTest {

    @Test
    void recomputedAndCachedBackpropAgree() {
        DataType d = DataType.DOUBLE;
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(d).updater(new NoOp())
                .list()
                .layer(new LoRADenseLayer.Builder().nIn(4).nOut(5).rank(2).alpha(2).activation(Activation.TANH).build())
                .layer(new DPRnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.initGradientsView();
        Layer lora = net.getLayer(0);
        TestData.randomiseLoRAB(lora, 5);
        INDArray mask = TestData.lengthMask(d, 3, 3, 2);
        INDArray x = TestData.features(d, 6, 2, 4, 3);
        INDArray eps = TestData.features(d, 7, 2, 5, 3);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();

        lora.setInput(x, mgr);
        lora.setMaskArray(mask);
        lora.activate(true, mgr);
        Pair<Gradient, INDArray> cached = lora.backpropGradient(eps.dup(), mgr);
        INDArray cachedGrad = lora.getGradientsViewArray().dup();
        INDArray cachedEps = cached.getSecond().dup();

        lora.getGradientsViewArray().assign(0);
        lora.setInput(x, mgr);
        lora.setMaskArray(mask);
        lora.activate(false, mgr);
        Pair<Gradient, INDArray> recomputed = lora.backpropGradient(eps.dup(), mgr);

        assertTrue(cachedGrad.amaxNumber().doubleValue() > 0);
        assertEquals(cachedGrad, lora.getGradientsViewArray());
        assertEquals(cachedEps, recomputed.getSecond());
        assertEquals(0.0, cachedEps.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1),
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(2))
                .amaxNumber().doubleValue(), "padded step passes no error signal");
    }
}
