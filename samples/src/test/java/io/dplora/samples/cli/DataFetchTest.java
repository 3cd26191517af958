package io.dplora.samples.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When a task's data is missing, {@code train} runs {@code <dplora.home>/scripts/fetch-data.sh <data set>} with
 * {@code DPLORA_DATA} set to the data folder, and a failing fetch is a clear error (exit code 1). The script here is
 * a stand-in that records how it was called and fails, so the test needs no network.
 */
class DataFetchTest {

    @TempDir
    Path tmp;

    private final String previousHome = System.getProperty(Workspace.HOME_PROPERTY);

    @AfterEach
    void restoreHome() {
        if (previousHome == null) {
            System.clearProperty(Workspace.HOME_PROPERTY);
        } else {
            System.setProperty(Workspace.HOME_PROPERTY, previousHome);
        }
    }

    @Test
    void missingDataRunsTheFetchScriptAndAFailedFetchIsAnError() throws IOException {
        Path home = tmp.resolve("repo");
        Files.createDirectories(home.resolve("scripts"));
        Path calls = tmp.resolve("calls.txt");
        Files.writeString(home.resolve("scripts").resolve("fetch-data.sh"),
                "echo \"$1 $DPLORA_DATA\" >> '" + calls + "'\nexit 3\n");
        System.setProperty(Workspace.HOME_PROPERTY, home.toString());
        Path data = tmp.resolve("data");

        CliRunner.Result r = CliRunner.run("train", "--task", "spam", "--data-dir", data.toString(),
                "--out", tmp.resolve("out").toString());

        assertEquals(1, r.exitCode(), r.err());
        assertEquals("spam " + data.toAbsolutePath().normalize() + "\n", Files.readString(calls));
        assertTrue(r.err().contains("fetching data set 'spam'") && r.err().contains("exit code 3"), r.err());
        assertTrue(r.err().contains("fetch-data.sh"), r.err());
        assertTrue(Files.notExists(tmp.resolve("out")), "no output after a failed fetch");
    }

    @Test
    void withoutTheRepositoryTheErrorSaysHowToFetch() {
        System.clearProperty(Workspace.HOME_PROPERTY);
        CliRunner.Result r = CliRunner.run("train", "--task", "imdb", "--data-dir", tmp.resolve("none").toString(),
                "--out", tmp.resolve("out").toString());
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("data set 'imdb' is missing") && r.err().contains("scripts/fetch-data.sh"),
                r.err());
    }
}
