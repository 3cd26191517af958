package io.dplora.layers;

import io.dplora.layers.lora.Nd4jSeeds;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code LoRASpec.seed}: the adapters' A follow the spec's seed (equal seeds equal A, other seeds other A), default
 * to the pretrained network's seed, and are reproducible for every seed, 0 included, whatever ND4J drew before.
 */
class LoRASeedTest {

    private static final DataType F = DataType.FLOAT;

    private static LoRASpec.Builder spec() {
        return LoRASpec.builder().targets("dense1", "dense3").rank(2).alpha(4).trainable("out");
    }

    private static INDArray a(ComputationGraph net, String layer) {
        return net.getLayer(layer).getParam("loraA").dup();
    }

    private static INDArray a(MultiLayerNetwork net, int layer) {
        return net.getLayer(layer).getParam("loraA").dup();
    }

    @Test
    void graphAdaptersFollowTheSpecSeed() {
        ComputationGraph base = Pretrained.graph(F);
        ComputationGraph s7 = LoRA.apply(base, spec().seed(7).build());
        Nd4j.rand(F, 500); // other draws in between must not matter
        ComputationGraph s7again = LoRA.apply(base, spec().seed(7).build());
        ComputationGraph s8 = LoRA.apply(base, spec().seed(8).build());
        for (String t : new String[]{"dense1", "dense3"}) {
            assertEquals(a(s7, t), a(s7again, t), "same seed, same A in " + t);
            assertNotEquals(a(s7, t), a(s8, t), "other seed, other A in " + t);
            assertTrue(a(s8, t).amaxNumber().doubleValue() > 0, "A is drawn, not zero");
            assertEquals(s7.getLayer(t).getParam("W"), s8.getLayer(t).getParam("W"), "pretrained W kept");
            assertEquals(0.0, s8.getLayer(t).getParam("loraB").amaxNumber().doubleValue(), "B starts at zero");
        }
    }

    @Test
    void listAdaptersFollowTheSpecSeed() {
        MultiLayerNetwork base = Pretrained.list(F);
        MultiLayerNetwork s1 = LoRA.apply(base, spec().seed(1).build());
        Nd4j.rand(F, 300);
        MultiLayerNetwork s1again = LoRA.apply(base, spec().seed(1).build());
        MultiLayerNetwork s2 = LoRA.apply(base, spec().seed(2).build());
        assertEquals(a(s1, 2), a(s1again, 2));
        assertEquals(a(s1, 4), a(s1again, 4));
        assertNotEquals(a(s1, 2), a(s2, 2));
        assertNotEquals(a(s1, 4), a(s2, 4));
    }

    @Test
    void seedZeroIsReproducibleWhateverWasDrawnBefore() {
        // ND4J M2.1's native generator ignores setSeed(0) (its state carries over): with the seed passed through
        // unchanged, the two conversions below would get different A
        ComputationGraph base = Pretrained.graph(F);
        ComputationGraph first = LoRA.apply(base, spec().seed(0).build());
        Nd4j.rand(F, 1000);
        ComputationGraph second = LoRA.apply(base, spec().seed(0).build());
        assertEquals(a(first, "dense1"), a(second, "dense1"));
        assertEquals(a(first, "dense3"), a(second, "dense3"));
        assertNotEquals(a(first, "dense1"), a(LoRA.apply(base, spec().seed(1).build()), "dense1"));
    }

    @Test
    void withoutASeedTheNetworksOwnSeedIsUsedAndGuarded() {
        ComputationGraph base = Pretrained.graph(F); // configuration seed 123
        assertNull(spec().build().seed());
        assertEquals(a(LoRA.apply(base, spec().seed(123).build()), "dense1"),
                a(LoRA.apply(base, spec().build()), "dense1"), "default = the pretrained configuration's seed");
        assertNotEquals(a(LoRA.apply(base, spec().seed(124).build()), "dense1"),
                a(LoRA.apply(base, spec().build()), "dense1"));

        // a network configured with seed 0 converts reproducibly too
        ComputationGraph zero = seedZeroGraph();
        LoRASpec s = LoRASpec.builder().targets("dense1").rank(2).trainable("out").build();
        INDArray first = a(LoRA.apply(zero, s), "dense1");
        Nd4j.rand(F, 1000);
        assertEquals(first, a(LoRA.apply(zero, s), "dense1"));
        assertEquals(first, a(LoRA.apply(zero, LoRASpec.builder().targets("dense1").rank(2).trainable("out").seed(0)
                .build()), "dense1"));
    }

    @Test
    void nd4jSeedIsSplitMix64AndNeverZero() {
        // published SplitMix64 outputs for state 1234567 (first and second output; e.g. Rosetta Code's SplitMix64
        // task), and for state 0 (first output of Vigna's splitmix64.c seeded with 0)
        assertEquals(Long.parseUnsignedLong("6457827717110365317"), Nd4jSeeds.forNd4j(1234567L));
        assertEquals(Long.parseUnsignedLong("3203168211198807973"),
                Nd4jSeeds.forNd4j(1234567L + 0x9E3779B97F4A7C15L));
        assertEquals(0xE220A8397B1DCDAFL, Nd4jSeeds.forNd4j(0));
        for (long s = -50; s <= 50; s++) {
            assertNotEquals(0L, Nd4jSeeds.forNd4j(s));
            assertNotEquals(Nd4jSeeds.forNd4j(s), Nd4jSeeds.forNd4j(s + 1));
        }
    }

    private static ComputationGraph seedZeroGraph() {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(0).dataType(F)
                .graphBuilder().addInputs("in")
                .addLayer("dense1", new DenseLayer.Builder().nIn(5).nOut(4).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "dense1")
                .setOutputs("out").build());
        net.init();
        return net;
    }
}
