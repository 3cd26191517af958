package io.dplora.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * A pretrained dense map h = act(x W + b) whose W and b never move: the sequence-native counterpart of a frozen
 * DL4J DenseLayer. Same parameters and layout as {@link DPDenseLayer} ({@code W} [nIn, nOut], {@code b} [nOut]) and,
 * like it, 2D input or sequences [mb, nIn, T] / [mb, T, nIn] natively with masks (see {@link BaseDPDenseLayer}).
 *
 * <p>Backward: only dL/dx = delta W<sup>T</sup> is formed (no weight gradient, no per-example state: it contributes
 * nothing to any per-example norm). Every parameter has a NoOp updater and no regularisation.
 *
 * <p>It is what an imported transformer's projections are before LoRA: {@code LoRA.apply} turns a target
 * FrozenDenseLayer into a {@link LoRADenseLayer} (W, b copied, frozen) and a layer listed as trainable into a
 * {@link DPDenseLayer}; {@code LoRA.merge} of a LoRA layer on sequences gives a DPDenseLayer.
 */
public class FrozenDenseLayer extends DPDenseLayer implements FrozenParameters {

    /** For JSON deserialisation only. */
    public FrozenDenseLayer() {
    }

    private FrozenDenseLayer(Builder builder) {
        super(builder);
    }

    @Override
    public boolean isFrozenParam(String paramKey) {
        return true;
    }

    @Override
    public long numTrainableParams() {
        return 0;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners,
                                                       int layerIndex, INDArray layerParamsView,
                                                       boolean initializeParams, DataType networkDataType) {
        checkInstantiable("FrozenDenseLayer '" + layerName + "'");
        return super.instantiate(conf, trainingListeners, layerIndex, layerParamsView, initializeParams,
                networkDataType);
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof FrozenDenseLayer;
    }

    @Override
    public String toString() {
        return "FrozenDenseLayer(name=" + layerName + ", nIn=" + nIn + ", nOut=" + nOut + ", hasBias=" + hasBias()
                + ", activation=" + activationFn + ")";
    }

    /** Builder in the DL4J style; {@link #build()} requires nOut &gt; 0. */
    public static class Builder extends BaseDPDenseLayer.Builder<Builder> {
        @Override
        @SuppressWarnings("unchecked")
        public FrozenDenseLayer build() {
            if (nOut <= 0) {
                throw new IllegalArgumentException("FrozenDenseLayer: nOut must be set to a positive value, got "
                        + nOut);
            }
            if (nIn < 0) {
                throw new IllegalArgumentException("FrozenDenseLayer: nIn must not be negative, got " + nIn);
            }
            return new FrozenDenseLayer(this);
        }
    }
}
