package io.dplora.samples.data;

import io.dplora.updater.IndexedDataSource;
import org.nd4j.linalg.dataset.DataSet;

/**
 * {@link IndexedDataSource} of token-id sequences for DL4J's {@code EmbeddingSequenceLayer}: row j of a batch is
 * text {@code indices[j]}; features [b, L] hold its ids as floats padded with {@value Vocabulary#PAD_ID}, the
 * feature mask [b, L] is 1 at real tokens and 0 at padding, labels are one-hot [b, C] (one label per sequence, so no
 * label mask). L = T, or with trimming the longest sequence of the batch.
 */
public final class SequenceSource extends EncodedTextSource {

    private final boolean trim;

    SequenceSource(EncodedTexts texts, boolean trim) {
        super(texts);
        this.trim = trim;
    }

    @Override
    public DataSet get(int[] indices) {
        Tensors.checkIndices(indices, texts.size());
        int[][] ids = texts.idsView();
        int length = texts.maxLength();
        if (trim) {
            length = 1;
            for (int i : indices) {
                length = Math.max(length, ids[i].length);
            }
        }
        float[] features = new float[indices.length * length];
        float[] mask = new float[indices.length * length];
        for (int j = 0; j < indices.length; j++) {
            int[] seq = ids[indices[j]];
            for (int t = 0; t < seq.length; t++) {
                features[j * length + t] = seq[t];
                mask[j * length + t] = 1f;
            }
        }
        return new DataSet(Tensors.matrix(features, indices.length, length),
                labels(indices),
                Tensors.matrix(mask, indices.length, length), null);
    }
}
