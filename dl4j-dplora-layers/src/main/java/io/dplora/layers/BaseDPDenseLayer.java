package io.dplora.layers;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.List;
import java.util.Objects;

/**
 * Common configuration of the dense layers of this library ({@link LoRADenseLayer}, {@link DPDenseLayer}): a dense map
 * h = act(x W + b (+ LoRA term)) that accepts feed-forward input [mb, nIn] and sequence input [mb, nIn, T] (NCW) or
 * [mb, T, nIn] (NWC) <em>natively</em>, so no {@code RnnToFeedForwardPreProcessor} is inserted and the layer always
 * knows which rows belong to which example (the basis of exact per-example gradients). Feature masks [mb, T] are
 * respected: padded steps produce zero output and contribute nothing to any gradient.
 *
 * <p>Parameters reported by {@link #isFrozenParam(String)} are frozen the safe way: NoOp updater, no regularisation
 * (even when L1/L2/weight decay is configured globally) and a gradient slice that is never written, so they cannot move.
 *
 * <p>The class extends DL4J's {@link DenseLayer} configuration (not its implementation) so that DL4J treats these
 * layers as the dense layers they replace: a {@code MultiLayerNetwork} list configuration whose first layer is a
 * LoRA/DP dense layer infers the next layers' nIn without {@code setInputType}, exactly as with a stock DenseLayer.
 * Layer normalisation ({@code hasLayerNorm}) is not supported and refused when the layer is instantiated.
 */
public abstract class BaseDPDenseLayer extends DenseLayer implements PerExampleComputation, PrivacyRecordHolder {

    /** The network's privacy state (null until it is made private); not part of equals/hashCode. */
    private PrivacyRecord privacyRecord;

    @Override
    public PrivacyRecord getPrivacyRecord() {
        return privacyRecord;
    }

    @Override
    public void setPrivacyRecord(PrivacyRecord privacyRecord) {
        this.privacyRecord = privacyRecord;
    }

    /** Sequence layout of 3D input; null means "not declared" (3D input is then read as NCW). */
    protected RNNFormat rnnDataFormat;
    /**
     * Whether backprop returns the gradient with respect to the layer's input (default true). False saves the
     * product delta W<sup>T</sup> (the largest GEMM of a wide first layer's backward pass) when nothing uses it:
     * {@code LoRA.apply} sets it for a layer whose inputs are network inputs that feed nothing else (no
     * preprocessor). DL4J then reports no gradient for that network input (e.g. {@code calculateGradients}). It has
     * no effect on any parameter gradient or on the privacy of training.
     */
    protected boolean inputGradient = true;

    protected BaseDPDenseLayer() {
        // for JSON
    }

    protected BaseDPDenseLayer(Builder<?> builder) {
        builder.configure(this);
    }

    /** @return true when the parameter with this key is stored but never updated. */
    public abstract boolean isFrozenParam(String paramKey);

    /** @return the number of parameters that are trained (those not {@link #isFrozenParam(String) frozen}). */
    public abstract long numTrainableParams();

