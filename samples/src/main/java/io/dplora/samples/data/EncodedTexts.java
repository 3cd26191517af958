package io.dplora.samples.data;

import io.dplora.updater.IndexedDataSource;
import org.nd4j.linalg.dataset.DataSet;

import java.util.Objects;

/**
 * Labelled texts as token-id sequences (each 1..T ids, unpadded) made by a {@link SequenceEncoder}, with what the
 * encoding changed: how many texts were truncated to T and how many had no tokens.
 */
public final class EncodedTexts {

    private final String name;
    private final int[][] ids;
    private final int[] labels;
    private final int numClasses;
    private final int maxLength;
    private final int vocabularySize;
    private final int truncated;
    private final int withoutTokens;

    EncodedTexts(String name, int[][] ids, int[] labels, int numClasses, int maxLength, int vocabularySize,
                 int truncated, int withoutTokens) {
        this.name = Objects.requireNonNull(name, "name");
        this.ids = ids;
        this.labels = labels;
        this.numClasses = numClasses;
        this.maxLength = maxLength;
        this.vocabularySize = vocabularySize;
        this.truncated = truncated;
        this.withoutTokens = withoutTokens;
    }

    public String name() {
        return name;
    }

    /** @return the number of texts n. */
    public int size() {
        return ids.length;
    }

    /** @return the ids of text i (a copy; no padding). */
    public int[] ids(int i) {
        return ids[i].clone();
    }

    /** @return the label of text i. */
    public int label(int i) {
        return labels[i];
    }

    /** @return C. */
    public int numClasses() {
        return numClasses;
    }

    /** @return T, the padded length. */
    public int maxLength() {
        return maxLength;
    }

    /** @return V, the vocabulary size (ids lie in [0, V)). */
    public int vocabularySize() {
        return vocabularySize;
    }

    /** @return texts that had more than T tokens and were cut to T. */
    public int truncatedCount() {
        return truncated;
    }

    /** @return texts that had no tokens and were encoded as one unknown id. */
    public int withoutTokensCount() {
        return withoutTokens;
    }

    /** @return texts per class. */
    public int[] classCounts() {
        return Tensors.classCounts(labels, numClasses);
    }

    int[][] idsView() {
        return ids;
    }

    int[] labelsView() {
        return labels;
    }

    /**
     * @return sequences for an {@code EmbeddingSequenceLayer}: features [b, T] (ids as float, padded with
     *         {@value Vocabulary#PAD_ID}), feature mask [b, T] (1 = real token), one-hot labels [b, C]
     */
    public IndexedDataSource asSequenceSource() {
        return new SequenceSource(this, false);
    }

    /**
     * As {@link #asSequenceSource()}, but each batch is padded only to its longest sequence (fewer steps to
     * compute). Only for models that accept any sequence length (no fixed-length layer after the embedding).
     */
    public IndexedDataSource asTrimmedSequenceSource() {
        return new SequenceSource(this, true);
    }

    /**
     * @param binary true for presence (0/1), false for counts
     * @return bag-of-words rows [b, V] over the (truncated) ids, with one-hot labels [b, C]; no masks
     */
    public IndexedDataSource asBagOfWordsSource(boolean binary) {
        return new BagOfWordsSource(this, binary);
    }

    /** @return all texts as one sequence DataSet (features [n, T], mask [n, T], labels [n, C]). */
    public DataSet toSequenceDataSet() {
        return asSequenceSource().get(Tensors.range(size()));
    }

    @Override
    public String toString() {
        return "EncodedTexts[" + name + ", n=" + size() + ", T=" + maxLength + ", V=" + vocabularySize + ", truncated "
                + truncated + ", without tokens " + withoutTokens + "]";
    }
}
