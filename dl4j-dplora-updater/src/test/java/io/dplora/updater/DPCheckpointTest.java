package io.dplora.updater;

import io.dplora.accounting.AccountantType;
import io.dplora.accounting.NoiseCalibration;
import io.dplora.accounting.PrivacyLedger;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static io.dplora.updater.TestSupport.flat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ledger travels inside the model zip; a resumed run continues epsilon exactly; broken checkpoints fail loudly. */
class DPCheckpointTest {

    private static final int N = 20;
    private static final DataSet DATA = TestSupport.data(8, N);

    @TempDir
    Path dir;

    private static DPConfig config(long steps) {
        return DPConfig.builder().noiseMultiplier(1.1).delta(1e-5).maxGradNorm(1.0).expectedBatchSize(4).steps(steps)
                .seed(21).build();
    }

    private static void trainUntil(PrivateTraining t, long steps) {
        PoissonSamplingIterator it = t.iterator();
        ComputationGraph net = (ComputationGraph) t.network();
        while (t.stepsTaken() < steps) {
            if (!it.hasNext()) {
                it.reset();
            }
            net.fit(it.next());
        }
    }

    @Test
    void resumedRunContinuesEpsilonExactlyLikeAnUninterruptedOne() throws IOException {
        ComputationGraph whole = TestSupport.loraGraph(4, new Adam(0.01));
        ComputationGraph interrupted = whole.clone();
        PrivateTraining a = DPLoRA.makePrivate(whole, DATA, config(10));
        a.fit();
        double uninterrupted = a.epsilon();
        assertEquals(NoiseCalibration.epsilon(1.1, 0.2, 10, 1e-5, config(10).getAccountant()), uninterrupted,
                1e-12 * uninterrupted);

        PrivateTraining b = DPLoRA.makePrivate(interrupted, DATA, config(10));
        trainUntil(b, 6);
        File file = dir.resolve("run.zip").toFile();
        b.save(file);
        assertTrue(DPCheckpoint.isDPCheckpoint(file));

        DPCheckpoint.Restored<ComputationGraph> restored = DPCheckpoint.restoreComputationGraph(file);
        assertEquals(6, restored.ledger().totalSteps());
        assertArrayEquals(flat(interrupted.params()), flat(restored.network().params()), 0.0);
        assertArrayEquals(flat(interrupted.getUpdater().getStateViewArray()),
                flat(restored.network().getUpdater().getStateViewArray()), 0.0);

        PrivateTraining resumed = DPLoRA.resume(restored, DATA, config(10));
        assertEquals(6, resumed.stepsTaken());
        assertArrayEquals(flat(interrupted.getUpdater().getStateViewArray()),
                flat(restored.network().getUpdater().getStateViewArray()), 0.0,
                "attaching DP must keep the restored Adam moments");
        assertEquals(b.epsilon(), resumed.epsilon(), 0.0, "epsilon continues from the restored ledger");
        assertEquals(4, resumed.fit());
        assertEquals(10, resumed.stepsTaken());
        assertEquals(uninterrupted, resumed.epsilon(), 1e-12 * uninterrupted);
        assertEquals(a.ledger().totalSteps(), resumed.ledger().totalSteps());
        assertEquals(0, resumed.fit());
    }

    @Test
    void resumingUnderATargetEpsilonRespectsWhatIsLeftOfTheBudget() throws IOException {
        DPConfig target = DPConfig.builder().targetEpsilon(1.5).delta(1e-5).maxGradNorm(1.0).expectedBatchSize(4)
                .steps(12).seed(2).build();
        ComputationGraph net = TestSupport.loraGraph(5, new Adam(0.01));
        PrivateTraining first = DPLoRA.makePrivate(net, DATA, target);
        trainUntil(first, 5);
        File file = dir.resolve("target.zip").toFile();
        first.save(file);
        PrivateTraining resumed = DPLoRA.resume(DPCheckpoint.restoreComputationGraph(file), DATA, target);
        assertEquals(first.noiseMultiplier(), resumed.noiseMultiplier(), 0.0);
        assertEquals(12, resumed.stepLimit());
        resumed.fit();
        assertEquals(12, resumed.stepsTaken());
        assertTrue(resumed.epsilon() <= 1.5);
    }

