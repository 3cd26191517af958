package io.dplora.layers;

import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.constraint.MaxNormConstraint;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.weightnoise.DropConnect;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12: swapping DenseLayer for LoRADenseLayer (or DPDenseLayer) in an existing MultiLayerNetwork list
 * configuration that sets nIn only on its first layer and has no {@code setInputType}, as the deeplearning4j-examples
 * MLPs are written: DL4J infers the next layers' nIn exactly as for the stock network, the swapped network computes
 * what the stock one computes with the same W and b (B = 0), and its JSON round-trips. The library's dense layers take
 * every DL4J option a DenseLayer builder sets, and refuse layer normalisation by name.
 */
class ListConfigDropInTest {

    /** The stock MLP of the examples: 784-100-100-10, nIn given on the first layer only. */
    private static MultiLayerConfiguration mlp(Function<Integer, Layer> hidden, Layer output) {
        return new NeuralNetConfiguration.Builder().seed(123).dataType(DataType.DOUBLE)
                .updater(new Nesterovs(0.006, 0.9)).l2(1e-4).list()
                .layer(hidden.apply(0))
                .layer(hidden.apply(1))
                .layer(output)
                .build();
    }

    private static Layer stockDense(int i) {
        DenseLayer.Builder b = new DenseLayer.Builder().nOut(100).activation(Activation.RELU)
                .weightInit(WeightInit.XAVIER);
        return (i == 0 ? b.nIn(784) : b).build();
    }

    private static Layer loraDense(int i) {
        LoRADenseLayer.Builder b = new LoRADenseLayer.Builder().nOut(100).rank(4).alpha(8)
                .activation(Activation.RELU).weightInit(WeightInit.XAVIER);
        return (i == 0 ? b.nIn(784) : b).build();
    }

    private static Layer dpDense(int i) {
        DPDenseLayer.Builder b = new DPDenseLayer.Builder().nOut(100).activation(Activation.RELU)
                .weightInit(WeightInit.XAVIER);
        return (i == 0 ? b.nIn(784) : b).build();
    }

