package io.dplora.transformers;

import io.dplora.layers.FrozenDenseLayer;
import io.dplora.layers.LoRA;
import io.dplora.layers.LoRADenseLayer;
import io.dplora.layers.LoRAMode;
import io.dplora.layers.LoRASpec;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;

import java.io.File;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** JSON and ModelSerializer round trips, LoRA.apply / merge / adapter files on the transformer graph. */
class BertLoRALifecycleTest {

    private static final DataType F = DataType.FLOAT;

    private static Layer layer(ComputationGraph net, String name) {
        return net.getLayer(name).conf().getLayer();
    }

    @Test
    void configurationAndWeightsSurviveJsonAndModelSerializer(@TempDir Path dir) throws Exception {
        ComputationGraph net = TinyBert.classifier(F, 21, LoRAMode.FFA, "query", "value");
        String json = net.getConfiguration().toJson();
        assertTrue(json.contains("ExactGELU") && json.contains("MultiHeadSelfAttentionVertex")
                && json.contains("LayerNormLayer") && json.contains("BertEmbeddingLayer"), "classes in JSON");
        assertEquals(net.getConfiguration(), ComputationGraphConfiguration.fromJson(json));
        File f = dir.resolve("bert.zip").toFile();
        ModelSerializer.writeModel(net, f, true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(f, true);
        MultiDataSet d = TinyBert.batch(F, 22, 9, 9, 4, 6);
        assertEquals(TinyBert.output(net, d), TinyBert.output(back, d));
        assertEquals(net.params(), back.params());
    }

    @Test
    void applyConvertsOnlyTheNamedProjectionsAndKeepsEverythingElseFrozen() {
        ComputationGraph enc = TinyBert.encoder(F, 23);
        ComputationGraph base = BertGraph.withClassifier(enc, TinyBert.CONFIG, 3, new Adam(1e-3));
        MultiDataSet d = TinyBert.batch(F, 24, 8, 8, 3);
        INDArray before = TinyBert.output(base, d);
        ComputationGraph net = LoRA.apply(base, LoRASpec.builder().targets(BertTargets.of()).rank(4).alpha(8)
                .trainable(BertGraph.CLASSIFIER).updater(new Adam(1e-3)).build());
        for (int i = 0; i < TinyBert.CONFIG.layers(); i++) {
            assertTrue(layer(net, BertGraph.module(i, "attention.self.query")) instanceof LoRADenseLayer);
            assertTrue(layer(net, BertGraph.module(i, "attention.self.value")) instanceof LoRADenseLayer);
            assertTrue(layer(net, BertGraph.module(i, "attention.self.key")) instanceof FrozenDenseLayer);
            assertTrue(layer(net, BertGraph.module(i, "output.dense")) instanceof FrozenDenseLayer);
            assertTrue(layer(net, BertGraph.module(i, "output.LayerNorm")) instanceof LayerNormLayer);
        }
        // B = 0 at initialisation: the converted network computes exactly what the base computed
        assertTrue(before.equalsWithEps(TinyBert.output(net, d), 1e-6));
        assertThrows(IllegalArgumentException.class, () -> BertTargets.of("dense"));
        assertThrows(IllegalArgumentException.class, () -> LoRA.apply(base, LoRASpec.builder()
                .targets(BertTargets.of()).rank(2).trainable(BertGraph.CLASSIFIER).updater(new NoOp()).build()),
                "LoRA on a frozen projection without an updater would train nothing");
    }

    @Test
    void mergeFoldsTheAdaptersAndAdaptersRoundTrip(@TempDir Path dir) throws Exception {
        ComputationGraph net = TinyBert.classifier(F, 25, LoRAMode.VANILLA, "query", "value", "output.dense");
        MultiDataSet d = TinyBert.batch(F, 26, 10, 10, 7, 2);
        INDArray expected = TinyBert.output(net, d);
        ComputationGraph merged = LoRA.merge(net);
        for (org.deeplearning4j.nn.api.Layer l : merged.getLayers()) {
            assertFalse(l.conf().getLayer() instanceof LoRADenseLayer, "adapter left after merge");
        }
        assertTrue(expected.equalsWithEps(TinyBert.output(merged, d), 1e-5));
        File adapter = dir.resolve("adapter.zip").toFile();
        LoRA.saveAdapter(net, adapter);
        ComputationGraph fresh = TinyBert.classifier(F, 25, LoRAMode.VANILLA, "query", "value", "output.dense");
        for (org.deeplearning4j.nn.api.Layer l : fresh.getLayers()) {
            INDArray b = l.paramTable().get("loraB");
            if (b != null) {
                b.assign(0);
            }
        }
        assertFalse(expected.equalsWithEps(TinyBert.output(fresh, d), 1e-5));
        LoRA.loadAdapter(fresh, adapter);
        assertTrue(expected.equalsWithEps(TinyBert.output(fresh, d), 1e-6));
    }

    @Test
    void aMaskNeverOutlivesThePassItWasGivenFor() {
        ComputationGraph net = TinyBert.classifier(F, 30, LoRAMode.VANILLA, "query", "value");
        MultiDataSet d = TinyBert.batch(F, 31, 8, 8, 3);
        INDArray unmasked = net.output(false, d.getFeatures())[0].dup();
        INDArray masked = TinyBert.output(net, d).dup();
        assertFalse(unmasked.equalsWithEps(masked, 1e-6), "the mask must matter for the padded example");
        assertTrue(unmasked.equalsWithEps(net.output(false, d.getFeatures())[0], 1e-7),
                "a mask from an earlier pass was applied");
    }

    @Test
    void invalidInputIsRefusedByName() {
        ComputationGraph net = TinyBert.classifier(F, 27, LoRAMode.VANILLA, "query", "value");
        MultiDataSet d = TinyBert.batch(F, 28, 6, 6);
        INDArray ids = d.getFeatures(0).dup();
        ids.putScalar(0, 3, 40); // vocabulary is 40
        assertTrue(assertThrows(IllegalArgumentException.class, () -> net.output(false, new INDArray[]{ids},
                d.getFeaturesMaskArrays())).getMessage().contains("embeddings"));
        INDArray halfMask = d.getFeaturesMaskArray(0).dup();
        halfMask.putScalar(0, 2, 0.5);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> net.output(false, d.getFeatures(),
                new INDArray[]{halfMask})).getMessage().contains("attention"));
        MultiDataSet tooLong = TinyBert.batch(F, 29, 30, 30);
        assertThrows(IllegalArgumentException.class, () -> TinyBert.output(net, tooLong));
    }
}
