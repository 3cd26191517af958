package io.dplora.layers.impl;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.pooling.GlobalPoolingLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Implementation of {@link io.dplora.layers.FastGlobalPoolingLayer}: AVG/SUM pooling of [mb, C, T] input over time
 * as batched products with the per-example weight rows w[b, t] (the mask divided by its row sum for AVG); every
 * other case is DL4J's GlobalPoolingLayer.
 */
public class FastGlobalPoolingLayerImpl extends GlobalPoolingLayer {

    public FastGlobalPoolingLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        INDArray w = timeWeights();
        if (w == null) {
            return super.activate(training, workspaceMgr);
        }
        long mb = input.size(0);
        long channels = input.size(1);
        long t = input.size(2);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType,
                new long[] {mb, channels, 1}, 'c');
        Nd4j.matmul(input.castTo(dataType), w.reshape('c', mb, t, 1), out, false, false, false);
        return layerConf().isCollapseDimensions() ? out.reshape('c', mb, channels) : out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray w = timeWeights();
        if (w == null) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        long mb = input.size(0);
        long channels = input.size(1);
        long t = input.size(2);
        if (epsilon.length() != mb * channels) {
            throw new IllegalStateException("Global pooling layer " + layerId() + ": epsilon of shape "
                    + java.util.Arrays.toString(epsilon.shape()) + " for input " + java.util.Arrays.toString(
                    input.shape()));
        }
        INDArray eps = epsilon.castTo(dataType).reshape('c', mb, channels, 1);
        INDArray dIn = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType,
                new long[] {mb, channels, t}, 'c');
        Nd4j.matmul(eps, w.reshape('c', mb, 1, t), dIn, false, false, false);
        return new Pair<>(new DefaultGradient(), dIn);
    }

    /**
     * @return the [mb, T] weights of the time steps ('c' order) when the fast path applies (AVG or SUM over dimension
     * 2 of rank-3 input, no mask or a [mb, T] mask), else null
     */
    private INDArray timeWeights() {
        PoolingType type = layerConf().getPoolingType();
        int[] dims = layerConf().getPoolingDimensions();
        if (input.rank() != 3 || (type != PoolingType.AVG && type != PoolingType.SUM)
                || (dims != null && !(dims.length == 1 && dims[0] == 2))) {
            return null;
        }
        long mb = input.size(0);
        long t = input.size(2);
        if (maskArray == null) {
            return Nd4j.valueArrayOf(new long[] {mb, t}, type == PoolingType.AVG ? 1.0 / t : 1.0, dataType);
        }
        if (maskArray.rank() != 2 || maskArray.size(0) != mb || maskArray.size(1) != t) {
            return null;
        }
        INDArray m = maskArray.castTo(dataType).dup('c');
        return type == PoolingType.AVG ? m.diviColumnVector(m.sum(true, 1)) : m;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer clone() {
        return new FastGlobalPoolingLayerImpl(conf, dataType);
    }
}
