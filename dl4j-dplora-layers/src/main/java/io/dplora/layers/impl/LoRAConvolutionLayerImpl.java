package io.dplora.layers.impl;

import io.dplora.layers.LoRAConvolutionLayer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.convolution.Convolution;

/**
 * Implementation of {@link LoRAConvolutionLayer}: im2col turns the image [mb, C_in, H, W] into the patch sequence
 * [mb, P, C_in kH kW] (P = H_out W_out, rows grouped by example, the same im2col as DL4J's ConvolutionLayer), the
 * {@link LoRADenseLayerImpl} computes the LoRA dense map on it (with its exact per-example factors), and the result
 * [mb, P, C_out] is the output image in NHWC order. Backward: the epsilon image becomes [mb, P, C_out], the dense
 * layer returns dL/d(patches), and col2im sums the patch gradients back into dL/d(image).
 */
public class LoRAConvolutionLayerImpl extends LoRADenseLayerImpl {

    private INDArray image;

    public LoRAConvolutionLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private LoRAConvolutionLayer conv() {
        return (LoRAConvolutionLayer) layerConf();
    }

    /** The sizes of one forward pass. */
    private record Geometry(long mb, long channels, int inH, int inW, int outH, int outW, int[] pad) {
    }

    private Geometry geometry(INDArray nchw) {
        LoRAConvolutionLayer c = conv();
        if (nchw.rank() != 4) {
            throw new IllegalStateException("LoRAConvolutionLayer '" + c.getLayerName() + "' expects 4D image input, "
                    + "got shape " + java.util.Arrays.toString(nchw.shape()));
        }
        if (nchw.size(1) != c.getInChannels()) {
            throw new IllegalStateException("LoRAConvolutionLayer '" + c.getLayerName() + "' has " + c.getInChannels()
                    + " input channels, got an image with " + nchw.size(1));
        }
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] d = c.getDilation();
        int[] out;
        int[] pad;
        if (c.getConvolutionMode() == ConvolutionMode.Same) {
            out = ConvolutionUtils.getOutputSize(nchw, k, s, null, ConvolutionMode.Same, d, CNN2DFormat.NCHW);
            pad = ConvolutionUtils.getSameModeTopLeftPadding(out, new int[] {(int) nchw.size(2), (int) nchw.size(3)},
                    k, s, d);
        } else {
            pad = c.getPadding();
            out = ConvolutionUtils.getOutputSize(nchw, k, s, pad, c.getConvolutionMode(), d, CNN2DFormat.NCHW);
        }
        return new Geometry(nchw.size(0), nchw.size(1), (int) nchw.size(2), (int) nchw.size(3), out[0], out[1], pad);
    }

    private INDArray nchw(INDArray x) {
        return conv().getCnn2dDataFormat() == CNN2DFormat.NHWC ? x.permute(0, 3, 1, 2) : x;
    }

    /** @return the patches [mb, P, C_in kH kW] of the image, c-ordered, allocated as {@code type} */
    private INDArray patches(INDArray nchwImage, Geometry g, LayerWorkspaceMgr mgr, ArrayType type) {
        LoRAConvolutionLayer c = conv();
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] d = c.getDilation();
        INDArray col = mgr.createUninitialized(type, nchwImage.dataType(),
                new long[] {g.mb(), g.outH(), g.outW(), g.channels(), k[0], k[1]}, 'c');
        INDArray col2 = col.permute(0, 3, 4, 5, 1, 2);
        INDArray in = nchwImage.isView() || nchwImage.ordering() != 'c' ? nchwImage.dup('c') : nchwImage;
        Convolution.im2col(in, k[0], k[1], s[0], s[1], g.pad()[0], g.pad()[1], d[0], d[1],
                c.getConvolutionMode() == ConvolutionMode.Same, col2);
        return col.reshape('c', g.mb(), (long) g.outH() * g.outW(), g.channels() * k[0] * k[1]);
    }

    @Override
    public void setInput(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        super.setInput(input, workspaceMgr);
        this.image = input;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        INDArray img = image;
        if (img == null) {
            throw new IllegalStateException("LoRAConvolutionLayer '" + conv().getLayerName() + "': no input set");
        }
        INDArray x = nchw(img);
        Geometry g = geometry(x);
        this.input = patches(x, g, mgr, training ? ArrayType.INPUT : ArrayType.FF_WORKING_MEM);
        INDArray seq = super.activate(training, mgr); // [mb, P, C_out]
        INDArray nhwc = seq.reshape('c', g.mb(), g.outH(), g.outW(), layerConf().getNOut());
        if (conv().getCnn2dDataFormat() == CNN2DFormat.NHWC) {
            return nhwc;
        }
        return mgr.dup(ArrayType.ACTIVATIONS, nhwc.permute(0, 3, 1, 2), 'c');
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        INDArray x = nchw(image);
        Geometry g = geometry(x);
        LoRAConvolutionLayer c = conv();
        if (!(input != null && input != image && Forward.usable(input) && input.rank() == 3
                && input.size(0) == g.mb() && input.size(1) == (long) g.outH() * g.outW())) {
            this.input = patches(x, g, mgr, ArrayType.BP_WORKING_MEM);
        }
        INDArray epsNhwc = c.getCnn2dDataFormat() == CNN2DFormat.NHWC ? epsilon : epsilon.permute(0, 2, 3, 1);
        INDArray epsSeq = mgr.dup(ArrayType.BP_WORKING_MEM, epsNhwc, 'c')
                .reshape('c', g.mb(), (long) g.outH() * g.outW(), layerConf().getNOut());
        Pair<Gradient, INDArray> p = super.backpropGradient(epsSeq, mgr); // dL/d(patches) [mb, P, C_in kH kW]
        if (p.getSecond() == null) {
            return p; // no input gradient wanted (fed by a network input): no col2im either
        }
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] d = c.getDilation();
        INDArray epsPatches = p.getSecond().dup('c')
                .reshape('c', g.mb(), g.outH(), g.outW(), g.channels(), k[0], k[1]).permute(0, 3, 4, 5, 1, 2);
        INDArray epsImage = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsPatches.dataType(),
                new long[] {g.mb(), g.channels(), g.inH(), g.inW()}, 'c');
        Convolution.col2im(epsPatches, epsImage, s[0], s[1], g.pad()[0], g.pad()[1], g.inH(), g.inW(), d[0], d[1]);
        INDArray out = c.getCnn2dDataFormat() == CNN2DFormat.NHWC
                ? mgr.dup(ArrayType.ACTIVATION_GRAD, epsImage.permute(0, 2, 3, 1), 'c') : epsImage;
        return new Pair<>(p.getFirst(), out);
    }

    @Override
    public Layer.Type type() {
        return Layer.Type.CONVOLUTIONAL;
    }

    @Override
    public INDArray input() {
        return image;
    }

    @Override
    public void clear() {
        super.clear();
        image = null;
    }

}
