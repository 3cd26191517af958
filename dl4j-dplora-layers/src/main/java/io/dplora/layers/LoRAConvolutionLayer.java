package io.dplora.layers;

import io.dplora.layers.impl.LoRAConvolutionLayerImpl;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.InputTypeUtil;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;

/**
 * LoRA on a 2D convolution, in the PEFT style: a frozen kernel W0 [C_out, C_in, kH, kW] and bias b, plus a low-rank
 * update s B A with A a convolution from C_in to r channels with the same kernel size, stride, padding and
 * dilation, and B a 1x1 convolution from r to C_out; s = alpha / r, B = 0 at initialisation (so the converted network
 * computes exactly what the pretrained one did), {@link LoRAMode#FFA} keeps A at its random initialisation.
 *
 * <p>How it is computed: every output position of one example reads one patch of C_in kH kW input values (im2col).
 * With those patches as the rows of a sequence of length P = H_out W_out, the layer is a {@link LoRADenseLayer} with
 * nIn = C_in kH kW on that sequence: z = x W0 + b + s (x A) B per patch. So the exact per-example gradients of A and B
 * (and their FLOAT-safe norm bounds) are those of the dense layer's sequence factors, with an example's P patches as
 * its rows. Parameters are stored as the dense layer's: W [C_in kH kW, C_out] (the kernel, flattened in (c, i, j)
 * order), b [C_out], loraA [C_in kH kW, r], loraB [r, C_out]; {@code LoRA.merge} folds s A B back into a stock
 * {@code ConvolutionLayer} kernel.
 *
 * <p>Supported: any kernel, stride, padding and dilation, {@link ConvolutionMode} Truncate, Strict and Same, NCHW
 * and NHWC. Privacy: as for {@link LoRADenseLayer}, only A (VANILLA) and B are trained, each with exact per-example
 * gradients; W0 and b are frozen.
 */
public class LoRAConvolutionLayer extends LoRADenseLayer {

    private int[] kernelSize = {5, 5};
    private int[] stride = {1, 1};
    private int[] padding = {0, 0};
    private int[] dilation = {1, 1};
    private ConvolutionMode convolutionMode = ConvolutionMode.Truncate;
    private CNN2DFormat cnn2dDataFormat = CNN2DFormat.NCHW;
    private long inChannels;

    /** For JSON deserialisation only. */
    public LoRAConvolutionLayer() {
    }

    private LoRAConvolutionLayer(Builder b) {
        super(b, b.rank, b.alpha, b.mode, b.loraInit, b.loraDropout);
        this.kernelSize = b.kernelSize.clone();
        this.stride = b.stride.clone();
        this.padding = b.padding.clone();
        this.dilation = b.dilation.clone();
        this.convolutionMode = b.convolutionMode;
        this.cnn2dDataFormat = b.cnn2dDataFormat;
        this.inChannels = b.inChannels;
        this.nIn = patchSize(b.inChannels);
    }

    /** @return C_in kH kW, the length of one patch (the dense nIn), or 0 while the channels are unknown */
    private long patchSize(long channels) {
        return channels * kernelSize[0] * kernelSize[1];
    }

    @Override
    public RNNFormat effectiveRnnFormat() {
        return RNNFormat.NWC; // patches are produced as [mb, P, C_in kH kW]
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (inputType == null || inputType.getType() != InputType.Type.CNN) {
            throw new IllegalStateException("LoRAConvolutionLayer '" + layerName + "' needs convolutional input "
                    + "(InputType.convolutional), got " + inputType);
        }
        return InputTypeUtil.getOutputTypeCnnLayers(inputType, kernelSize, stride, padding, dilation,
                convolutionMode, nOut, layerIndex, layerName, cnn2dDataFormat, LoRAConvolutionLayer.class);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (inputType == null || inputType.getType() != InputType.Type.CNN) {
            throw new IllegalStateException("LoRAConvolutionLayer '" + layerName + "' needs convolutional input "
                    + "(InputType.convolutional), got " + inputType);
        }
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
        if (inChannels <= 0 || override) {
            inChannels = c.getChannels();
            nIn = patchSize(inChannels);
        }
        cnn2dDataFormat = c.getFormat();
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return InputTypeUtil.getPreProcessorForInputTypeCnnLayers(inputType, layerName);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners,
                                                       int layerIndex, INDArray layerParamsView,
                                                       boolean initializeParams, DataType networkDataType) {
        checkInstantiable("LoRAConvolutionLayer '" + layerName + "'");
        validate("LoRAConvolutionLayer '" + layerName + "'", nIn, nOut, getRank(), getAlpha(), getLoraDropout());
        if (getLoraDropout() != 0) {
            throw new IllegalArgumentException("LoRAConvolutionLayer '" + layerName + "': loraDropout is not supported");
        }
        return LayerInstantiation.wire(new LoRAConvolutionLayerImpl(conf, networkDataType), conf, trainingListeners,
                layerIndex, layerParamsView, initializeParams);
    }

    public int[] getKernelSize() {
        return kernelSize.clone();
    }

    public void setKernelSize(int[] kernelSize) {
        this.kernelSize = kernelSize.clone();
    }

    public int[] getStride() {
        return stride.clone();
    }

    public void setStride(int[] stride) {
        this.stride = stride.clone();
    }

    public int[] getPadding() {
        return padding.clone();
    }

    public void setPadding(int[] padding) {
        this.padding = padding.clone();
    }

    public int[] getDilation() {
        return dilation.clone();
    }

    public void setDilation(int[] dilation) {
        this.dilation = dilation.clone();
    }

