package io.dplora.layers;

import io.dplora.layers.impl.DPRnnOutputLayerImpl;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.InputTypeUtil;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Collection;
import java.util.Objects;

/**
 * DP-capable sequence output layer, a drop-in for DL4J's {@code RnnOutputLayer}: input [mb, nIn, T] (NCW) or
 * [mb, T, nIn] (NWC), labels of the same layout, label masks [mb, T] (per step) or [mb, nOut, T] (per output).
 *
 * <p>The per-example loss is the <em>sum</em> over the example's unmasked time steps (DL4J's score divides the batch
 * sum by mb only). Per-example gradients over the rows t of example i: G<sub>W,i</sub> = &Sigma;<sub>t</sub>
 * x<sub>t</sub><sup>T</sup> delta<sub>t</sub> and G<sub>b,i</sub> = &Sigma;<sub>t</sub> delta<sub>t</sub>; the squared
 * norm of G<sub>W,i</sub> is computed directly or as the Gram ("ghost") inner product
 * &lt;X<sub>i</sub>X<sub>i</sub><sup>T</sup>, Delta<sub>i</sub>Delta<sub>i</sub><sup>T</sup>&gt;, whichever is cheaper
 * (ghost iff 2T<sup>2</sup> &lt; nIn nOut).
 */
public class DPRnnOutputLayer extends BaseDPOutputLayer {

    private RNNFormat rnnDataFormat;

    /** For JSON deserialisation only. */
    public DPRnnOutputLayer() {
    }

    private DPRnnOutputLayer(Builder builder) {
        super(builder);
        this.rnnDataFormat = builder.rnnDataFormat;
        initializeConstraints(builder);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners,
                                                       int layerIndex, INDArray layerParamsView,
                                                       boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("DPRnnOutputLayer", getLayerName(), layerIndex, getNIn(), getNOut());
        return LayerInstantiation.wire(new DPRnnOutputLayerImpl(conf, networkDataType), conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (inputType == null || inputType.getType() != InputType.Type.RNN) {
            throw new IllegalStateException("Invalid input type for DPRnnOutputLayer (layer name=\"" + getLayerName()
                    + "\"): expected RNN input, got " + inputType);
        }
        InputType.InputTypeRecurrent r = (InputType.InputTypeRecurrent) inputType;
        return InputType.recurrent(nOut, r.getTimeSeriesLength(), r.getFormat());
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (inputType == null || inputType.getType() != InputType.Type.RNN) {
            throw new IllegalStateException("Invalid input type for DPRnnOutputLayer (layer name=\"" + getLayerName()
                    + "\"): expected RNN input, got " + inputType);
        }
        InputType.InputTypeRecurrent r = (InputType.InputTypeRecurrent) inputType;
        if (rnnDataFormat == null || override) {
            rnnDataFormat = r.getFormat();
        }
        if (nIn <= 0 || override) {
            nIn = r.getSize();
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return InputTypeUtil.getPreprocessorForInputTypeRnnLayers(inputType, rnnDataFormat, getLayerName());
    }

    /** @return the sequence format used for input and labels (NCW when none was declared). */
    public RNNFormat effectiveRnnFormat() {
        return rnnDataFormat == null ? RNNFormat.NCW : rnnDataFormat;
    }

    public RNNFormat getRnnDataFormat() {
        return rnnDataFormat;
    }

    public void setRnnDataFormat(RNNFormat rnnDataFormat) {
        this.rnnDataFormat = rnnDataFormat;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DPRnnOutputLayer && super.equals(o)
                && rnnDataFormat == ((DPRnnOutputLayer) o).rnnDataFormat;
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof DPRnnOutputLayer;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), rnnDataFormat);
    }

    @Override
    public String toString() {
        return "DPRnnOutputLayer(name=" + layerName + ", nIn=" + nIn + ", nOut=" + nOut + ", loss=" + lossFn
                + ", activation=" + activationFn + ", hasBias=" + hasBias + ", trainable=" + trainable
                + ", format=" + rnnDataFormat + ")";
    }

    /** Builder in the DL4J style; defaults as DL4J's RnnOutputLayer (MCXENT loss, softmax, NCW). */
    public static class Builder extends BaseDPOutputLayer.Builder<Builder> {
        private RNNFormat rnnDataFormat;

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

        /** @param format NCW = [mb, size, T] (default) or NWC = [mb, T, size], for input and labels */
        public Builder dataFormat(RNNFormat format) {
            this.rnnDataFormat = format;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public DPRnnOutputLayer build() {
            requireNOut("DPRnnOutputLayer", nOut);
            return new DPRnnOutputLayer(this);
        }
    }
}
