package io.dplora.updater;

import io.dplora.layers.LoRA;
import io.dplora.layers.LoRAConvolutionLayer;
import io.dplora.layers.LoRASpec;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
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

import static io.dplora.updater.TestSupport.flat;
import static io.dplora.updater.TestSupport.maxAbs;
import static io.dplora.updater.TestSupport.maxAbsDiff;
import static io.dplora.updater.TestSupport.minus;
import static io.dplora.updater.TestSupport.scale;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13: a LeNet-like CNN of stock layers (architecture unchanged), converted with LoRA.apply (LoRA on both
 * convolutions and the dense layer, head trained), trains privately; one DP step without noise releases exactly
 * (1/E) sum_i min(1, C/||g_i||) g_i of the drawn examples, computed by a batch-of-one loop on an unconverted copy.
 */
class ConvolutionDPTest {

    private static MultiLayerNetwork lenet(long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.DOUBLE)
                .updater(new Sgd(1.0)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nIn(1).nOut(4).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new ConvolutionLayer.Builder(2, 2).nOut(5).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(6).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(TestSupport.N_OUT)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static MultiLayerNetwork converted(long seed) {
        MultiLayerNetwork net = LoRA.apply(lenet(seed), LoRASpec.builder().targets("layer0", "layer2", "layer3")
                .rank(2).alpha(4).trainable("layer4").build());
        TestSupport.randomiseLoraB(seed, net.getLayer(0), net.getLayer(2), net.getLayer(3));
        return net;
    }

    private static DataSet images(long seed, int n) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.DOUBLE, n, 1, 8, 8);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, TestSupport.N_OUT);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % TestSupport.N_OUT, 1.0);
        }
        return new DataSet(x, y);
    }

    @Test
    void oneDpStepReleasesTheExactClippedSumOfTheDrawnExamples() {
        DataSet data = images(1, 12);
        MultiLayerNetwork net = converted(2);
        assertTrue(net.getLayer(0).conf().getLayer() instanceof LoRAConvolutionLayer);
        MultiLayerNetwork plain = net.clone();
        double c = 0.05;
        TestSupport.RecordingSource source = new TestSupport.RecordingSource(data);
        PrivateTraining t = DPLoRA.makePrivate(net, source, DPConfig.builder().noiseMultiplier(0.0).delta(1e-5)
                .expectedBatchSize(6).steps(1).seed(99).maxGradNorm(c).maxPhysicalBatchSize(4).build());
        int before = source.calls.size();
        double[] p0 = flat(net.params());
        t.fit();
        List<Integer> drawn = source.drawnSince(before);
        assertTrue(!drawn.isEmpty());
        double[] expected = scale(TestSupport.clippedSum(plain, data, drawn, c), 1.0 / 6);
        double[] released = minus(p0, flat(net.params()));
        assertTrue(maxAbs(expected) > 0);
        assertTrue(maxAbsDiff(expected, released) <= 1e-9 * maxAbs(expected),
                "max |diff| " + maxAbsDiff(expected, released) + " vs " + maxAbs(expected));
    }

    @Test
    void aLeNetTrainsPrivatelyWithItsConvolutionKernelsFrozen() {
        MultiLayerNetwork net = converted(3);
        INDArray kernel = net.getLayer(0).getParam("W").dup();
        INDArray adapter = net.getLayer(0).getParam("loraB").dup();
        PrivateTraining t = DPLoRA.makePrivate(net, images(4, 64), DPConfig.builder().noiseMultiplier(1.0)
                .delta(1e-5).maxGradNorm(1.0).expectedBatchSize(16).steps(5).build());
        t.fit();
        assertEquals(5, t.stepsTaken());
        assertEquals(kernel, net.getLayer(0).getParam("W"), "the pretrained kernel stays frozen");
        assertTrue(!adapter.equals(net.getLayer(0).getParam("loraB")), "the adapter is trained");
        assertEquals(List.of("layer0", "layer2", "layer3", "layer4"), t.updater().dpLayerNames());
    }

    /**
     * A CIFAR-style CNN with BatchNormalization after each convolution (architecture unchanged): LoRA.apply turns the
     * BNs above trained layers into their exact inference-mode map (FrozenBatchNormLayer), the converted network
     * computes what the pretrained one does in inference, and a noise-free DP step releases exactly the clipped sum.
     */
    @Test
    void aBatchNormCnnGetsLoRAOnItsConvolutionsAndTrainsExactly() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE)
                .updater(new Sgd(1.0)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nIn(1).nOut(4).activation(Activation.IDENTITY).build())
                .layer(new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().build())
                .layer(new org.deeplearning4j.nn.conf.layers.ActivationLayer.Builder()
                        .activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(2, 2).nOut(5).activation(Activation.IDENTITY).build())
                .layer(new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(TestSupport.N_OUT)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 1))
                .build();
        MultiLayerNetwork base = new MultiLayerNetwork(conf);
        base.init();
        java.util.Random r = new java.util.Random(7);
        for (int l : new int[] {1, 4}) {
            for (String k : new String[] {"gamma", "beta", "mean"}) {
                INDArray p = base.getLayer(l).getParam(k);
                for (int c = 0; c < p.length(); c++) {
                    p.putScalar(c, k.equals("gamma") ? 0.5 + r.nextDouble() : r.nextGaussian());
                }
            }
            INDArray s = base.getLayer(l).getParam("log10stdev");
            for (int c = 0; c < s.length(); c++) {
                s.putScalar(c, 0.3 * r.nextGaussian());
            }
        }
        DataSet data = images(9, 12);
        INDArray expected = base.output(data.getFeatures(), false);
        MultiLayerNetwork net = LoRA.apply(base, LoRASpec.builder().targets("layer0", "layer3").rank(2).alpha(4)
                .trainable("layer6").build());
        assertTrue(net.getLayer(1).conf().getLayer() instanceof io.dplora.layers.FrozenBatchNormLayer,
                "the BN above the first LoRA convolution becomes its inference-mode map");
        assertTrue(expected.equalsWithEps(net.output(data.getFeatures(), false), 1e-10),
                "the converted network computes the pretrained one's inference output");
        TestSupport.randomiseLoraB(5, net.getLayer(0), net.getLayer(3));
        MultiLayerNetwork plain = net.clone();
        double c = 0.05;
        TestSupport.RecordingSource source = new TestSupport.RecordingSource(data);
        PrivateTraining t = DPLoRA.makePrivate(net, source, DPConfig.builder().noiseMultiplier(0.0).delta(1e-5)
                .expectedBatchSize(6).steps(1).seed(3).maxGradNorm(c).maxPhysicalBatchSize(4).build());
        int before = source.calls.size();
        double[] p0 = flat(net.params());
        t.fit();
        List<Integer> drawn = source.drawnSince(before);
        double[] want = scale(TestSupport.clippedSum(plain, data, drawn, c), 1.0 / 6);
        double[] got = minus(p0, flat(net.params()));
        assertTrue(maxAbs(want) > 0);
        assertTrue(maxAbsDiff(want, got) <= 1e-9 * maxAbs(want), maxAbsDiff(want, got) + " vs " + maxAbs(want));
    }
}
