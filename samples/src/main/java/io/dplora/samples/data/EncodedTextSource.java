package io.dplora.samples.data;

import io.dplora.updater.IndexedDataSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Base of the {@link IndexedDataSource}s over {@link EncodedTexts}: one example per text, labels one-hot [b, C];
 * subclasses choose the features (bag of words, token-id sequences).
 */
abstract class EncodedTextSource implements IndexedDataSource {

    protected final EncodedTexts texts;

    protected EncodedTextSource(EncodedTexts texts) {
        if (texts.size() < 1) {
            throw new IllegalArgumentException("an IndexedDataSource needs at least one example: " + texts);
        }
        this.texts = texts;
    }

    @Override
    public final int size() {
        return texts.size();
    }

    /** @return the one-hot labels [b, C] of the texts {@code indices}. */
    protected final INDArray labels(int[] indices) {
        return Tensors.oneHot(texts.labelsView(), indices, texts.numClasses());
    }
}
