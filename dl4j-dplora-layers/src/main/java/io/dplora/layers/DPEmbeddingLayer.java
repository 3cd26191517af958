package io.dplora.layers;

import io.dplora.layers.impl.DPEmbeddingLayerImpl;
import io.dplora.layers.lora.TrainingSettings;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * DL4J's {@link EmbeddingLayer} (one index per example: [mb, 1] -> activation(W[id] + b) [mb, nOut], same forward
 * pass and mask) as a trainable DP layer: its embedding matrix W [vocabulary, nOut] and its bias b (when configured)
 * get exact per-example gradients. Example i touches one row: G_i = e_{id_i} delta_i^T and g_i(b) = delta_i, so
 * ||g_i||^2 = 2 ||delta_i||^2 with a bias and ||delta_i||^2 without, computed in double from the stashed ids and
 * deltas; the clipped sum sum_i c_i G_i is scattered into the rows the batch touched (examples sharing an id add up in
 * that row).
 *
 * <p>Privacy: every row of W can move, but only through the clipped, noised sum; an id that appears only in private
 * data gets its vector from DP-SGD alone.
 */
public class DPEmbeddingLayer extends EmbeddingLayer implements PerExampleComputation, PrivacyRecordHolder {

    private PrivacyRecord privacyRecord;

    /** For JSON deserialisation; use {@link Builder} or {@link #of}. */
    public DPEmbeddingLayer() {
    }

    /**
     * @param stock a configured EmbeddingLayer
     * @return the DP-trainable layer with the same settings (a copy; {@code stock} is not modified)
     */
    public static DPEmbeddingLayer of(EmbeddingLayer stock) {
        DPEmbeddingLayer d = new DPEmbeddingLayer();
        d.setLayerName(stock.getLayerName());
        d.setNIn(stock.getNIn());
        d.setNOut(stock.getNOut());
        d.setHasBias(stock.hasBias());
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
            throw new IllegalArgumentException("DPEmbeddingLayer '" + getLayerName() + "': weight noise is not "
                    + "supported");
        }
        return LayerInstantiation.wire(new DPEmbeddingLayerImpl(conf, networkDataType), conf, trainingListeners,
                layerIndex, layerParamsView, initializeParams);
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
        return o instanceof DPEmbeddingLayer && super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode() * 31 + 11;
    }

    /** {@code new DPEmbeddingLayer.Builder().nIn(vocabulary).nOut(dim).build()}, as DL4J's builder. */
    public static class Builder extends EmbeddingLayer.Builder {
        @Override
        @SuppressWarnings("unchecked")
        public DPEmbeddingLayer build() {
            return of(super.build());
        }
    }
}
