package io.dplora.layers;

import io.dplora.layers.impl.FastGlobalPoolingLayerImpl;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * DL4J's {@link GlobalPoolingLayer}, same configuration and same results, with a fast path for its commonest use:
 * average or sum pooling over the time steps of sequence input [mb, C, T], with or without a [mb, T] feature mask.
 * There each example's pooled vector is one product with a weight row,
 * <pre>
 *   out[b, :] = x[b] w[b],   w[b, t] = m[b, t] / sum_s m[b, s] (AVG) or m[b, t] (SUM)   (m = 1 without a mask),
 *   dL/dx[b, c, t] = dL/dout[b, c] w[b, t],
 * </pre>
 * computed as one batched matrix product each way. DL4J 1.0.0-M2.1's masked path builds the input gradient with two
 * broadcast passes that take 10 ms at [64, 128, 64] and 45 ms at [256, 128, 64] on one thread (about 40% of a whole
 * training step of the benchmarks' sequence model); the products take under 1 ms. Every other case (MAX and PNORM
 * pooling, convolutional input, pooling dimensions other than time, a mask of another shape) runs DL4J's code.
 *
 * <p>Privacy: no parameters, and each example's output and input gradient depend on that example's input and mask
 * only (a masked time step contributes an exact zero whatever value it holds, as in DL4J: only NaN or infinity there
 * propagate, as they do in DL4J). {@code LoRA.apply} converts a stock GlobalPoolingLayer into this layer and
 * {@code LoRA.merge} converts it back.
 */
public class FastGlobalPoolingLayer extends GlobalPoolingLayer implements PerExampleComputation {

    /** For JSON deserialisation only (DL4J's default: MAX pooling). */
    public FastGlobalPoolingLayer() {
        super();
    }

    /** @param poolingType the pooling (AVG and SUM over time take the fast path) */
    public FastGlobalPoolingLayer(PoolingType poolingType) {
        super(poolingType);
    }

    /**
     * @param stock a DL4J global pooling configuration
     * @return this layer with the same pooling type, dimensions, p-norm, collapsing and name
     */
    public static FastGlobalPoolingLayer of(GlobalPoolingLayer stock) {
        FastGlobalPoolingLayer f = new FastGlobalPoolingLayer(stock.getPoolingType());
        f.setPoolingDimensions(stock.getPoolingDimensions() == null ? null : stock.getPoolingDimensions().clone());
        f.setPnorm(stock.getPnorm());
        f.setCollapseDimensions(stock.isCollapseDimensions());
        f.setLayerName(stock.getLayerName());
        f.setIDropout(stock.getIDropout() == null ? null : stock.getIDropout().clone());
        return f;
    }

    /** @return DL4J's GlobalPoolingLayer with this configuration (for networks deployed without this library) */
    public GlobalPoolingLayer toStock() {
        GlobalPoolingLayer.Builder b = new GlobalPoolingLayer.Builder(getPoolingType()).pnorm(getPnorm())
                .collapseDimensions(isCollapseDimensions());
        if (getPoolingDimensions() != null) {
            b.poolingDimensions(getPoolingDimensions().clone());
        }
        GlobalPoolingLayer stock = b.name(getLayerName()).build();
        stock.setIDropout(getIDropout() == null ? null : getIDropout().clone());
        return stock;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners, int layerIndex,
                                                       INDArray layerParamsView, boolean initializeParams,
                                                       DataType networkDataType) {
        FastGlobalPoolingLayerImpl ret = new FastGlobalPoolingLayerImpl(conf, networkDataType);
        ret.setListeners(trainingListeners);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(layerParamsView);
        ret.setParamTable(initializer().init(conf, layerParamsView, initializeParams));
        ret.setConf(conf);
        return ret;
    }
}
