package io.dplora.transformers;

/**
 * Sizes and constants of a BERT-family encoder (post-LayerNorm, absolute positions, exact GELU).
 *
 * @param vocabSize     word-piece vocabulary size
 * @param hidden        hidden size (a multiple of heads)
 * @param layers        number of encoder blocks
 * @param heads         attention heads per block
 * @param intermediate  feed-forward inner size
 * @param maxPositions  number of learned positions (longest input)
 * @param typeVocabSize number of token types (segments)
 * @param layerNormEps  epsilon of every LayerNorm
 */
public record BertConfig(int vocabSize, int hidden, int layers, int heads, int intermediate, int maxPositions,
                         int typeVocabSize, double layerNormEps) {

    public BertConfig {
        if (vocabSize <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || intermediate <= 0 || maxPositions <= 0
                || typeVocabSize <= 0 || !(layerNormEps > 0)) {
            throw new IllegalArgumentException("BertConfig: all sizes and eps must be > 0: " + this);
        }
        if (hidden % heads != 0) {
            throw new IllegalArgumentException("BertConfig: hidden " + hidden + " is not a multiple of heads " + heads);
        }
    }

    /** all-MiniLM-L6-v2 (and every BERT-style MiniLM of that size). */
    public static BertConfig miniLmL6() {
        // the ONNX export stores the LayerNorm epsilon as float32 1e-12, which BertImport reads as this double
        return new BertConfig(30522, 384, 6, 12, 1536, 512, 2, (double) 1e-12f);
    }
}
