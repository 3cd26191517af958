package io.dplora.transformers;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Token ids and padding mask of a batch of texts, padded on the right to the longest text of the batch.
 *
 * @param inputIds      [mb, T] word-piece ids (PAD = 0 after each text's [SEP])
 * @param attentionMask [mb, T] 1 for tokens, 0 for padding
 */
public record EncodedBatch(INDArray inputIds, INDArray attentionMask) {
}
