package io.dplora.updater;

import io.dplora.accounting.AccountantType;
import io.dplora.layers.DPDenseLayer;
import io.dplora.layers.DPOutputLayer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12: DL4J's TransferLearning route (a frozen feature extractor, new dense and output layers) trains privately
 * when the new layers are the DP twins (DPDenseLayer, DPOutputLayer), as README shows; with stock DenseLayer /
 * OutputLayer the guard refuses, naming the layer ("layer2") and the fix.
 */
class TransferLearningRouteTest {

    private static MultiLayerNetwork pretrained() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .updater(new Adam(1e-3)).list()
                .layer(new DenseLayer.Builder().nIn(TestSupport.N_IN).nOut(8).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(8).nOut(8).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(5)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static DPConfig config() {
        return DPConfig.builder().accountant(AccountantType.RDP).noiseMultiplier(1.0).delta(1e-5).maxGradNorm(1.0)
                .expectedBatchSize(8).steps(6).build();
    }

    @Test
    void newDpLayersOnAFrozenFeatureExtractorTrainPrivately() {
        MultiLayerNetwork net = new TransferLearning.Builder(pretrained())
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(1e-2)).build())
                .setFeatureExtractor(1)            // layer0 and layer1 frozen
                .removeOutputLayer()
                .addLayer(new DPDenseLayer.Builder().nIn(8).nOut(6).activation(Activation.TANH).build())
                .addLayer(new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(TestSupport.N_OUT)
                        .activation(Activation.SOFTMAX).build())
                .build();
        INDArray frozen = net.getLayer(0).params().dup();
        PrivateTraining t = DPLoRA.makePrivate(net, TestSupport.data(2, 48), config());
        t.fit();
        assertEquals(6, t.stepsTaken());
        assertEquals(frozen, net.getLayer(0).params(), "the feature extractor is frozen");
        assertEquals(java.util.List.of("layer2", "layer3"), t.updater().dpLayerNames());
    }

    @Test
    void stockLayersInTheBuilderAreRefusedNamingTheLayer() {
        MultiLayerNetwork net = new TransferLearning.Builder(pretrained())
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(1e-2)).build())
                .setFeatureExtractor(1)
                .removeOutputLayer()
                .addLayer(new DenseLayer.Builder().nIn(8).nOut(6).activation(Activation.TANH).build())
                .addLayer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(TestSupport.N_OUT)
                        .activation(Activation.SOFTMAX).build())
                .build();
        INDArray before = net.params().dup();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DPLoRA.makePrivate(net, TestSupport.data(2, 48), config()));
        assertTrue(e.getMessage().contains("layer2"), e.getMessage());
        assertEquals(before, net.params());
        assertFalse(e.getMessage().isBlank());
    }
}