    private static Layer stockOutput() {
        return new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD).nOut(10)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build();
    }

    private static Layer dpOutput() {
        return new DPOutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD).nOut(10)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build();
    }

    private static long nIn(MultiLayerNetwork net, int layer) {
        return ((FeedForwardLayer) net.getLayer(layer).conf().getLayer()).getNIn();
    }

    /** Copies W and b of every layer of {@code from} into {@code to} (LoRA's B stays 0, so the adapter adds 0). */
    private static void copyBase(MultiLayerNetwork from, MultiLayerNetwork to) {
        for (int i = 0; i < from.getnLayers(); i++) {
            for (String key : new String[] {"W", "b"}) {
                to.getLayer(i).setParam(key, from.getLayer(i).getParam(key).dup());
            }
        }
    }

    @Test
    void aLoRAOrDpDenseFirstLayerLetsDl4jInferTheNextLayersNIn() {
        MultiLayerNetwork stock = new MultiLayerNetwork(mlp(ListConfigDropInTest::stockDense, stockOutput()));
        stock.init();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 784);
        for (MultiLayerConfiguration conf : new MultiLayerConfiguration[] {
            mlp(ListConfigDropInTest::loraDense, stockOutput()),
            mlp(ListConfigDropInTest::loraDense, dpOutput()),
            mlp(ListConfigDropInTest::dpDense, dpOutput())}) {
            MultiLayerNetwork swapped = new MultiLayerNetwork(conf);
            swapped.init();
            assertEquals(100, nIn(swapped, 1), "nIn of the second dense layer inferred");
            assertEquals(100, nIn(swapped, 2), "nIn of the output layer inferred");
            copyBase(stock, swapped);
            INDArray expected = stock.output(x);
            assertTrue(expected.equalsWithEps(swapped.output(x), 1e-12), "same W and b, same output");
            MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
            assertEquals(conf, back, "JSON round trip");
            assertEquals(conf.getConf(0).getLayer().getClass(), back.getConf(0).getLayer().getClass());
        }
        MultiLayerNetwork lora = new MultiLayerNetwork(mlp(ListConfigDropInTest::loraDense, stockOutput()));
        lora.init();
        LoRADenseLayer first = (LoRADenseLayer) lora.getLayer(0).conf().getLayer();
        assertEquals(784L * 4 + 4L * 100, first.numTrainableParams(), "A and B of the first layer are trained");
    }

    @Test
    void theDenseLayersTakeEveryOptionADenseLayerBuilderSets() {
        DenseLayer stock = new DenseLayer.Builder().name("h").nIn(7).nOut(5).activation(Activation.TANH)
                .weightInit(WeightInit.LECUN_NORMAL).biasInit(0.25).gainInit(1.5).l2(0.01).l1Bias(0.02)
                .updater(new Adam(0.003)).biasUpdater(new Sgd(0.1)).dropOut(new Dropout(0.8))
                .gradientNormalization(GradientNormalization.ClipL2PerLayer).gradientNormalizationThreshold(3.0)
                .weightNoise(new DropConnect(0.9)).constrainWeights(new MaxNormConstraint(2.0, 1)).hasBias(false)
                .build();
        BaseDPDenseLayer[] ours = {
            new LoRADenseLayer.Builder().name("h").nIn(7).nOut(5).rank(2).activation(Activation.TANH)
                .weightInit(WeightInit.LECUN_NORMAL).biasInit(0.25).gainInit(1.5).l2(0.01).l1Bias(0.02)
                .updater(new Adam(0.003)).biasUpdater(new Sgd(0.1)).dropOut(new Dropout(0.8))
                .gradientNormalization(GradientNormalization.ClipL2PerLayer).gradientNormalizationThreshold(3.0)
                .weightNoise(new DropConnect(0.9)).constrainWeights(new MaxNormConstraint(2.0, 1)).hasBias(false)
                .build(),
            new DPDenseLayer.Builder().name("h").nIn(7).nOut(5).activation(Activation.TANH)
                .weightInit(WeightInit.LECUN_NORMAL).biasInit(0.25).gainInit(1.5).l2(0.01).l1Bias(0.02)
                .updater(new Adam(0.003)).biasUpdater(new Sgd(0.1)).dropOut(new Dropout(0.8))
                .gradientNormalization(GradientNormalization.ClipL2PerLayer).gradientNormalizationThreshold(3.0)
                .weightNoise(new DropConnect(0.9)).constrainWeights(new MaxNormConstraint(2.0, 1)).hasBias(false)
                .build()};
        for (BaseDPDenseLayer l : ours) {
            String what = l.getClass().getSimpleName();
            assertEquals(stock.getLayerName(), l.getLayerName(), what);
            assertEquals(stock.getNIn(), l.getNIn(), what);
            assertEquals(stock.getNOut(), l.getNOut(), what);
            assertEquals(stock.getActivationFn(), l.getActivationFn(), what);
            assertEquals(stock.getWeightInitFn(), l.getWeightInitFn(), what);
            assertEquals(stock.getBiasInit(), l.getBiasInit(), what);
            assertEquals(stock.getGainInit(), l.getGainInit(), what);
            assertEquals(stock.getRegularization(), l.getRegularization(), what);
            assertEquals(stock.getRegularizationBias(), l.getRegularizationBias(), what);
            assertEquals(stock.getIUpdater(), l.getIUpdater(), what);
            assertEquals(stock.getBiasUpdater(), l.getBiasUpdater(), what);
            assertEquals(stock.getIDropout(), l.getIDropout(), what);
            assertEquals(stock.getGradientNormalization(), l.getGradientNormalization(), what);
            assertEquals(stock.getGradientNormalizationThreshold(), l.getGradientNormalizationThreshold(), what);
            assertEquals(stock.getWeightNoise(), l.getWeightNoise(), what);
            assertEquals(stock.hasBias(), l.hasBias(), what);
            assertEquals(1, l.getConstraints().size(), what);
            assertEquals(((BaseLayer) stock).getConstraints().get(0).getClass(),
                    l.getConstraints().get(0).getClass(), what);
        }
    }

    @Test
    void aConfigurationWrittenBeforeTheDenseLayerBaseClassStillLoads() {
        // the JSON of earlier releases had no hasLayerNorm and no inputGradient; hasBias keeps its name
        LoRADenseLayer noBias = (LoRADenseLayer) new LoRADenseLayer.Builder().nIn(784).nOut(100).rank(4).alpha(8)
                .hasBias(false).activation(Activation.RELU).build();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).list()
                .layer(noBias).layer(dpOutput()).build();
        String json = conf.toJson();
        assertTrue(json.contains("\"hasLayerNorm\" : false,") && json.contains("\"inputGradient\" : true,"), json);
        String old = json.replace("\"hasLayerNorm\" : false,", "").replace("\"inputGradient\" : true,", "");
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(old);
        LoRADenseLayer restored = (LoRADenseLayer) back.getConf(0).getLayer();
        assertTrue(!restored.hasBias() && restored.isInputGradient() && !restored.hasLayerNorm());
        assertEquals(conf, back);
    }

    @Test
    void aLoRAConvolutionFirstWithoutAnInputTypeAsksForOne() {
        // DL4J infers a feed-forward input type for a DenseLayer first; a LoRA convolution (a DenseLayer on patches)
        // needs the convolutional one and says so
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).list()
                        .layer(new LoRAConvolutionLayer.Builder(3, 3).name("conv").nIn(1).nOut(4).rank(2).build())
                        .layer(dpOutput()).build());
        assertTrue(e.getMessage().contains("LoRAConvolutionLayer 'conv'")
                && e.getMessage().contains("InputType.convolutional"), e.getMessage());
    }

    @Test
    void layerNormalisationIsRefusedNamingTheLayer() {
        LoRADenseLayer lora = (LoRADenseLayer) loraDense(0);
        lora.setLayerName("hidden");
        lora.setHasLayerNorm(true);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).list()
                .layer(lora).layer(dpOutput()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MultiLayerNetwork(conf).init());
        assertTrue(e.getMessage().contains("LoRADenseLayer 'hidden'") && e.getMessage().contains("hasLayerNorm"),
                e.getMessage());
    }
}
