package io.dplora.samples.cli;

import io.dplora.accounting.AccountantType;
import io.dplora.accounting.PrivacyLedger;
import io.dplora.layers.LoRA;
import io.dplora.samples.data.DataLocations;
import io.dplora.samples.results.Json;
import io.dplora.samples.run.RunArtifacts;
import io.dplora.samples.task.FashionTask;
import io.dplora.samples.task.TaskData;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.shade.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code dplora train} end to end on a small real subset (Fashion-MNIST, the first 3,000 private training images, one
 * epoch): the {@code --json} line's fields, epsilon within the target, the files written, and their content checked
 * independently: the merged model's accuracy recomputed with DL4J's Evaluation, the adapter re-applied to the base,
 * the ledger's epsilon recomputed from its steps.
 */
class TrainCommandSmokeTest {

    @TempDir
    Path tmp;

    private CliRunner.Result train(Path out, String method) {
        return CliRunner.run("train", "--task", "fashion", "--method", method, "--limit", "3000", "--epochs", "1",
                "--batch", "100", "--physical-batch", "64", "--lr", "0.02", "--epsilon", "2", "--seed", "3", "--json",
                "--out", out.toString(), "--data-dir", TestFolders.data().toString(),
                "--cache-dir", TestFolders.bases().toString());
    }

    @Test
    void quietPrintsOnlyWarningsTheResultAndTheJson() throws IOException {
        Path out = tmp.resolve("quiet");
        CliRunner.Result r = CliRunner.run("train", "--task", "fashion", "--method", "ffa", "--limit", "1000",
                "--epochs", "1", "--batch", "100", "--lr", "0.02", "--epsilon", "2", "--seed", "3", "--json",
                "--quiet", "--out", out.toString(), "--data-dir", TestFolders.data().toString(),
                "--cache-dir", TestFolders.bases().toString());
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(3, lines.size(), "the seed warning, the result line and the JSON line: " + r.out());
        assertTrue(lines.get(0).startsWith("warning: --seed"), r.out());
        assertTrue(lines.get(1).startsWith("fashion ffa r=8: test accuracy"), r.out());
        assertEquals("ffa", Json.mapper().readTree(r.lastLine()).get("method").asText());
        assertTrue(Files.exists(out.resolve(RunArtifacts.RESULT)));
    }

    @Test
    void dpRunPrintsItsJsonLastAndSavesMergedModelAdapterAndLedger() throws IOException {
        Path out = tmp.resolve("run");
        CliRunner.Result r = train(out, "vanilla");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = Json.mapper().readTree(r.lastLine());
        for (String f : List.of("task", "method", "rank", "epsilon_target", "epsilon_spent", "delta",
                "noise_multiplier", "steps", "test_accuracy", "seconds", "epoch_losses")) {
            assertTrue(j.hasNonNull(f), "field " + f + " in " + j);
        }
        assertEquals("fashion", j.get("task").asText());
        assertEquals("vanilla", j.get("method").asText());
        assertEquals(8, j.get("rank").asInt());
        assertEquals(2.0, j.get("epsilon_target").asDouble());
        assertEquals(1e-5, j.get("delta").asDouble());
        double eps = j.get("epsilon_spent").asDouble();
        assertTrue(eps > 0 && eps <= 2.0, "epsilon spent " + eps);
        assertTrue(j.get("noise_multiplier").asDouble() > 0);
        assertEquals(30, j.get("steps").asLong(), "ceil(1 epoch * 3000 / 100) logical steps");
        assertTrue(j.get("seeded").asBoolean() && !j.get("for_release").asBoolean(), "--seed: not for release");
        assertTrue(r.out().contains("NOT for release"), r.out());
        assertEquals(3000, j.get("train_size").asInt());
        assertEquals(1, j.get("epoch_losses").size());
        assertTrue(r.out().contains("epoch 1/1: loss "), r.out());
        assertTrue(r.out().contains("logical steps 30/30 (expected passes 1.00)"), "30 steps x E 100 / N 3000");
        assertTrue(r.out().contains("epsilon spent"), r.out());

        assertEquals(j, Json.mapper().readTree(out.resolve(RunArtifacts.RESULT).toFile()), "result.json = JSON line");

        // the ledger: its steps and its epsilon, recomputed by the accountant
        PrivacyLedger ledger = PrivacyLedger.fromJson(Files.readString(out.resolve(RunArtifacts.LEDGER),
                StandardCharsets.UTF_8));
        assertEquals(30, ledger.totalSteps());
        assertEquals("PLD", j.get("accountant").asText(), "the library's default accountant");
        assertEquals(eps, ledger.epsilon(1e-5, AccountantType.PLD), 1e-9 * eps);

        // the merged model: plain DL4J layers, accuracy on the private test split recomputed with DL4J's Evaluation
        ComputationGraph merged = ModelSerializer.restoreComputationGraph(out.resolve(RunArtifacts.MERGED).toFile());
        TaskData data = new FashionTask().load(DataLocations.at(TestFolders.data()));
        DataSet test = data.privateTest().get(java.util.stream.IntStream.range(0, data.privateTest().size())
                .toArray());
        INDArray mergedOut = merged.outputSingle(test.getFeatures());
        Evaluation e = new Evaluation(5);
        e.eval(test.getLabels(), mergedOut);
        assertEquals(j.get("test_accuracy").asDouble(), e.accuracy(), 2e-3);
        assertTrue(e.accuracy() > 0.5, "clearly above chance (0.2): " + e.accuracy());

        // the adapter: re-applied to the cached base it gives the merged model's outputs
        ComputationGraph base = ModelSerializer.restoreComputationGraph(TestFolders.bases()
                .resolve("fashion-" + j.get("base_key").asText()).resolve("model.zip").toFile());
        ComputationGraph lora = LoRA.apply(base, io.dplora.layers.LoRASpec.builder().targets("dense1", "dense2")
                .rank(8).alpha(16).trainable("out").build());
        LoRA.loadAdapter(lora, out.resolve(RunArtifacts.ADAPTER).toFile());
        INDArray viaAdapter = lora.outputSingle(test.getFeatures());
        assertTrue(viaAdapter.equalsWithEps(mergedOut, 1e-4), "adapter + base = merged model");
    }

