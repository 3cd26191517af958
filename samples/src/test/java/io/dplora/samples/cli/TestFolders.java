package io.dplora.samples.cli;

import io.dplora.samples.data.DataLocations;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Folders shared by the command-line tests on real data. */
public final class TestFolders {

    private TestFolders() {
    }

    /** The real data (fetched by scripts/fetch-data.sh); fails, never skips, when it is absent. */
    public static Path data() {
        DataLocations loc = DataLocations.defaults();
        assertTrue(loc.allPresent(), () -> "the real data sets are missing under " + loc.root()
                + ": run scripts/fetch-data.sh first (CI does)");
        return loc.root();
    }

    /**
     * Base models pretrained by the tests, kept in the build folder so that test classes of one build share them
     * (the cache key covers every setting, so a stale base is never reused).
     */
    public static Path bases() {
        return Path.of("target", "test-bases").toAbsolutePath();
    }
}
