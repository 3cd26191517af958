package io.dplora.layers;

import io.dplora.layers.impl.DPOutputLayerImpl;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Collection;

/**
 * DP-capable 2D output layer (classification/regression head on [mb, nIn] input), a drop-in for DL4J's
 * {@code OutputLayer}: same parameters {@code W} [nIn, nOut] and {@code b} [nOut], same losses, label masks
 * ([mb, 1] per example or [mb, nOut] per output).
 *
 * <p>Per-example gradients of example i's own loss L<sub>i</sub>, with delta<sub>i</sub> = dL<sub>i</sub>/dz<sub>i</sub>
 * (masked): G<sub>W,i</sub> = x<sub>i</sub><sup>T</sup> delta<sub>i</sub>, G<sub>b,i</sub> = delta<sub>i</sub>, hence
 * ||G<sub>i</sub>||<sup>2</sup> = (||x<sub>i</sub>||<sup>2</sup> + 1) ||delta<sub>i</sub>||<sup>2</sup> (without bias:
 * ||x<sub>i</sub>||<sup>2</sup> ||delta<sub>i</sub>||<sup>2</sup>); no per-example nIn x nOut tensor is ever formed, and
 * the clipped sum is X<sup>T</sup> diag(c) Delta, one GEMM.
 */
public class DPOutputLayer extends BaseDPOutputLayer {

    /** For JSON deserialisation only. */
    public DPOutputLayer() {
    }

    private DPOutputLayer(Builder builder) {
        super(builder);
        initializeConstraints(builder);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners,
                                                       int layerIndex, INDArray layerParamsView,
                                                       boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("DPOutputLayer", getLayerName(), layerIndex, getNIn(), getNOut());
        return LayerInstantiation.wire(new DPOutputLayerImpl(conf, networkDataType), conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof DPOutputLayer;
    }

    @Override
    public String toString() {
        return "DPOutputLayer(name=" + layerName + ", nIn=" + nIn + ", nOut=" + nOut + ", loss=" + lossFn
                + ", activation=" + activationFn + ", hasBias=" + hasBias + ", trainable=" + trainable + ")";
    }

    /** Builder in the DL4J style; defaults as DL4J's OutputLayer (MCXENT loss, softmax). */
    public static class Builder extends BaseDPOutputLayer.Builder<Builder> {
        public Builder() {
            setActivationFn(new ActivationSoftmax());
        }

        public Builder(LossFunctions.LossFunction lossFunction) {
            super(lossFunction);
            setActivationFn(new ActivationSoftmax());
        }

        public Builder(ILossFunction lossFunction) {
            super(lossFunction);
            setActivationFn(new ActivationSoftmax());
        }

        @Override
        @SuppressWarnings("unchecked")
        public DPOutputLayer build() {
            requireNOut("DPOutputLayer", nOut);
            return new DPOutputLayer(this);
        }
    }
}