    /**
     * {@code --spark local[2]} trains the same DP run with its clipped sums computed by Spark: against the single-machine
     * run with the same seed and {@code --sampling keyed} (the very samples the Spark partitions draw), the same steps,
     * sigma, epsilon and ledger, and an accuracy within float summation order (one point); a non-private method is
     * refused with Spark.
     */
    @Test
    void sparkRunMatchesTheSingleMachineRunWithTheSameSamples() throws IOException {
        List<String> common = List.of("train", "--task", "fashion", "--method", "vanilla", "--limit", "2000",
                "--epochs", "1", "--batch", "100", "--physical-batch", "64", "--lr", "0.02", "--epsilon", "2",
                "--seed", "5", "--sampling", "keyed", "--json", "--data-dir", TestFolders.data().toString(),
                "--cache-dir", TestFolders.bases().toString());
        java.util.List<String> single = new java.util.ArrayList<>(common);
        single.addAll(List.of("--out", tmp.resolve("single").toString()));
        java.util.List<String> spark = new java.util.ArrayList<>(common);
        spark.addAll(List.of("--out", tmp.resolve("spark").toString(), "--spark", "local[2]"));
        CliRunner.Result a = CliRunner.run(single.toArray(String[]::new));
        CliRunner.Result b = CliRunner.run(spark.toArray(String[]::new));
        assertEquals(0, a.exitCode(), a.err());
        assertEquals(0, b.exitCode(), b.err());
        assertTrue(b.out().contains("on Spark local[2]"), b.out());
        JsonNode ja = Json.mapper().readTree(a.lastLine());
        JsonNode jb = Json.mapper().readTree(b.lastLine());
        assertEquals(20, jb.get("steps").asLong());
        assertEquals(ja.get("steps").asLong(), jb.get("steps").asLong());
        assertEquals(ja.get("noise_multiplier").asDouble(), jb.get("noise_multiplier").asDouble(), 0.0);
        assertEquals(ja.get("epsilon_spent").asDouble(), jb.get("epsilon_spent").asDouble(), 0.0);
        assertEquals(ja.get("test_accuracy").asDouble(), jb.get("test_accuracy").asDouble(), 0.01);
        PrivacyLedger la = PrivacyLedger.fromJson(Files.readString(tmp.resolve("single").resolve(RunArtifacts.LEDGER),
                StandardCharsets.UTF_8));
        PrivacyLedger lb = PrivacyLedger.fromJson(Files.readString(tmp.resolve("spark").resolve(RunArtifacts.LEDGER),
                StandardCharsets.UTF_8));
        assertEquals(la.totalSteps(), lb.totalSteps());
        assertEquals(la.entries().get(0).noiseMultiplier(), lb.entries().get(0).noiseMultiplier());
        assertEquals(la.entries().get(0).samplingProbability(), lb.entries().get(0).samplingProbability());

        CliRunner.Result none = CliRunner.run("train", "--task", "fashion", "--method", "none", "--limit", "2000",
                "--epochs", "1", "--batch", "100", "--seed", "5", "--spark", "local[2]",
                "--out", tmp.resolve("none").toString(), "--data-dir", TestFolders.data().toString(),
                "--cache-dir", TestFolders.bases().toString());
        assertTrue(none.exitCode() != 0, "--spark with a non-private method must be refused");
        assertTrue((none.out() + none.err()).contains("--spark runs DP methods"), none.out() + none.err());
        assertTrue(!Files.exists(tmp.resolve("none")), "refused before the output folder is made");
    }