    public ConvolutionMode getConvolutionMode() {
        return convolutionMode;
    }

    public void setConvolutionMode(ConvolutionMode convolutionMode) {
        this.convolutionMode = convolutionMode;
    }

    public CNN2DFormat getCnn2dDataFormat() {
        return cnn2dDataFormat;
    }

    public void setCnn2dDataFormat(CNN2DFormat cnn2dDataFormat) {
        this.cnn2dDataFormat = cnn2dDataFormat;
    }

    /** @return C_in, the number of input channels */
    public long getInChannels() {
        return inChannels;
    }

    public void setInChannels(long inChannels) {
        this.inChannels = inChannels;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof LoRAConvolutionLayer) || !super.equals(o)) {
            return false;
        }
        LoRAConvolutionLayer c = (LoRAConvolutionLayer) o;
        return Arrays.equals(kernelSize, c.kernelSize) && Arrays.equals(stride, c.stride)
                && Arrays.equals(padding, c.padding) && Arrays.equals(dilation, c.dilation)
                && convolutionMode == c.convolutionMode && cnn2dDataFormat == c.cnn2dDataFormat
                && inChannels == c.inChannels;
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof LoRAConvolutionLayer;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), Arrays.hashCode(kernelSize), Arrays.hashCode(stride),
                Arrays.hashCode(padding), Arrays.hashCode(dilation), convolutionMode, cnn2dDataFormat, inChannels);
    }

    @Override
    public String toString() {
        return "LoRAConvolutionLayer(name=" + layerName + ", inChannels=" + inChannels + ", nOut=" + nOut
                + ", kernel=" + Arrays.toString(kernelSize) + ", stride=" + Arrays.toString(stride) + ", padding="
                + Arrays.toString(padding) + ", dilation=" + Arrays.toString(dilation) + ", mode=" + convolutionMode
                + ", format=" + cnn2dDataFormat + ", rank=" + getRank() + ", alpha=" + getAlpha() + ", lora="
                + getMode() + ")";
    }

    /**
     * {@code new LoRAConvolutionLayer.Builder(5, 5).nIn(1).nOut(20).stride(1, 1).rank(4).alpha(8).build()}: nIn is
     * the number of input channels, as for DL4J's ConvolutionLayer.
     */
    public static class Builder extends BaseDPDenseLayer.Builder<Builder> {
        private int[] kernelSize;
        private int[] stride = {1, 1};
        private int[] padding = {0, 0};
        private int[] dilation = {1, 1};
        private ConvolutionMode convolutionMode = ConvolutionMode.Truncate;
        private CNN2DFormat cnn2dDataFormat = CNN2DFormat.NCHW;
        private long inChannels;
        private int rank = 8;
        private double alpha = 16;
        private LoRAMode mode = LoRAMode.VANILLA;
        private LoRAInit loraInit = LoRAInit.KAIMING_UNIFORM;
        private double loraDropout;

        /** @param kernelSize kH, kW */
        public Builder(int... kernelSize) {
            this.kernelSize = pair("kernelSize", kernelSize);
        }

        private static int[] pair(String what, int[] v) {
            if (v == null || v.length != 2 || v[0] < 0 || v[1] < 0) {
                throw new IllegalArgumentException("LoRAConvolutionLayer: " + what + " needs 2 non-negative values, "
                        + "got " + Arrays.toString(v));
            }
            return v.clone();
        }

        /** @param channels C_in, the number of input channels (set from the input type when the network has one) */
        @Override
        public Builder nIn(long channels) {
            this.inChannels = channels;
            return this;
        }

        @Override
        public Builder nIn(int channels) {
            return nIn((long) channels);
        }

        public Builder stride(int... stride) {
            this.stride = pair("stride", stride);
            return this;
        }

        public Builder padding(int... padding) {
            this.padding = pair("padding", padding);
            return this;
        }

        public Builder dilation(int... dilation) {
            this.dilation = pair("dilation", dilation);
            return this;
        }

        public Builder convolutionMode(ConvolutionMode mode) {
            this.convolutionMode = Objects.requireNonNull(mode, "convolutionMode");
            return this;
        }

        public Builder dataFormat(CNN2DFormat format) {
            this.cnn2dDataFormat = Objects.requireNonNull(format, "dataFormat");
            return this;
        }

        /** @param rank the adapter rank r (default 8) */
        public Builder rank(int rank) {
            this.rank = rank;
            return this;
        }

        /** @param alpha LoRA alpha; the update is scaled by alpha / r (default 16) */
        public Builder alpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        /** @param mode VANILLA (A and B trained) or FFA (B only) */
        public Builder mode(LoRAMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** @param init initialisation of A (default Kaiming-uniform, as PEFT) */
        public Builder aInit(LoRAInit init) {
            this.loraInit = Objects.requireNonNull(init, "aInit");
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public LoRAConvolutionLayer build() {
            if (kernelSize[0] < 1 || kernelSize[1] < 1 || stride[0] < 1 || stride[1] < 1 || dilation[0] < 1
                    || dilation[1] < 1) {
                throw new IllegalArgumentException("LoRAConvolutionLayer: kernel, stride and dilation must be >= 1");
            }
            if (rank < 1 || !(alpha > 0) || Double.isInfinite(alpha)) {
                throw new IllegalArgumentException("LoRAConvolutionLayer: rank must be >= 1 and alpha finite > 0, "
                        + "got " + rank + ", " + alpha);
            }
            return new LoRAConvolutionLayer(this);
        }
    }
}
