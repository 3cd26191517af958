package io.dplora.layers;

import io.dplora.layers.grad.PerExampleGradientLoop;
import io.dplora.layers.grad.PerExampleGradients;
import io.dplora.layers.grad.TrainableParameters;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;
import java.util.Set;

import static io.dplora.layers.DPLayers.assertRelClose;
import static io.dplora.layers.DPLayers.assertVectorClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LoRAConvolutionLayer (issue 13): the forward pass equals DL4J's ConvolutionLayer with the same kernel; backprop
 * against finite differences (GradientCheckUtil, double), two stacked layers so the input gradient (col2im) is checked
 * too; per-example norms and clipped sums against the batch-of-one loop to 1e-10; stride, padding, dilation, Same
 * mode and NHWC; JSON round trip.
 */
class LoRAConvolutionTest {

    private static final DataType D = DataType.DOUBLE;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(D, D);
    }

    enum Variant {
        PLAIN(new int[] {3, 3}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, ConvolutionMode.Truncate,
                CNN2DFormat.NCHW),
        STRIDE_PADDING(new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 1}, new int[] {1, 1},
                ConvolutionMode.Truncate, CNN2DFormat.NCHW),
        DILATION(new int[] {2, 2}, new int[] {1, 1}, new int[] {0, 0}, new int[] {2, 2}, ConvolutionMode.Truncate,
                CNN2DFormat.NCHW),
        SAME(new int[] {3, 3}, new int[] {2, 2}, new int[] {0, 0}, new int[] {1, 1}, ConvolutionMode.Same,
                CNN2DFormat.NCHW),
        NHWC(new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, ConvolutionMode.Truncate,
                CNN2DFormat.NHWC);

        final int[] k;
        final int[] s;
        final int[] p;
        final int[] d;
        final ConvolutionMode mode;
        final CNN2DFormat format;

        Variant(int[] k, int[] s, int[] p, int[] d, ConvolutionMode mode, CNN2DFormat format) {
            this.k = k;
            this.s = s;
            this.p = p;
            this.d = d;
            this.mode = mode;
            this.format = format;
        }

        LoRAConvolutionLayer.Builder lora(int nOut, LoRAMode m) {
            return new LoRAConvolutionLayer.Builder(k).stride(s).padding(p).dilation(d).convolutionMode(mode)
                    .dataFormat(format).nOut(nOut).rank(2).alpha(3).mode(m).activation(Activation.TANH);
        }

        INDArray image(long seed, int mb, int c, int h, int w) {
            INDArray x = TestData.features(D, seed, mb, c, h, w);
            return format == CNN2DFormat.NHWC ? x.permute(0, 2, 3, 1).dup('c') : x;
        }
    }

    private static MultiLayerNetwork net(Variant v, LoRAMode mode) {
        return net(v, mode, new NoOp());
    }

    /** @param updater NoOp for gradient checks; a real one where trainable parameters are found by their updater */
    private static MultiLayerNetwork net(Variant v, LoRAMode mode, org.nd4j.linalg.learning.config.IUpdater updater) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(D).updater(updater)
                .convolutionMode(v.mode).list()
                .layer(v.lora(3, mode).build())
                .layer(v.lora(2, mode).build())
                .layer(new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(7, 6, 2, v.format))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        TestData.randomiseLoRAB(net.getLayer(0), 3);
        TestData.randomiseLoRAB(net.getLayer(1), 4);
        return net;
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void gradientsMatchFiniteDifferences(Variant v) {
        for (LoRAMode mode : LoRAMode.values()) {
            MultiLayerNetwork net = net(v, mode);
            INDArray x = v.image(1, 3, 2, 7, 6);
            INDArray y = TestData.oneHot(D, 2, 3, 3);
            Set<String> frozen = mode == LoRAMode.FFA
                    ? Set.of("0_W", "0_b", "0_loraA", "1_W", "1_b", "1_loraA") : Set.of("0_W", "0_b", "1_W", "1_b");
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
                    .excludeParams(frozen).maxRelError(1e-5).minAbsoluteError(1e-9).exitOnFirstError(true)),
                    v + " " + mode);
        }
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void perExampleNormsAndClippedSumsMatchTheLoop(Variant v) {
        MultiLayerNetwork net = net(v, LoRAMode.VANILLA, new org.nd4j.linalg.learning.config.Sgd(0.1));
        int m = 4;
        DataSet ds = new DataSet(v.image(7, m, 2, 7, 6), TestData.oneHot(D, 8, m, 3));
        PerExampleGradients oracle = PerExampleGradientLoop.collect(net, ds);
        List<PerExampleGradientLayer> dp = DPLayers.of(net.getLayers());
        assertEquals(3, dp.size());
        TrainableParameters tp = TrainableParameters.of(net);
        long k = (long) v.k[0] * v.k[1];
        long head = net.getLayer(2).numParams();
        assertEquals((2 * k * 2 + 2 * 3) + (3 * k * 2 + 2 * 2) + head, tp.dimension(), "A, B and the head");
        DPLayers.enable(dp);
        net.setInput(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.computeGradientAndScore();
        double[] norms = DPLayers.squaredNorms(dp, m);
        for (int i = 0; i < m; i++) {
            assertRelClose(oracle.squaredNorm(i), norms[i], 1e-10, v + " ||g_" + i + "||^2");
        }
        double[] c = {0.3, 1.0, 0.0, 2.5};
        assertVectorClose(oracle.clippedSum(c), DPLayers.clippedSum(net, tp, dp, c), 1e-10, v + " sum c_i g_i");
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void withBZeroItComputesWhatTheStockConvolutionComputes(Variant v) {
        MultiLayerNetwork lora = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).dataType(D)
                .convolutionMode(v.mode).list().layer(v.lora(3, LoRAMode.VANILLA).build())
                .setInputType(InputType.convolutional(7, 6, 2, v.format)).build());
        lora.init();
        MultiLayerNetwork stock = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).dataType(D)
                .convolutionMode(v.mode).list().layer(new ConvolutionLayer.Builder(v.k).stride(v.s).padding(v.p)
                        .dilation(v.d).dataFormat(v.format).nOut(3).activation(Activation.TANH).build())
                .setInputType(InputType.convolutional(7, 6, 2, v.format)).build());
        stock.init();
        INDArray w = lora.getLayer(0).getParam("W"); // [C k k, C_out]
        stock.getLayer(0).setParam("W", w.transpose().dup('c').reshape('c', 3, 2, v.k[0], v.k[1]));
        stock.getLayer(0).setParam("b", lora.getLayer(0).getParam("b").reshape(1, 3));
        INDArray x = v.image(9, 2, 2, 7, 6);
        INDArray a = lora.output(x);
        INDArray b = stock.output(x);
        assertTrue(java.util.Arrays.equals(a.shape(), b.shape()), v + java.util.Arrays.toString(a.shape()));
        assertTrue(a.equalsWithEps(b, 1e-12), v.toString());
    }

    @Test
    void jsonRoundTripKeepsEverySetting() {
        MultiLayerNetwork net = net(Variant.STRIDE_PADDING, LoRAMode.FFA);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson());
        assertEquals(net.getLayerWiseConfigurations().getConf(0).getLayer(), back.getConf(0).getLayer());
        LoRAConvolutionLayer c = (LoRAConvolutionLayer) back.getConf(0).getLayer();
        assertEquals(2, c.getInChannels());
        assertEquals(2 * 3 * 2, c.getNIn());
        assertEquals(LoRAMode.FFA, c.getMode());
    }

    /** A LeNet-like network of stock layers, as in deeplearning4j-examples (architecture unchanged). */
    static MultiLayerNetwork lenet() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(D)
                .updater(new org.nd4j.linalg.learning.config.Adam(1e-3)).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nIn(1).stride(1, 1).nOut(6)
                        .activation(Activation.IDENTITY).build())
                .layer(new org.deeplearning4j.nn.conf.layers.SubsamplingLayer.Builder(
                        org.deeplearning4j.nn.conf.layers.SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                        .stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).stride(1, 1).nOut(8).activation(Activation.IDENTITY)
                        .build())
                .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().activation(Activation.RELU)
                        .nOut(16).build())
                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(
                        LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD).nOut(4).activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.convolutionalFlat(14, 14, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Test
    void loraApplyConvertsTheConvolutionsOfALeNetAndMergeFoldsThemBackExactly() throws java.io.IOException {
        MultiLayerNetwork base = lenet();
        INDArray x = TestData.features(D, 4, 5, 14 * 14);
        INDArray expected = base.output(x);
        MultiLayerNetwork net = LoRA.apply(base, LoRASpec.builder().targets("layer0", "layer2", "layer3").rank(2)
                .alpha(4).trainable("layer4").build());
        assertTrue(net.getLayer(0).conf().getLayer() instanceof LoRAConvolutionLayer);
        assertTrue(net.getLayer(2).conf().getLayer() instanceof LoRAConvolutionLayer);
        assertTrue(expected.equalsWithEps(net.output(x), 1e-12), "B = 0: the converted network computes the same");
        TestData.randomiseLoRAB(net.getLayer(0), 11);
        TestData.randomiseLoRAB(net.getLayer(2), 12);
        INDArray adapted = net.output(x);
        assertTrue(!expected.equalsWithEps(adapted, 1e-6), "the adapters change the output");
        MultiLayerNetwork merged = LoRA.merge(net);
        assertEquals(ConvolutionLayer.class, merged.getLayer(0).conf().getLayer().getClass());
        assertTrue(adapted.equalsWithEps(merged.output(x), 1e-10), "merge folds s A B into the kernel exactly");
        java.io.File f = java.io.File.createTempFile("conv-adapter", ".zip");
        try {
            LoRA.saveAdapter(net, f);
            MultiLayerNetwork again = LoRA.apply(base, LoRASpec.builder().targets("layer0", "layer2", "layer3")
                    .rank(2).alpha(4).trainable("layer4").build());
            LoRA.loadAdapter(again, f);
            assertTrue(adapted.equalsWithEps(again.output(x), 1e-12), "adapter round trip");
        } finally {
            f.delete();
        }
    }
}
