package io.dplora.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ModelSerializer round trips (JSON configuration, parameters, updater state) of networks with this library's layers. */
class SerializationTest {

    private static final DataType F = DataType.FLOAT;

    @TempDir
    Path dir;

    @Test
    void convertedGraphRoundTrips() throws IOException {
        ComputationGraph net = LoRA.apply(Pretrained.graph(F), LoRASpec.builder().targets("dense1", "dense3").rank(2)
                .alpha(3).mode(LoRAMode.FFA).aInit(LoRAInit.GAUSSIAN).loraDropout(0.1).trainable("out").build());
        DataSet ds = Pretrained.data(F, 8, 51);
        for (int i = 0; i < 3; i++) {
            net.fit(ds);
        }
        File file = dir.resolve("cg.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);

        assertEquals(net.getConfiguration().toJson(), restored.getConfiguration().toJson());
        assertEquals(net.getConfiguration(), restored.getConfiguration());
        LoRADenseLayer l = (LoRADenseLayer) restored.getLayer("dense1").conf().getLayer();
        assertEquals(2, l.getRank());
        assertEquals(3.0, l.getAlpha());
        assertEquals(LoRAMode.FFA, l.getMode());
        assertEquals(LoRAInit.GAUSSIAN, l.getLoraInit());
        assertEquals(0.1, l.getLoraDropout());
        assertEquals(net.params(), restored.params());
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        INDArray x = TestData.features(F, 52, 4, Pretrained.N_IN);
        assertEquals(net.outputSingle(x), restored.outputSingle(x));

        // training continues identically (same updater state and iteration count; dropout RNG reseeded)
        org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(77);
        net.fit(ds);
        org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(77);
        restored.fit(ds);
        assertTrue(net.params().equalsWithEps(restored.params(), 1e-6));
    }

    @Test
    void sequenceListWithAllLayerTypesRoundTrips() throws IOException {
        int t = 3;
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(F)
                .updater(new Adam(1e-2)).list()
                .layer(new LSTM.Builder().nOut(5).activation(Activation.TANH).build())
                .layer(new LoRADenseLayer.Builder().nIn(5).nOut(4).rank(2).alpha(2).activation(Activation.TANH)
                        .hasBias(false).build())
                .layer(new DPDenseLayer.Builder().nOut(4).activation(Activation.TANH).build())
                .layer(new DPRnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(3, t))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray mask = TestData.lengthMask(F, t, 3, 1);
        DataSet ds = new DataSet(TestData.features(F, 53, 2, 3, t), TestData.oneHotSequence(F, 54, 2, 2, t), mask,
                mask);
        net.fit(ds);
        net.fit(ds);
        File file = dir.resolve("mln.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(net.getLayerWiseConfigurations(), restored.getLayerWiseConfigurations());
        assertInstanceOf(DPRnnOutputLayer.class, restored.getLayer(3).conf().getLayer());
        assertEquals(net.params(), restored.params());
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        assertEquals(net.output(ds.getFeatures(), false, mask, mask), restored.output(ds.getFeatures(), false, mask,
                mask));
    }

    @Test
    void graphConfigurationJsonRoundTripOfHeads() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("in")
                .addLayer("out", new DPOutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(3).nOut(2)
                        .activation(Activation.IDENTITY).trainable(false).build(), "in")
                .setOutputs("out").build();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        assertTrue(!((DPOutputLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices().get("out"))
                .getLayerConf().getLayer()).isTrainable());
    }
}