    @Test
    void multiLayerNetworkCheckpointRoundTrips() throws IOException {
        MultiLayerNetwork net = TestSupport.loraMln(6, new Adam(0.01));
        PrivateTraining t = DPLoRA.makePrivate(net, DATA, config(3));
        t.fit();
        File file = dir.resolve("mln.zip").toFile();
        t.save(file);
        DPCheckpoint.Restored<MultiLayerNetwork> r = DPCheckpoint.restoreMultiLayerNetwork(file);
        assertEquals(3, r.ledger().totalSteps());
        assertArrayEquals(flat(net.params()), flat(r.network().params()), 0.0);
        assertEquals(t.epsilon(), r.ledger().epsilon(1e-5, config(3).getAccountant()), 1e-12);
    }

    @Test
    void aDpCheckpointWithoutItsLedgerIsAnError() throws IOException {
        ComputationGraph net = TestSupport.loraGraph(7, new Adam(0.01));
        File file = dir.resolve("noledger.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        ModelSerializer.addObjectToFile(file, DPCheckpoint.MARKER_KEY, DPCheckpoint.FORMAT);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DPCheckpoint.restoreComputationGraph(file));
        assertTrue(e.getMessage().contains("no privacy ledger"), e.getMessage());
    }

    @Test
    void anUnreadableLedgerIsAnError() throws IOException {
        ComputationGraph net = TestSupport.loraGraph(7, new Adam(0.01));
        File garbage = dir.resolve("garbage.zip").toFile();
        ModelSerializer.writeModel(net, garbage, true);
        ModelSerializer.addObjectToFile(garbage, DPCheckpoint.MARKER_KEY, DPCheckpoint.FORMAT);
        ModelSerializer.addObjectToFile(garbage, DPCheckpoint.LEDGER_KEY, "{ this is not a ledger");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DPCheckpoint.restoreComputationGraph(garbage));
        assertTrue(e.getMessage().contains("unreadable"), e.getMessage());

        File wrongType = dir.resolve("wrongtype.zip").toFile();
        ModelSerializer.writeModel(net, wrongType, true);
        ModelSerializer.addObjectToFile(wrongType, DPCheckpoint.LEDGER_KEY, 42);
        assertThrows(IllegalStateException.class, () -> DPCheckpoint.readLedger(wrongType));
    }

    @Test
    void aPlainModelIsNotADpCheckpoint() throws IOException {
        ComputationGraph net = TestSupport.loraGraph(7, new Adam(0.01));
        File file = dir.resolve("plain.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DPCheckpoint.restoreComputationGraph(file));
        assertTrue(e.getMessage().contains("not a DP checkpoint"), e.getMessage());
    }

    @Test
    void aCrashMidSaveLeavesThePreviousCheckpointIntact() throws IOException {
        ComputationGraph net = TestSupport.loraGraph(9, new Adam(0.01));
        PrivateTraining t = DPLoRA.makePrivate(net, DATA, config(4));
        trainUntil(t, 2);
        File file = dir.resolve("ckpt.zip").toFile();
        t.save(file);
        byte[] before = Files.readAllBytes(file.toPath());
        trainUntil(t, 4);
        assertThrows(IOException.class, () -> DPCheckpoint.save(net, t.budget().ledger(), file, tmp -> {
            assertTrue(Files.size(tmp) > 0);
            throw new IOException("simulated crash before the move");
        }));
        assertArrayEquals(before, Files.readAllBytes(file.toPath()));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file may be left behind");
        }
        PrivacyLedger kept = DPCheckpoint.readLedger(file);
        assertEquals(2, kept.totalSteps());
    }
}
