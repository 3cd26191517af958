package io.dplora.transformers;

import io.dplora.layers.LayerInstantiation;
import io.dplora.transformers.impl.BertEmbeddingLayerImpl;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Objects;

/**
 * BERT's input embeddings, frozen: for token id w<sub>t</sub> at position t (segment A),
 * e<sub>t</sub> = word[w<sub>t</sub>] + tokenType[0] + position[t] (the sum only; the {@code embeddings.LayerNorm}
 * that follows is a {@link LayerNormLayer}). Input: token ids [mb, T] (integers stored as floating point, as DL4J's
 * embedding layers take them), T &le; maxPositions; output [mb, T, hidden] (NWC).
 *
 * <p>Only single-segment input is supported (every token has token type 0, what sentence classification uses).
 * Invalid input (an id that is not an integer in [0, vocabSize), NaN, a sequence longer than maxPositions) is
 * refused with an exception. No gradient flows to the ids; the tables never move.
 */
public class BertEmbeddingLayer extends BaseFrozenLayer {

    /** Parameter keys (Hugging Face: embeddings.word_embeddings / position_embeddings / token_type_embeddings). */
    public static final String WORD = "word";
    public static final String POSITION = "position";
    public static final String TOKEN_TYPE = "tokenType";

    private int maxPositions;
    private int typeVocabSize;
    private double initStd = 0.02;

    /** For JSON deserialisation only. */
    public BertEmbeddingLayer() {
    }

    private BertEmbeddingLayer(Builder b) {
        super(b);
        this.maxPositions = b.maxPositions;
        this.typeVocabSize = b.typeVocabSize;
        this.initStd = b.initStd;
    }

    /** @return the vocabulary size (nIn) */
    public long getVocabSize() {
        return nIn;
    }

    public int getMaxPositions() {
        return maxPositions;
    }

    public void setMaxPositions(int maxPositions) {
        this.maxPositions = maxPositions;
    }

    public int getTypeVocabSize() {
        return typeVocabSize;
    }

    public void setTypeVocabSize(int typeVocabSize) {
        this.typeVocabSize = typeVocabSize;
    }

    public double getInitStd() {
        return initStd;
    }

    public void setInitStd(double initStd) {
        this.initStd = initStd;
    }

    @Override
    public LinkedHashMap<String, long[]> paramShapes() {
        LinkedHashMap<String, long[]> m = new LinkedHashMap<>();
        m.put(WORD, new long[]{nIn, nOut});
        m.put(POSITION, new long[]{maxPositions, nOut});
        m.put(TOKEN_TYPE, new long[]{typeVocabSize, nOut});
        return m;
    }

    /** Fresh tables are N(0, initStd<sup>2</sup>) (BERT's initialisation); imported ones are overwritten. */
    @Override
    public void initialize(String key, INDArray view) {
        view.assign(Nd4j.randn(view.dataType(), view.shape()).muli(initStd));
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> listeners, int layerIndex,
                                                       INDArray paramsView, boolean initializeParams,
                                                       DataType dataType) {
        return LayerInstantiation.wire(new BertEmbeddingLayerImpl(conf, dataType), conf, listeners, layerIndex,
                paramsView, initializeParams);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        long t = inputType instanceof InputType.InputTypeFeedForward ? inputType.arrayElementsPerExample() : -1;
        return InputType.recurrent(nOut, t, RNNFormat.NWC);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof BertEmbeddingLayer) || !super.equals(o)) {
            return false;
        }
        BertEmbeddingLayer b = (BertEmbeddingLayer) o;
        return maxPositions == b.maxPositions && typeVocabSize == b.typeVocabSize && initStd == b.initStd;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), maxPositions, typeVocabSize, initStd);
    }

    /** Builder: {@code nIn} = vocabulary size, {@code nOut} = hidden size. */
    public static class Builder extends org.deeplearning4j.nn.conf.layers.FeedForwardLayer.Builder<Builder> {
        private int maxPositions = 512;
        private int typeVocabSize = 2;
        private double initStd = 0.02;

        public Builder maxPositions(int maxPositions) {
            this.maxPositions = maxPositions;
            return this;
        }

        public Builder typeVocabSize(int typeVocabSize) {
            this.typeVocabSize = typeVocabSize;
            return this;
        }

        public Builder initStd(double initStd) {
            this.initStd = initStd;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public BertEmbeddingLayer build() {
            if (nIn <= 0 || nOut <= 0 || maxPositions <= 0 || typeVocabSize <= 0) {
                throw new IllegalArgumentException("BertEmbeddingLayer: vocabulary size (nIn), hidden size (nOut), "
                        + "maxPositions and typeVocabSize must be > 0, got " + nIn + ", " + nOut + ", "
                        + maxPositions + ", " + typeVocabSize);
            }
            return new BertEmbeddingLayer(this);
        }
    }
}
