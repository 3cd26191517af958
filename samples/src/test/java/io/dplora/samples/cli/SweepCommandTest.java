package io.dplora.samples.cli;

import io.dplora.samples.results.SweepResults;
import io.dplora.samples.run.RunResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A small real sweep (Fashion-MNIST, 1,500 private examples, 1 epoch): every grid point and seed lands in the
 * results file with its settings and per-epoch losses; running the same sweep again skips the finished runs and
 * leaves the file as it was; a larger grid resumes and adds only the missing runs.
 */
class SweepCommandTest {

    @TempDir
    Path tmp;

    private CliRunner.Result sweep(Path output, String methods, String seeds) {
        return CliRunner.run("sweep", "method", "--task", "fashion", "--methods", methods, "--seeds", seeds,
                "--limit", "1500", "--epochs", "1", "--batch", "100", "--lr", "0.02", "--epsilon", "4",
                "--data-dir", TestFolders.data().toString(), "--cache-dir", TestFolders.bases().toString(),
                "--out", output.toString());
    }

    @Test
    void writesEveryRunAndResumesWithoutRepeatingFinishedRuns() throws IOException {
        Path f = tmp.resolve("res").resolve("fashion-method.json");
        CliRunner.Result first = sweep(f, "none,ffa", "2");
        assertEquals(0, first.exitCode(), first.err());
        SweepResults r = SweepResults.read(f);
        assertEquals("method", r.sweep());
        assertEquals("fashion", r.task());
        assertEquals(4, r.runs().size());
        for (RunResult run : r.runs()) {
            assertEquals(1500, run.trainSize());
            assertEquals(1, run.epochLosses().size());
            assertTrue(run.testAccuracy() > 0.4, "clearly above chance (0.2) after fine-tuning: " + run);
            assertTrue(run.seconds() > 0);
        }
        assertEquals(List.of(0L, 0L, 1L, 1L), r.runs().stream().map(RunResult::seed).toList());
        assertEquals(List.of("none", "ffa", "none", "ffa"), r.runs().stream().map(RunResult::method).toList());
        RunResult ffa = r.runs().get(1);
        assertTrue(ffa.epsilonSpent() <= 4.0 && ffa.epsilonSpent() > 0, "epsilon " + ffa.epsilonSpent());
        String before = Files.readString(f);

        CliRunner.Result again = sweep(f, "none,ffa", "2");
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.out().contains("4 runs, 4 already in"), again.out());
        assertEquals(before, Files.readString(f), "a finished sweep is left as it was");

        CliRunner.Result more = sweep(f, "none,ffa", "3");
        assertEquals(0, more.exitCode(), more.err());
        assertTrue(more.out().contains("6 runs, 4 already in"), more.out());
        SweepResults r3 = SweepResults.read(f);
        assertEquals(6, r3.runs().size());
        assertEquals(r.runs(), r3.runs().subList(0, 4), "finished runs are kept unchanged");
    }

    @Test
    void epsilonSweepRunsTheListedNonPrivateMethodsOnceAndTheProbeTrainsOnlyTheHead() throws IOException {
        Path f = tmp.resolve("fashion-epsilon.json");
        CliRunner.Result res = CliRunner.run("sweep", "epsilon", "--task", "fashion", "--methods", "ffa,probe",
                "--epsilons", "4", "--seeds", "1", "--limit", "1500", "--epochs", "1", "--batch", "100", "--lr", "0.02",
                "--data-dir", TestFolders.data().toString(), "--cache-dir", TestFolders.bases().toString(),
                "--output", f.toString());
        assertEquals(0, res.exitCode(), res.err());
        SweepResults r = SweepResults.read(f);
        // ffa at epsilon 4, then the listed non-private method, then the non-private LoRA baseline
        assertEquals(List.of("ffa", "probe", "none"), r.runs().stream().map(RunResult::method).toList());
        RunResult probe = r.runs().get(1);
        RunResult none = r.runs().get(2);
        assertEquals(null, probe.epsilonSpent(), "the probe is not private");
        // fashion's head: dense 128 -> 5 classes = 645 coordinates; LoRA adds its adapters
        assertEquals(128 * 5 + 5, probe.trainableParameters());
        assertTrue(none.trainableParameters() > probe.trainableParameters());
        assertTrue(probe.testAccuracy() > 0.4, "the probe learns: " + probe);
    }

    @Test
    void refusesToMixSweepsInOneFile() throws IOException {
        Path f = tmp.resolve("other.json");
        SweepResults.start("rank", "fashion", "x", "y").write(f);
        String before = Files.readString(f);
        CliRunner.Result r = sweep(f, "none", "1");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("rank sweep"), r.err());
        assertEquals(before, Files.readString(f));
    }
}
