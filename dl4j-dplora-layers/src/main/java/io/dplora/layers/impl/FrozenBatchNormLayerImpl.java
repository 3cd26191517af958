package io.dplora.layers.impl;

import io.dplora.layers.FrozenBatchNormLayer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;

/** Implementation of {@link FrozenBatchNormLayer}: y = x scale_c + shift_c, dL/dx = dL/dy scale_c. */
public class FrozenBatchNormLayerImpl extends AbstractLayer<FrozenBatchNormLayer> {

    public FrozenBatchNormLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private int channelDim(INDArray x) {
        if (x.rank() == 2) {
            return 1;
        }
        if (x.rank() == 4) {
            return layerConf().getCnn2dDataFormat() == CNN2DFormat.NHWC ? 3 : 1;
        }
        throw new IllegalStateException("FrozenBatchNormLayer '" + layerConf().getLayerName() + "' takes 2D or 4D "
                + "input, got rank " + x.rank());
    }

    private INDArray vector(double[] v, INDArray like) {
        return Nd4j.createFromArray(v).castTo(like.dataType());
    }

    private void checkChannels(INDArray x, int dim) {
        if (x.size(dim) != layerConf().getScale().length) {
            throw new IllegalStateException("FrozenBatchNormLayer '" + layerConf().getLayerName() + "' has "
                    + layerConf().getScale().length + " channels, input has " + x.size(dim));
        }
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        int dim = channelDim(input);
        checkChannels(input, dim);
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), input.shape(), 'c');
        Nd4j.getExecutioner().exec(new BroadcastMulOp(input, vector(layerConf().getScale(), input), out, dim));
        Nd4j.getExecutioner().exec(new BroadcastAddOp(out, vector(layerConf().getShift(), input), out, dim));
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        int dim = channelDim(epsilon);
        checkChannels(epsilon, dim);
        INDArray eps = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), epsilon.shape(), 'c');
        Nd4j.getExecutioner().exec(new BroadcastMulOp(epsilon, vector(layerConf().getScale(), epsilon), eps, dim));
        return new Pair<>(new DefaultGradient(), eps);
    }

    @Override
    public double calcRegularizationScore(boolean backpropParamsOnly) {
        return 0;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clearNoiseWeightParams() {
        // no parameters
    }

    @Override
    public INDArray params() {
        return null;
    }
}
