package io.dplora.updater;

import io.dplora.accounting.AccountantType;
import io.dplora.accounting.PrivacyLedger;
import io.dplora.layers.PrivacyRecord;
import io.dplora.layers.PrivacyRecordHolder;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10 item 3 (privacy state travels with the network) and the library parts of item 11: a network that has
 * taken DP steps cannot start a fresh ledger (restored with ModelSerializer, cloned), cannot be trained without its DP
 * step (clone, replaced updater), cannot be checkpointed with another ledger, and resumes only its own run; a resumed
 * run cannot raise its budget silently; all-NaN data stops instead of spending the budget; a killed save's temporary
 * files are cleaned up, nothing else.
 */
class PrivacyContinuityTest {

    private static final int N = 64;
    private static final DataSet DATA = TestSupport.data(8, N);

    @TempDir
    Path dir;

    private static DPConfig.Builder config() {
        return DPConfig.builder().accountant(AccountantType.RDP).noiseMultiplier(1.0).delta(1e-5).maxGradNorm(1.0).expectedBatchSize(8).steps(16)
                .epsilonBudget(50);
    }

    private static PrivateTraining trained(ComputationGraph net) {
        PrivateTraining t = DPLoRA.makePrivate(net, DATA, config().build());
        t.fit();
        assertEquals(16, t.stepsTaken());
        return t;
    }

    @Test
    void aRestoredCopyCannotStartAFreshLedgerButResumesItsRun() throws IOException {
        ComputationGraph net = TestSupport.loraGraph(1, new Sgd(0.1));
        PrivateTraining t = trained(net);
        double eps16 = t.epsilon();
        File file = dir.resolve("run.zip").toFile();
        t.save(file);

        ComputationGraph plainRestore = ModelSerializer.restoreComputationGraph(file, true);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DPLoRA.makePrivate(plainRestore, DATA, config().build()));
        assertTrue(e.getMessage().contains("16 DP steps") && e.getMessage().contains("DPLoRA.resume")
                && e.getMessage().contains("DPCheckpoint"), e.getMessage());

