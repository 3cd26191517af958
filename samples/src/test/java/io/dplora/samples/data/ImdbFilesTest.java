package io.dplora.samples.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.dplora.samples.data.BrokenFiles.assertNamesFileAndFix;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The IMDb loader on small generated files, valid and broken. */
class ImdbFilesTest {

    @TempDir
    Path dir;

    private Path json(String content) throws IOException {
        return Files.writeString(dir.resolve("reviews.json"), content);
    }

    private void assertRejected(String content, String expectedInMessage) throws IOException {
        Path f = json(content);
        DataFileException e = assertThrows(DataFileException.class, () -> Imdb.load(f, SplitOptions.defaults()));
        assertNamesFileAndFix(e, f);
        assertTrue(e.getMessage().contains(expectedInMessage), e.getMessage());
    }

    @Test
    void smallFileIsCleanedDedupedAndSplit() throws IOException {
        Path f = json("[{\"t\":\"Good<br />film\",\"s\":1},{\"t\":\"Bad film\",\"s\":0},"
                + "{\"t\":\"Good<BR>film \",\"s\":1},{\"t\":\"<br /><br />\",\"s\":0},"
                + "{\"t\":\"Meh\",\"s\":0,\"extra\":[1,2]}]");
        TextCorpus c = Imdb.load(f, new SplitOptions(0.5, 3));
        assertEquals(new LoadReport.GroupCounts("s=0", 3, 0, 1), c.report().group("s=0"));
        assertEquals(new LoadReport.GroupCounts("s=1", 2, 1, 0), c.report().group("s=1"));
        assertEquals(3, c.publicSplit().all().size() + c.privateSplit().all().size());
        assertEquals(2, c.publicSplit().all().size()); // ceil(3/2)
        assertTrue(c.publicSplit().all().stream().allMatch(t -> !t.text().contains("<")));
        assertArrayEquals(new int[] {2, 1}, new int[] {
                (int) java.util.stream.Stream.concat(c.publicSplit().all().stream(), c.privateSplit().all().stream())
                        .filter(t -> t.label() == 0).count(),
                (int) java.util.stream.Stream.concat(c.publicSplit().all().stream(), c.privateSplit().all().stream())
                        .filter(t -> t.label() == 1).count()});
    }

    @Test
    void missingFile() {
        Path f = dir.resolve("reviews.json");
        DataFileException e = assertThrows(DataFileException.class, () -> Imdb.load(f, SplitOptions.defaults()));
        assertNamesFileAndFix(e, f);
    }

    @Test
    void truncatedJson() throws IOException {
        assertRejected("[{\"t\":\"Good film\",\"s\":1},{\"t\":\"Bad fi", "malformed");
    }

    @Test
    void notAnArray() throws IOException {
        assertRejected("{\"t\":\"x\",\"s\":1}", "JSON array");
    }

    @Test
    void labelOutsideZeroOne() throws IOException {
        assertRejected("[{\"t\":\"x\",\"s\":2}]", "\"s\" must be 0 or 1");
    }

    @Test
    void recordWithoutText() throws IOException {
        assertRejected("[{\"s\":1}]", "lacks \"t\"");
    }

    @Test
    void emptyArray() throws IOException {
        assertRejected("[]", "no reviews");
    }

    @Test
    void contentAfterTheArray() throws IOException {
        assertRejected("[{\"t\":\"x\",\"s\":1}] [", "after the end");
    }
}
