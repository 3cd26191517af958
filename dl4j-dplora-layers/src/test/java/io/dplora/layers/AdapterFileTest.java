package io.dplora.layers;

import io.dplora.layers.lora.AdapterMismatchException;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Adapter files: round trip onto a fresh conversion of the same base, and refusal of a different base. */
class AdapterFileTest {

    private static final DataType F = DataType.FLOAT;

    @TempDir
    Path dir;

    private static LoRASpec spec() {
        return LoRASpec.builder().targets("dense1", "dense3").rank(2).alpha(4).trainable("out").build();
    }

    @Test
    void roundTripOntoFreshConversionOfTheSameBase() throws IOException {
        ComputationGraph base = Pretrained.graph(F);
        ComputationGraph trained = LoRA.apply(base, spec());
        DataSet ds = Pretrained.data(F, 10, 31);
        for (int i = 0; i < 4; i++) {
            trained.fit(ds);
        }
        File file = dir.resolve("adapter.zip").toFile();
        LoRA.saveAdapter(trained, file);
        long adapterBytes = Files.size(file.toPath());
        assertTrue(adapterBytes > 0);

        ComputationGraph fresh = LoRA.apply(base, spec());
        INDArray x = TestData.features(F, 32, 6, Pretrained.N_IN);
        assertNotEquals(trained.outputSingle(x), fresh.outputSingle(x));
        LoRA.loadAdapter(fresh, file);
        assertEquals(trained.outputSingle(x), fresh.outputSingle(x));
        assertEquals(trained.params(), fresh.params());
    }

    @Test
    void differentBaseWeightsAreRefusedAndLeaveTheNetworkUnchanged() throws IOException {
        ComputationGraph base = Pretrained.graph(F);
        ComputationGraph trained = LoRA.apply(base, spec());
        trained.fit(Pretrained.data(F, 10, 33));
        File file = dir.resolve("adapter.zip").toFile();
        LoRA.saveAdapter(trained, file);

        ComputationGraph otherBase = Pretrained.graph(F);
        otherBase.getLayer("dense0").getParam("W").putScalar(0, 0, 0.123f);
        ComputationGraph other = LoRA.apply(otherBase, spec());
        INDArray before = other.params().dup();
        AdapterMismatchException e = assertThrows(AdapterMismatchException.class, () -> LoRA.loadAdapter(other, file));
        assertTrue(e.getMessage().contains("base"), e.getMessage());
        assertEquals(before, other.params(), "a refused adapter must not change the network");

        ComputationGraph otherRank = LoRA.apply(base, LoRASpec.builder().targets("dense1", "dense3").rank(3).alpha(4)
                .trainable("out").build());
        e = assertThrows(AdapterMismatchException.class, () -> LoRA.loadAdapter(otherRank, file));
        assertTrue(e.getMessage().contains("loraA"), e.getMessage());

        ComputationGraph otherAlpha = LoRA.apply(base, LoRASpec.builder().targets("dense1", "dense3").rank(2).alpha(8)
                .trainable("out").build());
        e = assertThrows(AdapterMismatchException.class, () -> LoRA.loadAdapter(otherAlpha, file));
        assertTrue(e.getMessage().contains("alpha"), e.getMessage());
    }

    @Test
    void multiLayerRoundTripAndNonAdapterFile() throws IOException {
        MultiLayerNetwork base = Pretrained.list(F);
        LoRASpec spec = LoRASpec.builder().targets("dense2").rank(2).mode(LoRAMode.FFA).build();
        MultiLayerNetwork trained = LoRA.apply(base, spec);
        trained.fit(Pretrained.data(F, 10, 34));
        File file = dir.resolve("a.zip").toFile();
        LoRA.saveAdapter(trained, file);
        MultiLayerNetwork fresh = LoRA.apply(base, spec);
        LoRA.loadAdapter(fresh, file);
        assertEquals(trained.params(), fresh.params());

        File junk = dir.resolve("junk.zip").toFile();
        Files.writeString(junk.toPath(), "not a zip");
        assertThrows(IOException.class, () -> LoRA.loadAdapter(fresh, junk));
        assertEquals(trained.params(), fresh.params());

        File missingDir = dir.resolve("nope/a.zip").toFile();
        assertThrows(IOException.class, () -> LoRA.saveAdapter(trained, missingDir));
        assertFalse(missingDir.exists());
    }
}
