package io.dplora.transformers;

import org.deeplearning4j.text.tokenization.tokenizer.BertWordPieceTokenizer;
import org.deeplearning4j.text.tokenization.tokenizer.Tokenizer;
import org.deeplearning4j.text.tokenization.tokenizer.preprocessor.BertWordPiecePreProcessor;
import org.deeplearning4j.text.tokenization.tokenizerfactory.BertWordPieceTokenizerFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * BERT's uncased WordPiece tokenisation (lower-casing, accent stripping, punctuation splitting, greedy longest-match
 * word pieces) with deeplearning4j-nlp's {@link BertWordPieceTokenizerFactory}, over the vocabulary of a Hugging Face
 * {@code tokenizer.json}; the single-text template {@code [CLS] text [SEP]}, truncation and right padding.
 *
 * <p>Unknown words follow the Hugging Face tokenizer: deeplearning4j-nlp's pre-processor silently drops characters
 * that occur nowhere in the vocabulary (an emoji, a rare CJK character) and its tokenizer fails on a word it cannot
 * cover, where the reference tokenizer emits one {@code [UNK]} for the whole word (also for a word longer than 100
 * characters). So the text is normalised and split into words with deeplearning4j-nlp's own pre-processor and split
 * pattern, each word is cut into pieces by the factory, and a word that contains a character outside the vocabulary,
 * is too long, or cannot be covered becomes {@code [UNK]}.
 */
public final class WordPieceTokenizer {

    private static final int MAX_WORD_CHARS = 100;

    private final BertWordPieceTokenizerFactory factory;
    private final BertWordPiecePreProcessor normaliser = new BertWordPiecePreProcessor(true, true, null);
    private final Set<Integer> characters = new HashSet<>();
    private final Map<String, Integer> vocab;
    private final int cls;
    private final int sep;
    private final int unk;
    private final int pad;

    private WordPieceTokenizer(NavigableMap<String, Integer> vocab) {
        this.factory = new BertWordPieceTokenizerFactory(vocab, true, true);
        this.vocab = Collections.unmodifiableMap(vocab);
        this.cls = id("[CLS]");
        this.sep = id("[SEP]");
        this.unk = id("[UNK]");
        this.pad = id("[PAD]");
        for (String piece : vocab.keySet()) {
            String p = piece.startsWith("##") ? piece.substring(2) : piece;
            p.codePoints().forEach(characters::add);
        }
    }

    private int id(String token) {
        Integer i = vocab.get(token);
        if (i == null) {
            throw new IllegalArgumentException("vocabulary lacks the special token " + token);
        }
        return i;
    }

