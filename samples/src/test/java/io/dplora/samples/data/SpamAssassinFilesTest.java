package io.dplora.samples.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.dplora.samples.data.BrokenFiles.assertNamesFileAndFix;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SpamAssassin loader on a small generated corpus (known counts) and on broken folders. */
class SpamAssassinFilesTest {

    @TempDir
    Path pkg;

    private final List<String> listed = new ArrayList<>();

    private void mail(String group, String name, String body) throws IOException {
        Path dir = Files.createDirectories(pkg.resolve("data").resolve(group));
        Files.writeString(dir.resolve(name), "From: someone@example.org\nSubject: s\n\n" + body,
                StandardCharsets.ISO_8859_1);
        listed.add(group + "/" + name);
    }

    private void writeList() throws IOException {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < listed.size(); i++) {
            json.append(i == 0 ? "" : ",").append('"').append(listed.get(i)).append('"');
        }
        Files.writeString(pkg.resolve("data").resolve("file_list.json"), json.append("]").toString());
    }

    /** 2 + 1 + 3 + 2 + 3 mails: one duplicate inside easy-ham-1 (up to white space), one across releases, one empty. */
    private void smallCorpus() throws IOException {
        mail("easy-ham-1", "00001.a.txt", "hello list\n");
        mail("easy-ham-1", "00002.b.txt", "hello   list \n\n");             // duplicate of 00001 (white space)
        mail("hard-ham-1", "00001.c.txt", "<html><body>newsletter</body></html>");
        mail("spam-1", "00001.d.txt", "buy now");
        mail("spam-1", "00002.e.txt", "cheap pills");
        mail("spam-1", "00003.f.txt", "<html><img src=x></html>");             // empty after HTML reduction
        mail("easy-ham-2", "00001.g.txt", "meeting at noon");
        mail("easy-ham-2", "00002.h.txt", "Meeting at noon");                   // case differs: kept
        mail("spam-2", "00001.i.txt", "buy now");                               // also in spam-1: kept there
        mail("spam-2", "00002.j.txt", "win money");
        mail("spam-2", "00003.k.txt", "Content!");
        writeList();
    }

    @Test
    void dedupeKeepsTheFirstOccurrenceInGroupOrderAndDropsEmptyBodies() throws IOException {
        smallCorpus();
        TextCorpus c = SpamAssassin.load(pkg, new SplitOptions(0.5, 1));
        LoadReport r = c.report();
        assertEquals(new LoadReport.GroupCounts("easy-ham-1", 2, 1, 0), r.group("easy-ham-1"));
        assertEquals(new LoadReport.GroupCounts("hard-ham-1", 1, 0, 0), r.group("hard-ham-1"));
        assertEquals(new LoadReport.GroupCounts("spam-1", 3, 0, 1), r.group("spam-1"));
        assertEquals(new LoadReport.GroupCounts("easy-ham-2", 2, 0, 0), r.group("easy-ham-2"));
        assertEquals(new LoadReport.GroupCounts("spam-2", 3, 1, 0), r.group("spam-2"));
        assertEquals(4, c.publicSplit().all().size());
        assertEquals(4, c.privateSplit().all().size());
        assertTrue(c.publicSplit().all().stream().anyMatch(t -> t.id().equals("spam-1/00001.d.txt")));
        assertTrue(c.publicSplit().all().stream().anyMatch(t -> t.id().equals("easy-ham-1/00001.a.txt")));
        assertTrue(c.publicSplit().all().stream().anyMatch(t -> t.text().equals("newsletter")));
        assertTrue(c.privateSplit().all().stream().noneMatch(t -> t.text().equals("buy now")));
        // stratified 50/50: public ham 2 -> 1 train, public spam 2 -> 1; private ham 2 -> 1, private spam 2 -> 1
        assertEquals(2, c.publicSplit().train().size());
        assertEquals(2, c.privateSplit().test().size());
        assertEquals(4, r.split("private/train").total() + r.split("private/test").total());
    }

    @Test
    void missingPackageFolderNamesTheDataFolder() {
        Path missing = pkg.resolve("nope");
        DataFileException e = assertThrows(DataFileException.class,
                () -> SpamAssassin.load(missing, SplitOptions.defaults()));
        assertNamesFileAndFix(e, missing.resolve("data"));
    }

    @Test
    void missingFileListIsNamed() throws IOException {
        Files.createDirectories(pkg.resolve("data"));
        DataFileException e = assertThrows(DataFileException.class,
                () -> SpamAssassin.load(pkg, SplitOptions.defaults()));
        assertNamesFileAndFix(e, pkg.resolve("data").resolve("file_list.json"));
    }

    @Test
    void malformedFileListIsNamed() throws IOException {
        Files.createDirectories(pkg.resolve("data"));
        Path list = Files.writeString(pkg.resolve("data").resolve("file_list.json"), "[\"easy-ham-1/0.txt\", ");
        DataFileException e = assertThrows(DataFileException.class,
                () -> SpamAssassin.load(pkg, SplitOptions.defaults()));
        assertNamesFileAndFix(e, list);
        assertTrue(e.getMessage().contains("malformed"), e.getMessage());
    }

    @Test
    void aListedButMissingMailIsNamed() throws IOException {
        smallCorpus();
        Path gone = pkg.resolve("data").resolve("spam-2").resolve("00002.j.txt");
        Files.delete(gone);
        DataFileException e = assertThrows(DataFileException.class,
                () -> SpamAssassin.load(pkg, SplitOptions.defaults()));
        assertNamesFileAndFix(e, gone);
    }

    @Test
    void aGroupWithoutFilesIsAnErrorNotAnEmptyGroup() throws IOException {
        mail("easy-ham-1", "00001.a.txt", "x");
        writeList();
        DataFileException e = assertThrows(DataFileException.class,
                () -> SpamAssassin.load(pkg, SplitOptions.defaults()));
        assertNamesFileAndFix(e, pkg.resolve("data").resolve("file_list.json"));
        assertTrue(e.getMessage().contains("hard-ham-1"), e.getMessage());
    }

    @Test
    void aZeroByteMailIsADamagedCopyNamedNotADroppedExample() throws IOException {
        smallCorpus();
        Path truncated = pkg.resolve("data").resolve("spam-2").resolve("00002.j.txt");
        Files.write(truncated, new byte[0]);
        DataFileException e = assertThrows(DataFileException.class,
                () -> SpamAssassin.load(pkg, SplitOptions.defaults()));
        assertNamesFileAndFix(e, truncated);
        assertTrue(e.getMessage().contains("0 bytes"), e.getMessage());
    }
}
