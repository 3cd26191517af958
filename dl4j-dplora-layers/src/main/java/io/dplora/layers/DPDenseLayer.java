package io.dplora.layers;

import io.dplora.layers.impl.DPDenseLayerImpl;
import io.dplora.layers.params.DPDenseParamInitializer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * Full-rank trainable dense layer h = act(x W + b) with exact per-example gradients, for trainable parts of a
 * network other than LoRA adapters (for example a pooler or the hidden layer of a classification head). Same
 * parameters as DL4J's DenseLayer ({@code W} [nIn, nOut], {@code b} [nOut]); accepts 2D input and sequences
 * natively (see {@link BaseDPDenseLayer}).
 *
 * <p>Per-example gradients (rows r of example i, delta = dL/d(pre-activation)): G<sub>W,i</sub> =
 * &Sigma;<sub>r</sub> x<sub>r</sub><sup>T</sup> delta<sub>r</sub>, G<sub>b,i</sub> = &Sigma;<sub>r</sub>
 * delta<sub>r</sub>. For 2D input ||G<sub>W,i</sub>||<sup>2</sup> = ||x<sub>i</sub>||<sup>2</sup>
 * ||delta<sub>i</sub>||<sup>2</sup>: no per-example nIn x nOut tensor is formed.
 */
public class DPDenseLayer extends BaseDPDenseLayer {

    /** For JSON deserialisation only. */
    public DPDenseLayer() {
    }

    private DPDenseLayer(Builder builder) {
        super(builder);
        initializeConstraints(builder);
    }

    /** For subclasses with their own builder (no constraints). */
    protected DPDenseLayer(BaseDPDenseLayer.Builder<?> builder) {
        super(builder);
    }

    @Override
    public boolean isFrozenParam(String paramKey) {
        return false;
    }

    @Override
    public long numTrainableParams() {
        return nIn * nOut + (hasBias() ? nOut : 0);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners,
                                                       int layerIndex, INDArray layerParamsView,
                                                       boolean initializeParams, DataType networkDataType) {
        checkInstantiable("DPDenseLayer '" + layerName + "'");
        return LayerInstantiation.wire(new DPDenseLayerImpl(conf, networkDataType), conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return DPDenseParamInitializer.getInstance();
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof DPDenseLayer;
    }

    @Override
    public String toString() {
        return "DPDenseLayer(name=" + layerName + ", nIn=" + nIn + ", nOut=" + nOut + ", hasBias=" + hasBias()
                + ", activation=" + activationFn + ")";
    }

    /** Builder in the DL4J style; {@link #build()} requires nOut &gt; 0 (nIn may come from the input type). */
    public static class Builder extends BaseDPDenseLayer.Builder<Builder> {
        @Override
        @SuppressWarnings("unchecked")
        public DPDenseLayer build() {
            if (nOut <= 0) {
                throw new IllegalArgumentException("DPDenseLayer: nOut must be set to a positive value, got " + nOut);
            }
            if (nIn < 0) {
                throw new IllegalArgumentException("DPDenseLayer: nIn must not be negative, got " + nIn);
            }
            return new DPDenseLayer(this);
        }
    }
}
