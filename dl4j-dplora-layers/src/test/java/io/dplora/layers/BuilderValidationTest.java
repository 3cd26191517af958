package io.dplora.layers;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Invalid configurations fail at build time with an IllegalArgumentException naming the setting. */
class BuilderValidationTest {

    private static void expect(String fragment, Runnable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::run);
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' should mention " + fragment);
    }

    @Test
    void loraDenseLayer() {
        // nIn may come from DL4J's inference (as for a DenseLayer); never inferred, init() names the layer
        LoRADenseLayer noNIn = new LoRADenseLayer.Builder().name("first").nOut(4).rank(2).build();
        expect("LoRADenseLayer 'first': nIn must be set", () -> new org.deeplearning4j.nn.multilayer.MultiLayerNetwork(
                new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().list().layer(noNIn)
                        .layer(new DPOutputLayer.Builder().nIn(4).nOut(2).build()).build()).init());
        expect("nOut", () -> new LoRADenseLayer.Builder().nIn(4).rank(2).build());
        expect("rank must be >= 1", () -> new LoRADenseLayer.Builder().nIn(4).nOut(4).rank(0).build());
        expect("min(nIn, nOut) = 3", () -> new LoRADenseLayer.Builder().nIn(8).nOut(3).rank(4).build());
        expect("alpha", () -> new LoRADenseLayer.Builder().nIn(4).nOut(4).rank(2).alpha(0).build());
        expect("alpha", () -> new LoRADenseLayer.Builder().nIn(4).nOut(4).rank(2).alpha(Double.NaN).build());
        expect("loraDropout", () -> new LoRADenseLayer.Builder().nIn(4).nOut(4).rank(2).loraDropout(1.0).build());
        expect("mode", () -> new LoRADenseLayer.Builder().mode(null));
        // the largest valid rank builds
        new LoRADenseLayer.Builder().nIn(8).nOut(3).rank(3).build();
    }

    @Test
    void dpLayers() {
        expect("nOut", () -> new DPDenseLayer.Builder().nIn(3).build());
        expect("nOut", () -> new DPOutputLayer.Builder().nIn(3).build());
        expect("nOut", () -> new DPRnnOutputLayer.Builder().nIn(3).build());
    }

    @Test
    void loraSpec() {
        expect("nothing to train", () -> LoRASpec.builder().rank(2).build());
        expect("rank", () -> LoRASpec.builder().targets("a").rank(0).build());
        expect("alpha", () -> LoRASpec.builder().targets("a").alpha(-1).build());
        expect("both", () -> LoRASpec.builder().targets("a").trainable("a").build());
        expect("not both", () -> LoRASpec.builder().targets("a").targets(n -> true).build());
        expect("blank", () -> LoRASpec.builder().targets(""));
        expect("loraDropout", () -> LoRASpec.builder().targets("a").loraDropout(-0.1).build());
    }
}
