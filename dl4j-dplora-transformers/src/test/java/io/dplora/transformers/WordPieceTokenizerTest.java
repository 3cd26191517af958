package io.dplora.transformers;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * deeplearning4j-nlp's BertWordPieceTokenizerFactory over the model's vocabulary against the reference Hugging Face
 * tokenizer (the Rust library, through DJL, test scope only) reading the same tokenizer.json, on real IMDb reviews
 * and on accented and punctuated text.
 */
class WordPieceTokenizerTest {

    private static Path json;
    private static WordPieceTokenizer ours;
    private static HuggingFaceTokenizer full;
    private static HuggingFaceTokenizer truncated;

    @BeforeAll
    static void load() throws Exception {
        json = Files.createTempFile("minilm-tokenizer", ".json");
        try (InputStream in = MiniLM.class.getClassLoader().getResourceAsStream(MiniLM.TOKENIZER_RESOURCE)) {
            Files.copy(in, json, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        ours = MiniLM.tokenizer();
        full = HuggingFaceTokenizer.builder().optTokenizerPath(json).optPadding(false).optTruncation(false)
                .optAddSpecialTokens(true).build();
        truncated = HuggingFaceTokenizer.builder().optTokenizerPath(json).optPadding(false).optTruncation(true)
                .optMaxLength(128).optAddSpecialTokens(true).build();
    }

    @AfterAll
    static void close() throws Exception {
        if (full != null) {
            full.close();
            truncated.close();
        }
        Files.deleteIfExists(json);
    }

    private static int[] reference(HuggingFaceTokenizer t, String text) {
        return Arrays.stream(t.encode(text).getIds()).mapToInt(Math::toIntExact).toArray();
    }

    private static List<String> texts() throws Exception {
        List<String> texts = new ArrayList<>(ImdbTexts.reviews(600, 83));
        texts.add("Café crème brûlée — naïve Zoë's résumé!!! (10/10) #1 \"quoted\" <br /><br />HTML");
        texts.add("ÀÉÎÕÜ ñ ß ø æ œ ... ¿Qué? ¡Sí! 中文字 emoji 🙂 tab\there");
        texts.add("");
        texts.add("a" + "b".repeat(120) + " fine, and x##y ## #### ok");
        return texts;
    }

    @Test
    void idsEqualTheReferenceTokenizerOnRealReviews() throws Exception {
        int n = 0;
        for (String text : texts()) {
            assertArrayEquals(reference(full, text), ours.encode(text, Integer.MAX_VALUE, Truncation.HEAD),
                    "full ids of: " + text.substring(0, Math.min(80, text.length())) + " ref "
                            + Arrays.toString(reference(full, text)) + " ours "
                            + Arrays.toString(ours.encode(text, Integer.MAX_VALUE, Truncation.HEAD)));
            assertArrayEquals(reference(truncated, text), ours.encode(text, 128, Truncation.HEAD),
                    "head-truncated ids of: " + text.substring(0, Math.min(80, text.length())));
            n++;
        }
        assertEquals(604, n);
    }

    @Test
    void headTailKeepsAQuarterOfTheBudgetFromTheStartAndTheRestFromTheEnd() throws Exception {
        String review = ImdbTexts.reviews(40, 1).stream().filter(t -> reference(full, t).length > 300).findFirst()
                .orElseThrow();
        int[] all = reference(full, review);
        int[] ht = ours.encode(review, 128, Truncation.HEAD_TAIL);
        assertEquals(128, ht.length);
        assertEquals(101, ht[0]);
        assertEquals(102, ht[127]);
        // 126 pieces: 31 from the head, 95 from the tail
        assertArrayEquals(Arrays.copyOfRange(all, 1, 32), Arrays.copyOfRange(ht, 1, 32));
        assertArrayEquals(Arrays.copyOfRange(all, all.length - 1 - 95, all.length - 1), Arrays.copyOfRange(ht, 32, 127));
    }

    @Test
    void paddingMasksExactlyTheAddedPositions() {
        EncodedBatch b = ours.encodeBatch(List.of("short one", "a somewhat longer sentence than the first"), 64,
                Truncation.HEAD, DataType.FLOAT);
        int lenShort = ours.encode("short one", 64, Truncation.HEAD).length;
        long t = b.inputIds().size(1);
        assertEquals(ours.encode("a somewhat longer sentence than the first", 64, Truncation.HEAD).length, t);
        for (int j = 0; j < t; j++) {
            assertEquals(j < lenShort ? 1.0 : 0.0, b.attentionMask().getDouble(0, j));
            assertEquals(1.0, b.attentionMask().getDouble(1, j));
            if (j >= lenShort) {
                assertEquals(0.0, b.inputIds().getDouble(0, j), "PAD id");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> ours.encode("x", 2, Truncation.HEAD));
    }
}