        PrivateTraining resumed = DPLoRA.resume(DPCheckpoint.restoreComputationGraph(file), DATA,
                config().steps(20).build());
        assertEquals(16, resumed.stepsTaken());
        assertEquals(t.ledger().runId(), resumed.ledger().runId());
        resumed.fit();
        assertEquals(20, resumed.stepsTaken());
        assertTrue(resumed.epsilon() > eps16, "epsilon continues: " + resumed.epsilon() + " > " + eps16);
    }

    @Test
    void aCloneCanNeitherStartAFreshLedgerNorTrainWithoutTheDpStep() {
        ComputationGraph net = TestSupport.loraGraph(2, new Sgd(0.1));
        trained(net);
        ComputationGraph copy = net.clone();
        assertThrows(IllegalStateException.class, () -> DPLoRA.makePrivate(copy, DATA, config().build()));
        INDArray before = copy.params().dup();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> copy.fit(DATA));
        assertTrue(e.getMessage().contains("made private"), e.getMessage());
        assertEquals(before, copy.params());
    }

    @Test
    void aNetworkMadePrivateButNeverTrainedMayStartAgain() {
        ComputationGraph net = TestSupport.loraGraph(3, new Sgd(0.1));
        DPLoRA.makePrivate(net, DATA, config().build());
        ComputationGraph copy = net.clone();
        PrivateTraining again = DPLoRA.makePrivate(copy, DATA, config().build());
        assertEquals(1, again.fit() > 0 ? 1 : 0);
    }

    @Test
    void aReplacedUpdaterIsRefusedAtTheFirstBackwardPass() {
        ComputationGraph net = TestSupport.loraGraph(4, new Sgd(0.1));
        PrivateTraining t = DPLoRA.makePrivate(net, DATA, config().build());
        net.setUpdater(new ComputationGraphUpdater(net));
        INDArray before = net.params().dup();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.fit(t.iterator()));
        assertTrue(e.getMessage().contains("no longer installed"), e.getMessage());
        assertEquals(before, net.params());
        assertEquals(0, t.stepsTaken());
    }

    @Test
    void aCheckpointWithAnotherOrAnEmptyLedgerIsRefusedAndNothingIsWritten() {
        ComputationGraph net = TestSupport.loraGraph(5, new Sgd(0.1));
        trained(net);
        File file = dir.resolve("bad.zip").toFile();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DPCheckpoint.save(net, new PrivacyLedger(), file));
        assertTrue(e.getMessage().contains("16 DP steps"), e.getMessage());
        assertFalse(file.exists());
    }

    @Test
    void theRecordTravelsInTheConfigurationAndCountsEveryReleasedStep() {
        ComputationGraph net = TestSupport.loraGraph(6, new Sgd(0.1));
        PrivateTraining t = trained(net);
        PrivacyRecord r = ((PrivacyRecordHolder) net.getLayer("out").conf().getLayer()).getPrivacyRecord();
        assertEquals(new PrivacyRecord(t.ledger().runId(), 16), r);
        ComputationGraph fromJson = new ComputationGraph(
                org.deeplearning4j.nn.conf.ComputationGraphConfiguration.fromJson(net.getConfiguration().toJson()));
        fromJson.init();
        assertEquals(r, ((PrivacyRecordHolder) fromJson.getLayer("l1").conf().getLayer()).getPrivacyRecord());
    }

    @Test
    void resumingWithALargerBudgetNeedsAnExplicitFlag() throws IOException {
        ComputationGraph net = TestSupport.loraGraph(7, new Sgd(0.1));
        PrivateTraining t = trained(net);
        File file = dir.resolve("run.zip").toFile();
        t.save(file);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DPLoRA.resume(
                DPCheckpoint.restoreComputationGraph(file), DATA, config().epsilonBudget(80).steps(20).build()));
        assertTrue(e.getMessage().contains("allowBudgetIncrease"), e.getMessage());
        PrivateTraining raised = DPLoRA.resume(DPCheckpoint.restoreComputationGraph(file), DATA,
                config().epsilonBudget(80).steps(20).allowBudgetIncrease(true).build());
        assertEquals(80.0, raised.ledger().epsilonBudget());
        PrivateTraining same = DPLoRA.resume(DPCheckpoint.restoreComputationGraph(file), DATA,
                config().steps(20).build());
        assertEquals(16, same.stepsTaken());
    }

    @Test
    void allNanDataStopsInsteadOfSpendingTheBudgetOnNoise() {
        DataSet nan = TestSupport.data(9, N);
        nan.getFeatures().assign(Double.NaN);
        ComputationGraph net = TestSupport.loraGraph(8, new Sgd(0.1));
        PrivateTraining t = DPLoRA.makePrivate(net, nan, config().expectedBatchSize(32).build());
        IllegalStateException e = assertThrows(IllegalStateException.class, t::fit);
        assertTrue(e.getMessage().contains("maxDroppedFraction"), e.getMessage());
        assertTrue(t.stepsTaken() <= 2, "stopped after at most the steps needed to see 50 examples: "
                + t.stepsTaken());
    }

    @Test
    void staleTemporariesOfAKilledSaveAreRemovedAndNothingElse() throws IOException {
        ComputationGraph net = TestSupport.loraGraph(10, new Sgd(0.1));
        PrivateTraining t = trained(net);
        Path target = dir.resolve("ck.zip");
        Path stale = dir.resolve("ck.zip.dplora-partial.123456.tmp");
        Path fresh = dir.resolve("ck.zip.dplora-partial.654321.tmp");
        Path foreign = dir.resolve("ck.zip.123456.tmp");
        Path other = dir.resolve("notes.tmp");
        for (Path p : new Path[] {stale, fresh, foreign, other}) {
            Files.writeString(p, "x");
        }
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(DPCheckpoint.STALE_AFTER).minusSeconds(
                60)));
        Files.setLastModifiedTime(foreign, FileTime.from(Instant.now().minusSeconds(86400)));
        t.save(target.toFile());
        assertFalse(Files.exists(stale), "a stale temporary of this checkpoint is removed");
        assertTrue(Files.exists(fresh), "a recent one may belong to a save in progress");
        assertTrue(Files.exists(foreign) && Files.exists(other), "files this program did not create are kept");
        assertTrue(DPCheckpoint.isDPCheckpoint(target.toFile()));
    }

    @Test
    void layerWiseTrainingOfAPrivateNetworkIsRefused() {
        ComputationGraph net = TestSupport.loraGraph(11, new Sgd(0.1));
        DPLoRA.makePrivate(net, DATA, config().build());
        INDArray before = net.params().dup();
        net.setInput(0, DATA.getFeatures());
        net.setLabel(0, DATA.getLabels());
        IllegalStateException e = assertThrows(IllegalStateException.class, net::computeGradientAndScore,
                "a hand-written step (gradient, then params minus it) would bypass the DP step");
        assertTrue(e.getMessage().contains("no micro-batch"), e.getMessage());
        assertEquals(before, net.params());
    }

    @Test
    void replacingTheListenersIsWarnedAboutAndTheBudgetStillHolds() {
        ComputationGraph net = TestSupport.loraGraph(12, new Sgd(0.1));
        PrivateTraining t = DPLoRA.makePrivate(net, DATA, config().steps(12).build());
        net.fit(t.iterator());
        assertTrue(t.stepsTaken() < 12);
        assertFalse(t.updater().listenerWarningGiven());
        net.setListeners();
        while (t.stepsTaken() < 12) {
            net.fit(t.iterator());
        }
        assertTrue(t.updater().listenerWarningGiven(), "the removed privacy listener is reported");
        net.fit(t.iterator());
        assertEquals(12, t.stepsTaken(), "the sampler and the DP step stop at the planned steps without the listener");
    }

    @Test
    void aTruncatedCheckpointIsNamedInTheError() throws IOException {
        ComputationGraph net = TestSupport.loraGraph(13, new Sgd(0.1));
        PrivateTraining t = trained(net);
        Path file = dir.resolve("run.zip");
        t.save(file.toFile());
        byte[] all = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(all, all.length / 3));
        Exception e = assertThrows(Exception.class, () -> DPCheckpoint.restoreComputationGraph(file.toFile()));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
}
