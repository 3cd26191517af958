package io.dplora.updater;

import io.dplora.accounting.AccountantType;
import io.dplora.layers.DPRnnOutputLayer;
import io.dplora.layers.LoRA;
import io.dplora.layers.LoRASpec;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12: head-only DP. An LSTM sentiment network of the deeplearning4j-examples kind has no DenseLayer, so a
 * LoRASpec with trainable(...) and no LoRA target was refused ("no targets") and the documented route could not be
 * used at all. Now the head is trained privately, the LSTM stays bit-identical, and the MultiLayerNetwork name
 * "layer1" addresses the head.
 */
class HeadOnlyDPTest {

    private static MultiLayerNetwork lstmSentimentNet() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .updater(new Adam(1e-2)).list()
                .layer(new LSTM.Builder().nIn(5).nOut(8).activation(Activation.TANH).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Test
    void anLstmNetworkTrainsOnlyItsHeadPrivately() {
        MultiLayerNetwork net = LoRA.apply(lstmSentimentNet(), LoRASpec.builder().trainable("layer1").build());
        assertTrue(net.getLayer(1).conf().getLayer() instanceof DPRnnOutputLayer);
        int n = 64;
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 5, 6);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 2, 6);
        for (int i = 0; i < n; i++) {
            y.putScalar(new int[] {i, i % 2, 5}, 1.0);
            y.putScalar(new int[] {i, i % 2, 0}, 1.0);
        }
        INDArray lstmBefore = net.getLayer(0).params().dup();
        INDArray headBefore = net.getLayer(1).params().dup();
        PrivateTraining t = DPLoRA.makePrivate(net, new DataSet(x, y), DPConfig.builder()
                .accountant(AccountantType.RDP).noiseMultiplier(1.0).delta(1e-5).maxGradNorm(1.0)
                .expectedBatchSize(16).steps(8).build());
        t.fit();
        assertEquals(8, t.stepsTaken());
        assertEquals(lstmBefore, net.getLayer(0).params(), "the LSTM is frozen");
        assertFalse(headBefore.equals(net.getLayer(1).params()), "the head was trained");
        assertEquals(java.util.List.of("layer1"), t.updater().dpLayerNames());
    }
}
