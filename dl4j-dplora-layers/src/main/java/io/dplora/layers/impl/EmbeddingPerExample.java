package io.dplora.layers.impl;

import io.dplora.layers.PrivacyRecord;
import io.dplora.layers.grad.PerExampleState;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collections;
import java.util.Map;

/**
 * The per-example state of a DP embedding layer ({@link DPEmbeddingLayerImpl}, {@link DPEmbeddingSequenceLayerImpl}):
 * whether gathering is on, the last gathered batch ({@link EmbeddingRowGradients}) and the privacy-record check of
 * the backward pass, behind the {@link io.dplora.layers.PerExampleGradientLayer} operations both layers share.
 */
final class EmbeddingPerExample {

    private final String layerName;
    /** Carries the privacy-record check (no linear factors: the rows below are the layer's own stash). */
    private final PerExampleState check;
    private boolean enabled;
    /** the last gathered batch (null when none) */
    private EmbeddingRowGradients rows;

    EmbeddingPerExample(String layerName) {
        this.layerName = layerName;
        this.check = new PerExampleState(layerName, Collections.emptyList());
    }

    /**
     * Called at the start of every backward pass: runs the privacy-record check and, when gathering is off, drops any
     * stale state.
     *
     * @param record the layer configuration's privacy record (null for a network never made private)
     * @return whether this pass must gather per-example state ({@link #set})
     */
    boolean beginBackward(PrivacyRecord record) {
        check.checkBackward(record);
        if (!enabled) {
            rows = null;
        }
        return enabled;
    }

    /** @param gathered the batch just gathered */
    void set(EmbeddingRowGradients gathered) {
        this.rows = gathered;
    }

    void setEnabled(boolean enabled) {
        this.enabled = enabled;
        if (!enabled) {
            clear();
        }
    }

    boolean isEnabled() {
        return enabled;
    }

    int count() {
        return require().count();
    }

    void accumulateSquaredNorms(double[] out, DataType dataType) {
        require().accumulateSquaredNorms(out, dataType);
    }

    /** Writes the clipped sum into the layer's weight (and, with a bias, bias) gradient views. */
    void writeClippedSum(double[] clipFactors, Map<String, INDArray> gradientViews, boolean bias) {
        require().writeClippedSum(clipFactors, gradientViews.get(DefaultParamInitializer.WEIGHT_KEY),
                bias ? gradientViews.get(DefaultParamInitializer.BIAS_KEY) : null);
    }

    void clear() {
        rows = null;
    }

    void setTrainingCheck(Runnable privateCheck) {
        check.setTrainingCheck(privateCheck);
    }

    private EmbeddingRowGradients require() {
        return EmbeddingRowGradients.require(rows, layerName);
    }
}