    /**
     * Reads the WordPiece vocabulary of a Hugging Face {@code tokenizer.json} (model type WordPiece, BertNormalizer
     * with lower-casing); the stream is not closed.
     */
    public static WordPieceTokenizer fromTokenizerJson(InputStream json) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json);
        JsonNode model = root.path("model");
        if (!"WordPiece".equals(model.path("type").asText())) {
            throw new IllegalArgumentException("tokenizer.json: model type " + model.path("type")
                    + " is not WordPiece");
        }
        JsonNode normalizer = root.path("normalizer");
        if (!"BertNormalizer".equals(normalizer.path("type").asText()) || !normalizer.path("lowercase").asBoolean()) {
            throw new IllegalArgumentException("tokenizer.json: only the uncased BertNormalizer is supported, got "
                    + normalizer);
        }
        // BertWordPieceTokenizerFactory requires reverse order (longest match first among shared prefixes)
        NavigableMap<String, Integer> vocab = new TreeMap<>(Collections.reverseOrder());
        for (Iterator<Map.Entry<String, JsonNode>> it = model.path("vocab").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        if (vocab.isEmpty()) {
            throw new IllegalArgumentException("tokenizer.json: empty vocabulary");
        }
        return new WordPieceTokenizer(vocab);
    }

    /** @return the vocabulary size (largest id + 1) */
    public int vocabSize() {
        return Collections.max(vocab.values()) + 1;
    }

    /** @return the word-piece ids of the text, without special tokens */
    public int[] wordPieces(String text) {
        String normalised = normaliser.preProcess(text == null ? "" : text);
        List<Integer> ids = new ArrayList<>();
        for (String word : BertWordPieceTokenizer.splitPattern.split(normalised)) {
            if (word.isEmpty()) {
                continue;
            }
            List<String> pieces = pieces(word);
            if (pieces.isEmpty()) {
                ids.add(unk);
            } else {
                for (String p : pieces) {
                    ids.add(vocab.getOrDefault(p, unk));
                }
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** @return the word pieces of one normalised word, empty when the word is unknown as a whole */
    private List<String> pieces(String word) {
        if (word.codePointCount(0, word.length()) > MAX_WORD_CHARS
                || !word.codePoints().allMatch(characters::contains)) {
            return List.of();
        }
        try {
            Tokenizer t = factory.create(word);
            return t.getTokens();
        } catch (IllegalStateException cannotCover) {
            return List.of();
        }
    }

    /**
     * @param maxLength the longest output, special tokens included (&ge; 3)
     * @return {@code [CLS] pieces [SEP]} with the pieces truncated to maxLength - 2 as {@code truncation} says
     */
    public int[] encode(String text, int maxLength, Truncation truncation) {
        return encode(wordPieces(text), maxLength, truncation);
    }

    /**
     * @param pieces    word-piece ids of one text ({@link #wordPieces})
     * @param maxLength the longest output, special tokens included (&ge; 3)
     * @return {@code [CLS] pieces [SEP]} with the pieces truncated to maxLength - 2 as {@code truncation} says
     */
    public int[] encode(int[] pieces, int maxLength, Truncation truncation) {
        if (maxLength < 3) {
            throw new IllegalArgumentException("maxLength must be >= 3, got " + maxLength);
        }
        int[] p = pieces;
        int budget = maxLength - 2;
        int[] kept;
        if (p.length <= budget) {
            kept = p;
        } else if (truncation == Truncation.HEAD) {
            kept = java.util.Arrays.copyOf(p, budget);
        } else {
            int head = budget / 4;
            int tail = budget - head;
            kept = new int[budget];
            System.arraycopy(p, 0, kept, 0, head);
            System.arraycopy(p, p.length - tail, kept, head, tail);
        }
        int[] out = new int[kept.length + 2];
        out[0] = cls;
        System.arraycopy(kept, 0, out, 1, kept.length);
        out[out.length - 1] = sep;
        return out;
    }

    /** Pads encoded texts on the right to the longest of them: ids (PAD) and mask (0). */
    public EncodedBatch pad(List<int[]> encoded, DataType dataType) {
        int t = 1;
        for (int[] e : encoded) {
            t = Math.max(t, e.length);
        }
        int mb = encoded.size();
        float[][] ids = new float[mb][t];
        float[][] mask = new float[mb][t];
        for (int i = 0; i < mb; i++) {
            int[] e = encoded.get(i);
            java.util.Arrays.fill(ids[i], pad);
            for (int j = 0; j < e.length; j++) {
                ids[i][j] = e[j];
                mask[i][j] = 1;
            }
        }
        INDArray idArr = Nd4j.createFromArray(ids).castTo(dataType);
        INDArray maskArr = Nd4j.createFromArray(mask).castTo(dataType);
        return new EncodedBatch(idArr, maskArr);
    }

    /** Encodes and pads a batch of texts. */
    public EncodedBatch encodeBatch(List<String> texts, int maxLength, Truncation truncation, DataType dataType) {
        List<int[]> enc = new java.util.ArrayList<>(texts.size());
        for (String s : texts) {
            enc.add(encode(s, maxLength, truncation));
        }
        return pad(enc, dataType);
    }
}
