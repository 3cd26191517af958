package io.dplora.samples.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10 items 7-9: the output folder of {@code train}. Before the fix {@code --out DIR} moved aside and deleted
 * whatever was at DIR, found an unwritable location only after training, and a kill between the renames left the
 * folder missing. Each test builds the situation on real files and checks what is on disk afterwards.
 */
class RunFolderTest {

    @TempDir
    Path tmp;

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void save(Path out, String content) throws IOException {
        try (RunFolder f = RunFolder.open(out)) {
            RunArtifacts.save(f, "test", dir -> Files.writeString(dir.resolve("result.json"), content));
        }
    }

    @Test
    void aFolderOfUserFilesAFileOrARepositoryIsRefusedAndLeftAsItWas() throws IOException {
        Path user = Files.createDirectories(tmp.resolve("user"));
        Files.writeString(user.resolve("thesis.tex"), "years of work");
        assertThrows(RunFolder.OutputFolderException.class, () -> RunFolder.open(user));
        Path repo = Files.createDirectories(tmp.resolve("repo/.git"));
        assertThrows(RunFolder.OutputFolderException.class, () -> RunFolder.open(repo.getParent()));
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertThrows(RunFolder.OutputFolderException.class, () -> RunFolder.open(file));
        assertEquals("years of work", Files.readString(user.resolve("thesis.tex")));
        assertEquals(List.of("thesis.tex"), names(user));
        assertEquals(List.of("file", "repo", "user"), names(tmp), "no lock, staging or anything else created");
    }

    @Test
    void anOwnFolderIsReplacedOnlyOnceTheNewRunIsComplete() throws IOException {
        Path out = tmp.resolve("run");
        save(out, "first");
        assertTrue(Files.exists(out.resolve(RunFolder.MARKER)));
        try (RunFolder f = RunFolder.open(out)) {
            Files.writeString(f.staging().resolve("result.json"), "second");
            assertEquals("first", Files.readString(out.resolve("result.json")), "kept until commit");
            f.commit();
        }
        assertEquals("second", Files.readString(out.resolve("result.json")));
        assertEquals(List.of(".run.dplora-lock", "run"), names(tmp), "no staging or previous folder left");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        save(empty, "into an empty folder");
        assertEquals("into an empty folder", Files.readString(empty.resolve("result.json")));
    }

    @Test
    void anUnwritableLocationIsFoundBeforeTraining() throws IOException {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        RunFolder.OutputFolderException e = assertThrows(RunFolder.OutputFolderException.class,
                () -> RunFolder.open(file.resolve("sub/run")));
        assertTrue(e.getMessage().contains("Nothing was trained"), e.getMessage());
        assertEquals("x", Files.readString(file));
    }

    @Test
    void aSecondRunToTheSameFolderIsRefusedWhileTheFirstRuns() throws IOException {
        Path out = tmp.resolve("run");
        try (RunFolder first = RunFolder.open(out)) {
            RunFolder.OutputFolderException e = assertThrows(RunFolder.OutputFolderException.class,
                    () -> RunFolder.open(out));
            assertTrue(e.getMessage().contains("another dplora run"), e.getMessage());
            Files.writeString(first.staging().resolve("result.json"), "first");
            first.commit();
        }
        save(out, "later");
        assertEquals("later", Files.readString(out.resolve("result.json")));
    }

    @Test
    void aRunKilledBetweenTheRenamesIsRepairedAtTheNextStart() throws IOException {
        Path out = tmp.resolve("run");
        save(out, "complete");
        // what a SIGKILL between the two renames of commit() leaves: the previous run aside, the target missing,
        // and a staging folder
        Path previous = tmp.resolve(".run.dplora-previous.123");
        Files.move(out, previous);
        Path staging = Files.createDirectories(tmp.resolve(".run.dplora-staging.456"));
        Files.writeString(staging.resolve("merged-model.zip"), "half written");
        Path unrelated = Files.createDirectories(tmp.resolve(".other.dplora-staging.789"));
        try (RunFolder f = RunFolder.open(out)) {
            assertEquals(2, f.repairs().size(), "" + f.repairs());
            assertEquals("complete", Files.readString(out.resolve("result.json")), "the previous run is back");
            assertFalse(Files.exists(previous));
            assertFalse(Files.exists(staging));
            assertTrue(Files.exists(unrelated), "another run's folder is not touched");
        }
    }

    @Test
    void aSaveThatFailsAfterTrainingKeepsTheRunInANamedRecoveryFolder() throws IOException {
        Path out = tmp.resolve("run");
        save(out, "previous");
        RunFolder f = RunFolder.open(out);
        IOException e;
        try (f) {
            e = assertThrows(IOException.class, () -> RunArtifacts.save(f, "test", dir -> {
                if (dir.startsWith(tmp)) {
                    throw new IOException("No space left on device");
                }
                Files.writeString(dir.resolve("result.json"), "finished");
            }));
        }
        assertEquals("previous", Files.readString(out.resolve("result.json")), "the previous run is kept");
        String m = e.getMessage();
        Path recovery = Path.of(m.substring(m.lastIndexOf("saved to ") + 9, m.indexOf(" instead")));
        try {
            assertEquals("finished", Files.readString(recovery.resolve("result.json")), m);
            assertTrue(recovery.getFileName().toString().startsWith("dplora-recovered-test-"), m);
        } finally {
            io.dplora.samples.results.AtomicFiles.deleteTree(recovery);
        }
    }
}
