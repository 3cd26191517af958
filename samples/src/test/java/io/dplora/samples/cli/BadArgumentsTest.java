package io.dplora.samples.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad arguments give a usage error (exit code 2) with a message naming the problem, and touch nothing on disk: no
 * output folder, no data or cache folder, no default {@code runs/} folder, no results file.
 */
class BadArgumentsTest {

    @TempDir
    Path tmp;

    private List<String> withFolders(String... args) {
        List<String> l = new ArrayList<>(Arrays.asList(args));
        l.addAll(List.of("--data-dir", tmp.resolve("data").toString(), "--cache-dir", tmp.resolve("cache").toString()));
        return l;
    }

    private void assertUsageErrorAndNothingWritten(List<String> args, String expectedInMessage) throws IOException {
        Path runs = Path.of("runs");
        boolean runsExisted = Files.exists(runs);
        CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
        assertEquals(2, r.exitCode(), () -> "args " + args + "\nstdout: " + r.out() + "\nstderr: " + r.err());
        assertTrue(r.err().toLowerCase().contains(expectedInMessage.toLowerCase()),
                () -> "message should mention '" + expectedInMessage + "': " + r.err());
        assertTrue(r.err().contains("--help' for the options") && !r.err().contains("Usage:"),
                () -> "the problem and a one-line hint, not the whole usage: " + r.err());
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(), s.toList(), "nothing may be written for " + args);
        }
        assertEquals(runsExisted, Files.exists(runs), "a default runs/ folder was created for " + args);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "--task mnist|unknown task",
            "--rank 0|rank",
            "--rank -3|rank",
            "--epsilon 0|epsilon",
            "--epsilon -1|epsilon",
            "--epsilon NaN|epsilon",
            "--delta 0|delta",
            "--delta 1|delta",
            "--epochs 0|epochs",
            "--batch 0|batch",
            "--physical-batch 0|physical batch",
            "--lr 0|learning rate",
            "--max-grad-norm -1|max grad norm",
            "--alpha 0|alpha",
            "--limit 0|limit",
            "--limit 100 --batch 256|must not exceed --limit",
            "--method sgd|unknown method",
            "--rank eight|rank",
            "--no-such-option|no-such-option",
            "--task fashion --max-tokens 64|apply to imdb-minilm only",
            "--task imdb --private-train 100|apply to imdb-minilm only",
            "--task imdb-minilm --max-tokens 600|--max-tokens must be in [3, 512]",
            "--task imdb-minilm --max-tokens 2|--max-tokens must be in [3, 512]",
            "--task imdb-minilm --private-train 0|--private-train must be >= 1",
            "--task imdb-minilm --truncation middle|truncation",
            "--task fashion --method logreg|method logreg needs a task whose classifier sits on frozen features"})
    void trainRejectsBadArgumentsWithExitCode2AndWritesNothing(String spec) throws IOException {
        String[] parts = spec.split("\\|");
        List<String> args = new ArrayList<>(List.of("train"));
        args.addAll(Arrays.asList(parts[0].split(" ")));
        List<String> all = withFolders(args.toArray(String[]::new));
        all.addAll(List.of("--out", tmp.resolve("out").toString()));
        assertUsageErrorAndNothingWritten(all, parts[1]);
    }

    @Test
    void trainWithoutOutStillWritesNothingOnBadArguments() throws IOException {
        assertUsageErrorAndNothingWritten(withFolders("train", "--task", "fashion", "--rank", "0"), "rank");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "sweep diagonal --task fashion|unknown sweep",
            "sweep epsilon --task fashion --seeds 0|seeds",
            "sweep epsilon --task fashion --epsilons 1,0,4|epsilon",
            "sweep rank --task fashion --ranks 2,0|rank",
            "sweep method --task fashion --methods vanilla,dp|unknown method",
            "sweep epsilon --task nope|unknown task"})
    void sweepRejectsBadArgumentsWithExitCode2AndWritesNothing(String spec) throws IOException {
        String[] parts = spec.split("\\|");
        List<String> all = withFolders(parts[0].split(" "));
        all.addAll(List.of("--out", tmp.resolve("results.json").toString()));
        assertUsageErrorAndNothingWritten(all, parts[1]);
    }

    @Test
    void sweepNeedsAnOutputFile() throws IOException {
        assertUsageErrorAndNothingWritten(withFolders("sweep", "epsilon", "--task", "fashion"), "--out");
    }

    @Test
    void noCommandIsAUsageError() {
        CliRunner.Result r = CliRunner.run();
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("train"), r.err());
    }

    @Test
    void helpListsTheCommandsAndExitsWithZero() {
        CliRunner.Result r = CliRunner.run("--help");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().contains("train") && r.out().contains("sweep") && r.out().contains("plot")
                && r.out().contains("dplora bench"), r.out());
        assertFalse(r.out().isBlank());
    }

    @ParameterizedTest
    @ValueSource(strings = {"train", "sweep", "plot"})
    void everyCommandNamesItsOutputOptionOut(String command) {
        CliRunner.Result r = CliRunner.run(command, "--help");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("--out"), r.out());
    }

    @Test
    void trainHelpShowsEachTasksActualDefaults() {
        CliRunner.Result r = CliRunner.run("train", "--help");
        assertEquals(0, r.exitCode(), r.err());
        for (io.dplora.samples.task.Task t : io.dplora.samples.task.Tasks.all()) {
            io.dplora.samples.task.FineTuneDefaults d = t.fineTuneDefaults();
            String row = r.out().lines().filter(l -> l.trim().startsWith(t.name() + " ")).findFirst().orElse("");
            List<String> cells = Arrays.asList(row.trim().split("\\s+"));
            assertEquals(List.of(t.name(), String.valueOf(d.epochs()), String.valueOf(d.batchSize()),
                    String.valueOf(d.physicalBatch())), cells.subList(0, Math.min(4, cells.size())), r.out());
            assertEquals(d.learningRate(), Double.parseDouble(cells.get(4)), r.out());
            assertEquals(d.maxGradNorm(), Double.parseDouble(cells.get(5)), r.out());
        }
    }
}
