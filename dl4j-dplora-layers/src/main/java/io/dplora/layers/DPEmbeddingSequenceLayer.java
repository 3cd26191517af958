package io.dplora.layers;

import io.dplora.layers.impl.DPEmbeddingSequenceLayerImpl;
import io.dplora.layers.lora.TrainingSettings;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * DL4J's {@link EmbeddingSequenceLayer} (token ids [mb, T] -> vectors [mb, nOut, T], same forward pass, masks,
 * NCW/NWC, input length) as a trainable DP layer: its embedding matrix W [vocabulary, nOut] gets exact per-example
 * gradients. Example i's gradient touches only the rows of the tokens it contains: G_i = sum_t e_{id_t} delta_t^T,
 * so ||G_i||^2 = sum over distinct ids v of ||sum_{t: id_t = v} delta_t||^2 (repeated tokens are summed first),
 * computed in double from the stashed ids and deltas, and the clipped sum sum_i c_i G_i is scattered into the rows
 * the batch touched. With a bias b (DL4J's default for this layer is none), g_i(b) = sum_t delta_t over the unmasked
 * steps is part of example i's gradient and of its norm.
 *
 * <p>Privacy: every row of W can move, but only through the clipped, noised sum; a token that appears only in private
 * data gets its vector from DP-SGD alone.
 */
public class DPEmbeddingSequenceLayer extends EmbeddingSequenceLayer implements PerExampleComputation,
        PrivacyRecordHolder {

    private PrivacyRecord privacyRecord;

    /** For JSON deserialisation; use {@link Builder} or {@link #of}. */
    public DPEmbeddingSequenceLayer() {
    }

    /**
     * @param stock a configured EmbeddingSequenceLayer
     * @return the DP-trainable layer with the same settings (a copy; {@code stock} is not modified)
     */
    public static DPEmbeddingSequenceLayer of(EmbeddingSequenceLayer stock) {
        DPEmbeddingSequenceLayer d = new DPEmbeddingSequenceLayer();
        d.setLayerName(stock.getLayerName());
        d.setNIn(stock.getNIn());
        d.setNOut(stock.getNOut());
        d.setHasBias(stock.hasBias());
        d.setInputLength(stock.getInputLength());
        d.setInferInputLength(stock.isInferInputLength());
        d.setOutputFormat(stock.getOutputFormat());
        TrainingSettings.copy(stock, d, null);
        d.setWeightNoise(stock.getWeightNoise());
        d.setConstraints(stock.getConstraints());
        return d;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners,
                                                       int layerIndex, INDArray layerParamsView,
                                                       boolean initializeParams, DataType networkDataType) {
        if (getWeightNoise() != null) {
            throw new IllegalArgumentException("DPEmbeddingSequenceLayer '" + getLayerName() + "': weight noise is "
                    + "not supported");
        }
        return LayerInstantiation.wire(new DPEmbeddingSequenceLayerImpl(conf, networkDataType), conf,
                trainingListeners, layerIndex, layerParamsView, initializeParams);
    }

    @Override
    public PrivacyRecord getPrivacyRecord() {
        return privacyRecord;
    }

    @Override
    public void setPrivacyRecord(PrivacyRecord privacyRecord) {
        this.privacyRecord = privacyRecord;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DPEmbeddingSequenceLayer && super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode() * 31 + 7;
    }

    /** {@code new DPEmbeddingSequenceLayer.Builder().nIn(vocabulary).nOut(dim).build()}, as DL4J's builder. */
    public static class Builder extends EmbeddingSequenceLayer.Builder {
        @Override
        @SuppressWarnings("unchecked")
        public DPEmbeddingSequenceLayer build() {
            return of(super.build());
        }
    }
}