    @Test
    void validationHoldsOutTheLastPrivateTrainingExamplesAndScoresOnThem() throws IOException {
        Path out = tmp.resolve("validation");
        CliRunner.Result r = CliRunner.run("train", "--task", "fashion", "--method", "none", "--validation", "1000",
                "--limit", "2000", "--epochs", "1", "--batch", "100", "--lr", "0.02", "--seed", "4", "--json",
                "--out", out.toString(), "--data-dir", TestFolders.data().toString(),
                "--cache-dir", TestFolders.bases().toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = Json.mapper().readTree(r.lastLine());
        assertEquals(1000, j.get("validation").asInt());
        assertEquals(2000, j.get("train_size").asInt(), "--limit applies to the part that is not held out");
        assertTrue(r.out().contains("validation accuracy"), r.out());

        // the reported accuracy is the merged model's on the LAST 1,000 private training images, recomputed here
        TaskData data = new FashionTask().load(DataLocations.at(TestFolders.data()));
        int n = data.privateTrain().size();
        DataSet held = data.privateTrain().get(java.util.stream.IntStream.range(n - 1000, n).toArray());
        ComputationGraph merged = ModelSerializer.restoreComputationGraph(out.resolve(RunArtifacts.MERGED).toFile());
        Evaluation e = new Evaluation(5);
        e.eval(held.getLabels(), merged.outputSingle(held.getFeatures()));
        assertEquals(e.accuracy(), j.get("test_accuracy").asDouble(), 5e-4, "within one image of 1,000");
    }

    @Test
    void nonPrivateRunReportsNoEpsilonAndWritesNoLedger() throws IOException {
        Path out = tmp.resolve("none");
        CliRunner.Result r = train(out, "none");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = Json.mapper().readTree(r.lastLine());
        assertEquals("none", j.get("method").asText());
        assertTrue(j.get("epsilon_spent").isNull());
        assertTrue(j.get("noise_multiplier").isNull());
        assertEquals(30, j.get("steps").asLong(), "3000 examples in minibatches of 100");
        assertTrue(j.get("test_accuracy").asDouble() > 0.5);
        assertTrue(Files.isRegularFile(out.resolve(RunArtifacts.MERGED)));
        assertTrue(Files.isRegularFile(out.resolve(RunArtifacts.ADAPTER)));
        assertFalse(Files.exists(out.resolve(RunArtifacts.LEDGER)));
    }

    @Test
    void aForeignOutputFolderIsRefusedBeforeTrainingWithNothingTouched() throws IOException {
        Path mine = Files.createDirectories(tmp.resolve("my-project"));
        Files.writeString(mine.resolve("notes.txt"), "precious");
        Files.createDirectories(mine.resolve(".git"));
        CliRunner.Result r = train(mine, "vanilla");
        assertEquals(2, r.exitCode(), "a usage error, before any data is loaded or budget spent");
        assertTrue(r.err().contains("was not created by dplora"), r.err());
        assertFalse(r.out().contains("fine-tuning"), "nothing was trained: " + r.out());
        assertEquals("precious", Files.readString(mine.resolve("notes.txt")));
        assertTrue(Files.isDirectory(mine.resolve(".git")));
        try (java.util.stream.Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(mine), s.toList(), "nothing created beside it");
        }
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        CliRunner.Result under = train(file.resolve("run"), "vanilla");
        assertEquals(2, under.exitCode(), "an unwritable location is found before training");
        assertTrue(under.err().contains("choose a writable --out"), under.err());
    }

    @Test
    void anUnseededRunIsForReleaseAndNamedWithoutASeed() throws IOException {
        Path out = tmp.resolve("unseeded");
        CliRunner.Result r = CliRunner.run("train", "--task", "fashion", "--method", "vanilla", "--limit", "1000",
                "--epochs", "1", "--batch", "100", "--epsilon", "2", "--json", "--out", out.toString(),
                "--data-dir", TestFolders.data().toString(), "--cache-dir", TestFolders.bases().toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = Json.mapper().readTree(r.lastLine());
        assertTrue(j.get("seed").isNull() && !j.get("seeded").asBoolean() && j.get("for_release").asBoolean(), "" + j);
        assertFalse(PrivacyLedger.fromJson(Files.readString(out.resolve(RunArtifacts.LEDGER))).isSeeded());
        assertTrue(Files.exists(out.resolve(io.dplora.samples.run.RunFolder.MARKER)));
    }
}
