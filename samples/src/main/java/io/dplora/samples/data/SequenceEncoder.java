package io.dplora.samples.data;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;

/**
 * Text → token ids: tokenise ({@link TextTokenizer}), look up ({@link Vocabulary}; unknown tokens get
 * {@value Vocabulary#UNK_ID}), keep the first {@code maxLength} ids (truncation at the end). A text with no tokens
 * becomes the single id {@value Vocabulary#UNK_ID}, so that every example has at least one unmasked step (a masked
 * average over zero steps is undefined) and the example count stays that of the loader; such texts are counted.
 */
public final class SequenceEncoder {

    private static final Logger log = LoggerFactory.getLogger(SequenceEncoder.class);

    private final TextTokenizer tokenizer;
    private final Vocabulary vocabulary;
    private final int maxLength;

    /**
     * @param tokenizer  must be the tokenizer the vocabulary was built with (same {@link TextTokenizer#name()})
     * @param vocabulary the id mapping (from public training text: see {@link Vocabulary})
     * @param maxLength  T, the most tokens kept per text (≥ 1)
     */
    public SequenceEncoder(TextTokenizer tokenizer, Vocabulary vocabulary, int maxLength) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.vocabulary = Objects.requireNonNull(vocabulary, "vocabulary");
        if (!tokenizer.name().equals(vocabulary.tokenizerName())) {
            throw new IllegalArgumentException("the vocabulary was built with tokenizer '"
                    + vocabulary.tokenizerName() + "' but the encoder got '" + tokenizer.name()
                    + "': ids would not mean the same tokens");
        }
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be at least 1, got " + maxLength);
        }
        this.maxLength = maxLength;
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** @return T, the fixed sequence length. */
    public int maxLength() {
        return maxLength;
    }

    /** @return the ids of {@code text}: between 1 and maxLength of them. */
    public int[] encode(String text) {
        return encode(tokenizer.tokenize(text), maxLength);
    }

    private int[] encode(List<String> tokens, int limit) {
        if (tokens.isEmpty()) {
            return new int[] {Vocabulary.UNK_ID};
        }
        int n = Math.min(tokens.size(), limit);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = vocabulary.id(tokens.get(i));
        }
        return ids;
    }

    /** @return the ids of all tokens of {@code text}, without truncation (for round trips and statistics). */
    public int[] encodeUntruncated(String text) {
        return encode(tokenizer.tokenize(text), Integer.MAX_VALUE);
    }

    /** @return the tokens of {@code ids} joined by single spaces (padding ids are skipped). */
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            if (id == Vocabulary.PAD_ID) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(vocabulary.token(id));
        }
        return sb.toString();
    }

    /**
     * Encodes a list of labelled texts.
     *
     * @param name       a name for logs, e.g. {@code spam/private/train}
     * @param texts      the texts
     * @param numClasses C, the width of the one-hot labels
     */
    public EncodedTexts encode(String name, List<LabeledText> texts, int numClasses) {
        int[][] ids = new int[texts.size()][];
        int[] labels = new int[texts.size()];
        int truncated = 0;
        int noTokens = 0;
        long tokens = 0;
        long unknown = 0;
        for (int i = 0; i < ids.length; i++) {
            LabeledText t = texts.get(i);
            if (t.label() >= numClasses) {
                throw new IllegalArgumentException("label " + t.label() + " of " + t.id() + " outside [0, "
                        + numClasses + ")");
            }
            List<String> toks = tokenizer.tokenize(t.text());
            if (toks.isEmpty()) {
                noTokens++;
            }
            if (toks.size() > maxLength) {
                truncated++;
            }
            ids[i] = encode(toks, maxLength);
            labels[i] = t.label();
            for (int id : ids[i]) {
                tokens++;
                if (id == Vocabulary.UNK_ID) {
                    unknown++;
                }
            }
        }
        EncodedTexts out = new EncodedTexts(name, ids, labels, numClasses, maxLength, vocabulary.size(), truncated,
                noTokens);
        log.info("{}: {} texts, {} truncated to {} tokens, {} without tokens (encoded as {}), {} of {} kept tokens "
                        + "unknown ({}%)", name, ids.length, truncated, maxLength, noTokens, Vocabulary.UNK_TOKEN,
                unknown, tokens, tokens == 0 ? 0 : Math.round(1000.0 * unknown / tokens) / 10.0);
        return out;
    }
}
