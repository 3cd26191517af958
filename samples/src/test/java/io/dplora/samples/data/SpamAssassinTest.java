package io.dplora.samples.data;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SpamAssassin loader on the real corpus. Counts are cross-checked against the files on disk and against an
 * independent recount of the returned texts; the documented numbers are those of readme-data.md / README.md.
 */
class SpamAssassinTest {

    private static TextCorpus corpus;
    private static Path data;
    private static List<LabeledText> all;

    @BeforeAll
    static void load() {
        DataLocations loc = RealData.locations();
        data = loc.spamAssassin().resolve("data");
        corpus = SpamAssassin.load(loc, SplitOptions.defaults());
        all = new ArrayList<>(corpus.publicSplit().all());
        all.addAll(corpus.privateSplit().all());
    }

    @Test
    void filesReadPerGroupEqualTheFilesOnDisk() throws IOException {
        Map<String, Integer> expected = Map.of("easy-ham-1", 2500, "easy-ham-2", 1400, "hard-ham-1", 250,
                "spam-1", 500, "spam-2", 1396);
        for (String group : SpamAssassin.allGroups()) {
            long onDisk;
            try (Stream<Path> s = Files.list(data.resolve(group))) {
                onDisk = s.filter(p -> p.getFileName().toString().endsWith(".txt")).count();
            }
            assertEquals(expected.get(group), (int) onDisk, group + " on disk");
            assertEquals(onDisk, corpus.report().group(group).read(), group + " read");
        }
    }

    @Test
    void keptPerGroupEqualsTheReportAndTheDocumentedNumbers() {
        // documented (readme-data.md): group -> {read, duplicates, empty, kept}
        Map<String, int[]> documented = Map.of(
                "easy-ham-1", new int[] {2500, 28, 0, 2472},
                "hard-ham-1", new int[] {250, 0, 0, 250},
                "spam-1", new int[] {500, 57, 3, 440},
                "easy-ham-2", new int[] {1400, 12, 0, 1388},
                "spam-2", new int[] {1396, 199, 17, 1180});
        Map<String, Integer> keptInSplits = new HashMap<>();
        for (LabeledText t : all) {
            keptInSplits.merge(t.group(), 1, Integer::sum);
        }
        for (String group : SpamAssassin.allGroups()) {
            LoadReport.GroupCounts g = corpus.report().group(group);
            assertEquals(keptInSplits.get(group), g.kept(), group + ": texts in the splits vs report");
            assertArrayEquals(documented.get(group), new int[] {g.read(), g.duplicates(), g.empty(), g.kept()},
                    group);
        }
    }

    @Test
    void splitsEqualTheReportAndTheDocumentedNumbers() {
        assertSplit(corpus.publicSplit().train(), "public/train", 2178, 352);
        assertSplit(corpus.publicSplit().test(), "public/test", 544, 88);
        assertSplit(corpus.privateSplit().train(), "private/train", 1110, 944);
        assertSplit(corpus.privateSplit().test(), "private/test", 278, 236);
    }

    private static void assertSplit(List<LabeledText> texts, String name, int ham, int spam) {
        int[] counted = TextSplit.classCounts(texts, 2);
        assertArrayEquals(counted, corpus.report().split(name).perClass(), name + " vs report");
        assertArrayEquals(new int[] {ham, spam}, counted, name + " vs documented");
    }

    @Test
    void partsFollowTheReleasesAndTrainTestIsStratified80To20() {
        for (LabeledText t : corpus.publicSplit().all()) {
            assertTrue(SpamAssassin.PUBLIC_GROUPS.contains(t.group()), t.id());
        }
        for (LabeledText t : corpus.privateSplit().all()) {
            assertTrue(SpamAssassin.PRIVATE_GROUPS.contains(t.group()), t.id());
        }
        for (TextSplit s : List.of(corpus.publicSplit(), corpus.privateSplit())) {
            int[] train = TextSplit.classCounts(s.train(), 2);
            int[] total = TextSplit.classCounts(s.all(), 2);
            for (int c = 0; c < 2; c++) {
                assertEquals(Math.round(0.8 * total[c]), train[c], s.name() + " class " + c);
            }
        }
        for (LabeledText t : all) {
            assertEquals(t.group().startsWith("spam") ? 1 : 0, t.label(), t.id());
        }
    }