    /** @return the sequence format used for 3D input (NCW when none was declared). */
    public RNNFormat effectiveRnnFormat() {
        return rnnDataFormat == null ? RNNFormat.NCW : rnnDataFormat;
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        if (isFrozenParam(paramName)) {
            return new NoOp();
        }
        return super.getUpdaterByParam(paramName);
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        if (isFrozenParam(paramName)) {
            return null;
        }
        return super.getRegularizationByParam(paramName);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (inputType != null && inputType.getType() == InputType.Type.RNN) {
            InputType.InputTypeRecurrent r = (InputType.InputTypeRecurrent) inputType;
            return InputType.recurrent(nOut, r.getTimeSeriesLength(), r.getFormat());
        }
        return super.getOutputType(layerIndex, inputType);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        super.setNIn(inputType, override);
        if (inputType != null && inputType.getType() == InputType.Type.RNN && (rnnDataFormat == null || override)) {
            rnnDataFormat = ((InputType.InputTypeRecurrent) inputType).getFormat();
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        if (inputType != null && inputType.getType() == InputType.Type.RNN) {
            return null; // handled natively, rows stay grouped by example
        }
        return super.getPreProcessorForInputType(inputType);
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType outputType = getOutputType(-1, inputType);
        long numParams = initializer().numParams(this);
        IUpdater u = getIUpdater() == null ? new NoOp() : getIUpdater();
        long perExample = inputType.arrayElementsPerExample() + 2 * outputType.arrayElementsPerExample();
        return new LayerMemoryReport.Builder(layerName, getClass(), inputType, outputType)
                .standardMemory(numParams, u.stateSize(numTrainableParams()))
                .workingMemory(0, outputType.arrayElementsPerExample(), 0, perExample)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    public boolean isInputGradient() {
        return inputGradient;
    }

    public void setInputGradient(boolean inputGradient) {
        this.inputGradient = inputGradient;
    }

    public RNNFormat getRnnDataFormat() {
        return rnnDataFormat;
    }

    public void setRnnDataFormat(RNNFormat rnnDataFormat) {
        this.rnnDataFormat = rnnDataFormat;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof BaseDPDenseLayer) || !super.equals(o)) {
            return false;
        }
        BaseDPDenseLayer other = (BaseDPDenseLayer) o;
        return other.canEqual(this) && rnnDataFormat == other.rnnDataFormat && inputGradient == other.inputGradient;
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof BaseDPDenseLayer;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), rnnDataFormat, inputGradient);
    }

    /**
     * Checks, when the layer is instantiated, what the builder cannot: nIn and nOut set (from the builder, the input
     * type or JSON) and no layer normalisation (a DenseLayer option these layers do not implement).
     *
     * @param layerType the layer's kind and name for messages, e.g. {@code "LoRADenseLayer 'dense1'"}
     */
    protected void checkInstantiable(String layerType) {
        if (nIn <= 0) {
            throw new IllegalArgumentException(layerType + ": nIn must be set to a positive value, got " + nIn);
        }
        if (nOut <= 0) {
            throw new IllegalArgumentException(layerType + ": nOut must be set to a positive value, got " + nOut);
        }
        if (hasLayerNorm()) {
            throw new IllegalArgumentException(layerType + ": layer normalisation (hasLayerNorm) is not supported");
        }
    }

    /** Builder options shared by the dense layers of this library. */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<T extends Builder<T>> extends FeedForwardLayer.Builder<T> {
        protected boolean hasBias = true;
        protected RNNFormat rnnDataFormat;
        protected boolean inputGradient = true;

        /**
         * Sets on {@code layer} what DL4J's Layer, BaseLayer and FeedForwardLayer constructors take from a builder
         * (DenseLayer's own builder constructor is private), and this builder's options.
         */
        void configure(BaseDPDenseLayer layer) {
            layer.setLayerName(layerName);
            layer.setIDropout(iDropout);
            layer.setActivationFn(activationFn);
            layer.setWeightInitFn(weightInitFn);
            layer.setBiasInit(biasInit);
            layer.setGainInit(gainInit);
            layer.setRegularization(regularization);
            layer.setRegularizationBias(regularizationBias);
            layer.setIUpdater(iupdater);
            layer.setBiasUpdater(biasUpdater);
            layer.setGradientNormalization(gradientNormalization);
            layer.setGradientNormalizationThreshold(gradientNormalizationThreshold);
            layer.setWeightNoise(weightNoise);
            layer.setNIn(nIn);
            layer.setNOut(nOut);
            layer.setHasBias(hasBias);
            layer.rnnDataFormat = rnnDataFormat;
            layer.inputGradient = inputGradient;
        }

        /**
         * @param inputGradient whether backprop returns the gradient with respect to the input (default true; false
         *                      only for a layer fed by a network input that nothing else consumes, see
         *                      {@link BaseDPDenseLayer#isInputGradient()})
         */
        public T inputGradient(boolean inputGradient) {
            this.inputGradient = inputGradient;
            return (T) this;
        }

        /** @param hasBias whether the layer has a bias b (default true) */
        public T hasBias(boolean hasBias) {
            this.hasBias = hasBias;
            return (T) this;
        }

        /**
         * Declares that the layer receives sequences in this layout (NCW = [mb, nIn, T], NWC = [mb, T, nIn]). Set
         * automatically from the input type when the network is built with input types.
         */
        public T dataFormat(RNNFormat format) {
            this.rnnDataFormat = format;
            return (T) this;
        }
    }
}
