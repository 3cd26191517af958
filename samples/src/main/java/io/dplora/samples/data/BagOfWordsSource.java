package io.dplora.samples.data;

import io.dplora.updater.IndexedDataSource;
import org.nd4j.linalg.dataset.DataSet;

/**
 * {@link IndexedDataSource} of bag-of-words rows: features [b, V] where entry (j, k) is how often id k occurs in
 * text {@code indices[j]} (or 1/0 for presence when binary); column {@value Vocabulary#PAD_ID} is always 0 and
 * column {@value Vocabulary#UNK_ID} counts unknown tokens. Labels one-hot [b, C]. Rows are built per call, so a
 * batch costs b·V floats and the whole set never needs n·V.
 */
public final class BagOfWordsSource extends EncodedTextSource {

    private final boolean binary;

    BagOfWordsSource(EncodedTexts texts, boolean binary) {
        super(texts);
        this.binary = binary;
    }

    @Override
    public DataSet get(int[] indices) {
        Tensors.checkIndices(indices, texts.size());
        int v = texts.vocabularySize();
        float[] features = new float[indices.length * v];
        int[][] ids = texts.idsView();
        for (int j = 0; j < indices.length; j++) {
            for (int id : ids[indices[j]]) {
                if (id != Vocabulary.PAD_ID) {
                    int k = j * v + id;
                    features[k] = binary ? 1f : features[k] + 1f;
                }
            }
        }
        return new DataSet(Tensors.matrix(features, indices.length, v),
                labels(indices));
    }
}
