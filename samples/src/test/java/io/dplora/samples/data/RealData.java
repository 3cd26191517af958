package io.dplora.samples.data;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fetched data used by the real-file tests; fails (never skips) with the fix when it is absent. */
final class RealData {

    private RealData() {
    }

    static DataLocations locations() {
        DataLocations loc = DataLocations.defaults();
        assertTrue(loc.allPresent(), () -> "the real data sets are missing under " + loc.root()
                + ": run scripts/fetch-data.sh first (CI does)");
        return loc;
    }
}