    @Test
    void noTextOccursTwiceAnywhereAndTrainTestArePartitions() {
        Set<String> texts = new HashSet<>();
        Set<String> ids = new HashSet<>();
        for (LabeledText t : all) {
            assertTrue(texts.add(t.text().replaceAll("\\s+", " ").strip()), () -> "duplicate text kept: " + t.id());
            assertTrue(ids.add(t.id()), t.id());
            assertFalse(t.text().isBlank(), t.id());
        }
    }

    @Test
    void plainMailsKeepTheirBodyExactlyAndLoseTheirHeaders() throws IOException {
        Pattern messageId = Pattern.compile("(?im)^message-id:\\s*(\\S+)");
        int plain = 0;
        for (LabeledText t : all) {
            String raw = new String(Files.readAllBytes(data.resolve(t.id())), StandardCharsets.ISO_8859_1);
            int cut = raw.indexOf("\n\n");
            String head = raw.substring(0, cut);
            String body = raw.substring(cut + 2);
            Matcher m = messageId.matcher(head);
            if (m.find()) {
                assertFalse(t.text().contains(m.group(1)), () -> "header value in the text of " + t.id());
            }
            String h = head.toLowerCase(Locale.ROOT);
            boolean simple = !h.contains("content-transfer-encoding") && !h.contains("content-type: multipart")
                    && !h.contains("content-type: text/html") && body.indexOf('<') < 0
                    && body.chars().allMatch(ch -> ch < 128 && ch != '\r');
            if (simple) {
                plain++;
                assertEquals(body.strip(), t.text(), t.id());
            }
        }
        assertTrue(plain > 1000, "too few plain ASCII mails to compare: " + plain);
    }

    @Test
    void encodedAndHtmlBodiesAreDecoded() throws IOException {
        int rawQp = 0;
        int textQp = 0;
        int rawHtml = 0;
        int textHtml = 0;
        for (LabeledText t : all) {
            String raw = new String(Files.readAllBytes(data.resolve(t.id())), StandardCharsets.ISO_8859_1);
            String body = raw.substring(raw.indexOf("\n\n") + 2).toLowerCase(Locale.ROOT);
            String text = t.text().toLowerCase(Locale.ROOT);
            rawQp += body.contains("=3d") ? 1 : 0;
            textQp += text.contains("=3d") ? 1 : 0;
            rawHtml += body.contains("<html") || body.contains("</p>") ? 1 : 0;
            textHtml += text.contains("<html") || text.contains("</p>") ? 1 : 0;
        }
        assertTrue(rawQp > 300 && rawHtml > 800, "the corpus should have many encoded/HTML bodies: " + rawQp
                + ", " + rawHtml);
        assertTrue(textQp * 20 <= rawQp, textQp + " texts still hold quoted-printable '=3D' of " + rawQp);
        assertTrue(textHtml * 100 <= rawHtml, textHtml + " texts still hold HTML tags of " + rawHtml);
    }

    @Test
    void theSameSeedGivesTheSameSplitAndAnotherSeedAnother() {
        // the split is a pure function of the kept texts and the seed; checked on the public part's kept texts
        List<LabeledText> kept = corpus.publicSplit().all();
        TextSplit a = StratifiedSplitter.split("a", kept, 2, 0.8, new java.util.Random(5));
        TextSplit b = StratifiedSplitter.split("b", kept, 2, 0.8, new java.util.Random(5));
        TextSplit c = StratifiedSplitter.split("c", kept, 2, 0.8, new java.util.Random(6));
        assertEquals(a.train(), b.train());
        assertEquals(a.test(), b.test());
        assertFalse(a.train().equals(c.train()));
        assertEquals(a.train().size(), c.train().size());
    }
}
