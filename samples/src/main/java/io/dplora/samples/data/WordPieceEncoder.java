package io.dplora.samples.data;

import io.dplora.transformers.Truncation;
import io.dplora.transformers.WordPieceTokenizer;

import java.util.List;
import java.util.Objects;

/**
 * Encodes labelled texts once with a pretrained model's WordPiece tokenizer ({@code [CLS] pieces [SEP]}, at most T ids,
 * truncated as {@link Truncation} says), so a run tokenises every review exactly once and its batches only copy ids.
 * Padding uses id 0 ({@code [PAD]} of BERT vocabularies) under a 0 in the feature mask, which the transformer
 * treats as its attention mask.
 */
public final class WordPieceEncoder {

    private final WordPieceTokenizer tokenizer;
    private final int maxLength;
    private final Truncation truncation;

    /**
     * @param tokenizer  the model's tokenizer
     * @param maxLength  T, ids per text including [CLS] and [SEP] (at least 3)
     * @param truncation which pieces a longer text keeps
     */
    public WordPieceEncoder(WordPieceTokenizer tokenizer, int maxLength, Truncation truncation) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        if (maxLength < 3) {
            throw new IllegalArgumentException("T must be >= 3 ([CLS], a piece, [SEP]), got " + maxLength);
        }
        this.maxLength = maxLength;
        this.truncation = Objects.requireNonNull(truncation, "truncation");
    }

    /**
     * @param name       a name for reports, e.g. {@code imdb/private/train}
     * @param texts      the texts with their labels
     * @param numClasses C
     * @return the encoded texts (a text is "truncated" when it had more than T - 2 pieces)
     */
    public EncodedTexts encode(String name, List<LabeledText> texts, int numClasses) {
        int n = texts.size();
        int[][] ids = new int[n][];
        int[] labels = new int[n];
        int truncated = 0;
        for (int i = 0; i < n; i++) {
            LabeledText t = texts.get(i);
            int[] pieces = tokenizer.wordPieces(t.text());
            if (pieces.length > maxLength - 2) {
                truncated++;
            }
            ids[i] = tokenizer.encode(pieces, maxLength, truncation);
            labels[i] = t.label();
        }
        return new EncodedTexts(name, ids, labels, numClasses, maxLength, tokenizer.vocabSize(), truncated, 0);
    }
}
