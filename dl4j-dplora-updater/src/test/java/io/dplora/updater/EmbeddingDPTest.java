package io.dplora.updater;

import io.dplora.layers.DPEmbeddingLayer;
import io.dplora.layers.DPEmbeddingSequenceLayer;
import io.dplora.layers.LoRA;
import io.dplora.layers.LoRASpec;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;
import java.util.Random;

import static io.dplora.updater.TestSupport.flat;
import static io.dplora.updater.TestSupport.maxAbs;
import static io.dplora.updater.TestSupport.maxAbsDiff;
import static io.dplora.updater.TestSupport.minus;
import static io.dplora.updater.TestSupport.scale;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13: a text model's embedding matrix trained privately (a stock EmbeddingSequenceLayer listed as trainable in
 * LoRA.apply), and a single-index EmbeddingLayer with a bias; one noise-free DP step releases exactly
 * (1/E) sum_i c_i g_i of the drawn examples (batch-of-one loop).
 */
class EmbeddingDPTest {

    @Test
    void oneDpStepOfATrainableEmbeddingReleasesTheExactClippedSum() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(6).dataType(DataType.DOUBLE)
                .updater(new Sgd(1.0)).list()
                .layer(new EmbeddingSequenceLayer.Builder().nIn(20).nOut(4).inputLength(6).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork stock = new MultiLayerNetwork(conf);
        stock.init();
        Random r = new Random(3);
        double[][] ids = new double[10][6];
        double[][] y = new double[10][3];
        for (int i = 0; i < 10; i++) {
            for (int t = 0; t < 6; t++) {
                ids[i][t] = r.nextInt(5); // few ids: many repeats
            }
            y[i][i % 3] = 1;
        }
        assertOneStepReleasesTheClippedSum(stock, new DataSet(Nd4j.createFromArray(ids), Nd4j.createFromArray(y)),
                DPEmbeddingSequenceLayer.class);
    }

    @Test
    void oneDpStepOfATrainableSingleIndexEmbeddingReleasesTheExactClippedSum() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.DOUBLE)
                .updater(new Sgd(1.0)).list()
                .layer(new EmbeddingLayer.Builder().nIn(12).nOut(4).hasBias(true).activation(Activation.TANH)
                        .build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork stock = new MultiLayerNetwork(conf);
        stock.init();
        Random r = new Random(4);
        double[][] ids = new double[10][1];
        double[][] y = new double[10][3];
        for (int i = 0; i < 10; i++) {
            ids[i][0] = r.nextInt(4); // ids shared by several examples
            y[i][r.nextInt(3)] = 1;
        }
        assertOneStepReleasesTheClippedSum(stock, new DataSet(Nd4j.createFromArray(ids), Nd4j.createFromArray(y)),
                DPEmbeddingLayer.class);
    }

    @Test
    void aStockEmbeddingLeftTrainableIsRefusedByName() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.DOUBLE)
                .updater(new Sgd(1.0)).list()
                .layer(new EmbeddingLayer.Builder().nIn(12).nOut(4).build())
                .layer(new io.dplora.layers.DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        DataSet data = new DataSet(Nd4j.createFromArray(new double[][] {{1}, {2}}),
                Nd4j.createFromArray(new double[][] {{1, 0, 0}, {0, 1, 0}}));
        double[] before = flat(net.params());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DPLoRA.makePrivate(net,
                new TestSupport.RecordingSource(data), DPConfig.builder().noiseMultiplier(1.0).delta(1e-5)
                        .expectedBatchSize(1).steps(1).seed(8).maxGradNorm(1.0).build()));
        assertTrue(e.getMessage().contains("layer0"), e.getMessage());
        assertTrue(maxAbsDiff(before, flat(net.params())) == 0.0, "a refused network keeps its parameters");
    }

    /** Converts layer 0 and the head to DP layers, runs one noise-free DP step, compares with the loop's sum. */
    private static void assertOneStepReleasesTheClippedSum(MultiLayerNetwork stock, DataSet data,
                                                          Class<?> embeddingClass) {
        int head = stock.getnLayers() - 1;
        MultiLayerNetwork net = LoRA.apply(stock, LoRASpec.builder().trainable("layer0", "layer" + head).build());
        assertTrue(net.getLayer(0).conf().getLayer().getClass() == embeddingClass);
        MultiLayerNetwork plain = net.clone();
        double c = 0.3;
        TestSupport.RecordingSource source = new TestSupport.RecordingSource(data);
        PrivateTraining t = DPLoRA.makePrivate(net, source, DPConfig.builder().noiseMultiplier(0.0).delta(1e-5)
                .expectedBatchSize(5).steps(1).seed(8).maxGradNorm(c).maxPhysicalBatchSize(3).build());
        int before = source.calls.size();
        double[] p0 = flat(net.params());
        t.fit();
        List<Integer> drawn = source.drawnSince(before);
        double[] expected = scale(TestSupport.clippedSum(plain, data, drawn, c), 1.0 / 5);
        double[] released = minus(p0, flat(net.params()));
        assertTrue(maxAbs(expected) > 0);
        assertTrue(maxAbsDiff(expected, released) <= 1e-9 * maxAbs(expected),
                "max |diff| " + maxAbsDiff(expected, released) + " vs " + maxAbs(expected));
        INDArray embedding = net.getLayer(0).getParam("W");
        assertTrue(!embedding.equals(stock.getLayer(0).getParam("W")), "the embedding was trained");
    }
}
