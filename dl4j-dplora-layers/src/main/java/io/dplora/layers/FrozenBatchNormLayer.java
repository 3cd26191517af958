package io.dplora.layers;

import io.dplora.layers.impl.FrozenBatchNormLayerImpl;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.NoParamLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.params.EmptyParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Collection;

/**
 * A pretrained BatchNormalization in inference mode, as a fixed per-channel affine map y = x scale_c + shift_c with
 * scale = gamma / sqrt(var + eps) and shift = beta - mean scale (its running statistics and gamma, beta frozen into the
 * configuration). Unlike DL4J's BatchNormalization inside a frozen wrapper, its backward pass is the exact gradient of
 * this map (dL/dx = dL/dy scale_c), computed for every example on its own, so trained layers may lie below it:
 * {@code LoRA.apply} converts a BatchNormalization that has a trained layer below it into this layer (a CNN with BN
 * after every convolution gets LoRA on its convolutions). No parameters: nothing here can move.
 *
 * <p>Input: [mb, C] (channels in dimension 1), [mb, C, H, W] (NCHW) or [mb, H, W, C] (NHWC).
 */
public class FrozenBatchNormLayer extends NoParamLayer implements PerExampleComputation {

    private double[] scale;
    private double[] shift;
    private CNN2DFormat cnn2dDataFormat = CNN2DFormat.NCHW;

    /** For JSON deserialisation only. */
    public FrozenBatchNormLayer() {
    }

    /**
     * @param name   layer name
     * @param scale  per-channel scale
     * @param shift  per-channel shift
     * @param format layout of 4D input
     */
    public FrozenBatchNormLayer(String name, double[] scale, double[] shift, CNN2DFormat format) {
        if (scale == null || shift == null || scale.length != shift.length || scale.length == 0) {
            throw new IllegalArgumentException("FrozenBatchNormLayer '" + name + "': scale and shift must have one "
                    + "value per channel");
        }
        this.layerName = name;
        this.scale = scale.clone();
        this.shift = shift.clone();
        this.cnn2dDataFormat = format == null ? CNN2DFormat.NCHW : format;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners,
                                                       int layerIndex, INDArray layerParamsView,
                                                       boolean initializeParams, DataType networkDataType) {
        FrozenBatchNormLayerImpl impl = new FrozenBatchNormLayerImpl(conf, networkDataType);
        impl.setListeners(trainingListeners);
        impl.setIndex(layerIndex);
        impl.setParamsViewArray(layerParamsView);
        impl.setParamTable(initializer().init(conf, layerParamsView, initializeParams));
        impl.setConf(conf);
        return impl;
    }

    @Override
    public ParamInitializer initializer() {
        return EmptyParamInitializer.getInstance();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return inputType;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (inputType instanceof InputType.InputTypeConvolutional) {
            cnn2dDataFormat = ((InputType.InputTypeConvolutional) inputType).getFormat();
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        return new LayerMemoryReport.Builder(layerName, FrozenBatchNormLayer.class, inputType, inputType)
                .standardMemory(0, 0).workingMemory(0, 0, 0, inputType.arrayElementsPerExample())
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS).build();
    }

    public double[] getScale() {
        return scale == null ? null : scale.clone();
    }

    public void setScale(double[] scale) {
        this.scale = scale == null ? null : scale.clone();
    }

    public double[] getShift() {
        return shift == null ? null : shift.clone();
    }

    public void setShift(double[] shift) {
        this.shift = shift == null ? null : shift.clone();
    }

    public CNN2DFormat getCnn2dDataFormat() {
        return cnn2dDataFormat;
    }

    public void setCnn2dDataFormat(CNN2DFormat cnn2dDataFormat) {
        this.cnn2dDataFormat = cnn2dDataFormat;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof FrozenBatchNormLayer) || !super.equals(o)) {
            return false;
        }
        FrozenBatchNormLayer f = (FrozenBatchNormLayer) o;
        return Arrays.equals(scale, f.scale) && Arrays.equals(shift, f.shift) && cnn2dDataFormat == f.cnn2dDataFormat;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(scale) + Arrays.hashCode(shift)) + cnn2dDataFormat.hashCode();
    }
}
