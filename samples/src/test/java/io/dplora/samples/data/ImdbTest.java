package io.dplora.samples.data;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The IMDb loader and the text-to-ids path on the real file (parsed once for the class). Label counts are checked
 * against a byte scan of the file, duplicates against a plain recount, and the documented numbers of readme-data.md.
 */
class ImdbTest {

    private static Path file;
    private static TextCorpus corpus;
    private static TextTokenizer tokenizer;
    private static Vocabulary vocabulary;
    private static SequenceEncoder encoder;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        file = RealData.locations().imdbReviews();
        corpus = Imdb.load(file, SplitOptions.defaults());
        tokenizer = TextTokenizer.defaults();
        vocabulary = Vocabulary.build(tokenizer, corpus.publicSplit().train(), 2, 20_000);
        encoder = new SequenceEncoder(tokenizer, vocabulary, 256);
    }

    @Test
    void labelCountsEqualAByteScanOfTheFile() throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int[] scanned = new int[2];
        byte[] pattern = "\"s\":0}".getBytes();
        for (int i = 0; i + pattern.length <= bytes.length; i++) {
            if (bytes[i] == '"' && bytes[i + 1] == 's' && bytes[i + 2] == '"' && bytes[i + 3] == ':'
                    && (bytes[i + 4] == '0' || bytes[i + 4] == '1') && bytes[i + 5] == '}') {
                scanned[bytes[i + 4] - '0']++;
            }
        }
        assertArrayEquals(new int[] {25_000, 25_000}, scanned);
        assertEquals(scanned[0], corpus.report().group("s=0").read());
        assertEquals(scanned[1], corpus.report().group("s=1").read());
    }

    @Test
    void duplicatesEqualAPlainRecountAndTheDocumentedNumbers() {
        List<LabeledText> raw = Imdb.readReviews(file);
        Set<String> distinct = new HashSet<>();
        int[] kept = new int[2];
        for (LabeledText r : raw) {
            String normalised = r.text().replaceAll("(?i)<br\\s*/?>", " ").replaceAll("\\s+", " ").strip();
            if (distinct.add(normalised)) {
                kept[r.label()]++;
            }
        }
        LoadReport rep = corpus.report();
        assertEquals(kept[0], rep.group("s=0").kept());
        assertEquals(kept[1], rep.group("s=1").kept());
        // documented: s=0 25000 read, 304 duplicates; s=1 25000 read, 118 duplicates; nothing empty
        assertArrayEquals(new int[] {25_000, 304, 0, 24_696}, counts(rep.group("s=0")));
        assertArrayEquals(new int[] {25_000, 118, 0, 24_882}, counts(rep.group("s=1")));
    }

    private static int[] counts(LoadReport.GroupCounts g) {
        return new int[] {g.read(), g.duplicates(), g.empty(), g.kept()};
    }

    @Test
    void halvesAndSplitsEqualTheReportAndTheDocumentedNumbers() {
        Map<String, List<LabeledText>> splits = Map.of(
                "public/train", corpus.publicSplit().train(), "public/test", corpus.publicSplit().test(),
                "private/train", corpus.privateSplit().train(), "private/test", corpus.privateSplit().test());
        Map<String, int[]> documented = Map.of("public/train", new int[] {9_882, 9_949},
                "public/test", new int[] {2_471, 2_487}, "private/train", new int[] {9_874, 9_957},
                "private/test", new int[] {2_469, 2_489});
        for (Map.Entry<String, List<LabeledText>> e : splits.entrySet()) {
            int[] counted = TextSplit.classCounts(e.getValue(), 2);
            assertArrayEquals(counted, corpus.report().split(e.getKey()).perClass(), e.getKey());
            assertArrayEquals(documented.get(e.getKey()), counted, e.getKey());
        }
        assertEquals(24_789, corpus.publicSplit().all().size());
        assertEquals(24_789, corpus.privateSplit().all().size());
    }

    @Test
    void halvesAreDisjointCleanedAndMixLabels() {
        Set<String> ids = new HashSet<>();
        Set<String> texts = new HashSet<>();
        for (LabeledText t : corpus.publicSplit().all()) {
            ids.add(t.id());
            texts.add(t.text());
        }
        for (LabeledText t : corpus.privateSplit().all()) {
            assertFalse(ids.contains(t.id()), t.id());
            assertFalse(texts.contains(t.text()), t.id());
            assertFalse(t.text().contains("<br"), t.id());
        }
        // the file is sorted by label; after the shuffle the first 100 training examples hold both labels
        int[] head = TextSplit.classCounts(corpus.privateSplit().train().subList(0, 100), 2);
        assertTrue(head[0] > 20 && head[1] > 20, Arrays.toString(head));
    }

    @Test
    void tokenisationFollowsDl4jsCommonPreprocessor() {
        LabeledText first = Imdb.readReviews(file).get(0);
        assertTrue(first.text().startsWith("Once again Mr. Costner has dragged out a movie"), first.text());
        assertEquals(List.of("once", "again", "mr", "costner", "has", "dragged", "out", "a", "movie"),
                tokenizer.tokenize(first.text()).subList(0, 9));
    }

    @Test
    void aTokenisedReviewRoundTripsThroughItsIds() {
        int withUnknown = 0;
        for (LabeledText t : corpus.privateSplit().test().subList(0, 200)) {
            int[] ids = encoder.encodeUntruncated(t.text());
            String tokens = encoder.decode(ids);
            assertArrayEquals(ids, encoder.encodeUntruncated(tokens), t.id());
            List<String> expected = new ArrayList<>();
            for (String tok : tokenizer.tokenize(t.text())) {
                expected.add(vocabulary.contains(tok) ? tok : Vocabulary.UNK_TOKEN);
            }
            assertEquals(String.join(" ", expected), tokens, t.id());
            withUnknown += Arrays.stream(ids).anyMatch(id -> id == Vocabulary.UNK_ID) ? 1 : 0;
        }
        assertTrue(withUnknown > 0, "the sample should exercise unknown tokens");
    }

    @Test
    void vocabularyComesFromPublicTrainingTextOnly() {
        Map<String, Integer> publicCounts = new HashMap<>();
        for (LabeledText t : corpus.publicSplit().train()) {
            for (String tok : tokenizer.tokenize(t.text())) {
                publicCounts.merge(tok, 1, Integer::sum);
            }
        }
        assertEquals(20_000, vocabulary.size());
        int previous = Integer.MAX_VALUE;
        for (int id = 2; id < vocabulary.size(); id++) {
            int c = publicCounts.getOrDefault(vocabulary.token(id), 0);
            assertTrue(c >= 2 && c <= previous, "id " + id + " '" + vocabulary.token(id) + "' count " + c);
            previous = c;
        }
        // a word of the private part that public training text never uses is unknown
        String privateOnly = null;
        for (LabeledText t : corpus.privateSplit().train()) {
            for (String tok : tokenizer.tokenize(t.text())) {
                if (!publicCounts.containsKey(tok)) {
                    privateOnly = tok;
                    break;
                }
            }
            if (privateOnly != null) {
                break;
            }
        }
        assertTrue(privateOnly != null);
        assertEquals(Vocabulary.UNK_ID, vocabulary.id(privateOnly), privateOnly);
    }

    @Test
    void savedVocabularyReloadsToTheSameIds() throws IOException {
        Path f = tmp.resolve("imdb.vocab");
        vocabulary.save(f);
        Vocabulary loaded = Vocabulary.load(f);
        assertEquals(vocabulary, loaded);
        SequenceEncoder again = new SequenceEncoder(tokenizer, loaded, 256);
        for (LabeledText t : corpus.privateSplit().train().subList(0, 50)) {
            assertArrayEquals(encoder.encode(t.text()), again.encode(t.text()), t.id());
        }
    }

    @Test
    void encodingTruncatesLongReviewsAndReportsIt() {
        List<LabeledText> sample = corpus.publicSplit().test().subList(0, 500);
        EncodedTexts enc = new SequenceEncoder(tokenizer, vocabulary, 100).encode("sample", sample, 2);
        int longer = 0;
        for (int i = 0; i < sample.size(); i++) {
            int n = tokenizer.tokenize(sample.get(i).text()).size();
            longer += n > 100 ? 1 : 0;
            assertEquals(Math.min(n, 100), enc.ids(i).length);
            assertEquals(sample.get(i).label(), enc.label(i));
        }
        assertEquals(longer, enc.truncatedCount());
        assertNotEquals(0, longer);
    }
}
