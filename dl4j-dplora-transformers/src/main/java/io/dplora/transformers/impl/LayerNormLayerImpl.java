package io.dplora.transformers.impl;

import io.dplora.layers.impl.WorkspaceArrays;
import io.dplora.transformers.LayerNormLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Implementation of {@link LayerNormLayer}. The training forward pass keeps x&#770; and 1/sqrt(var + eps) for the
 * backward pass (in the INPUT workspace, used only while that memory is live; otherwise recomputed).
 */
public class LayerNormLayerImpl extends BaseLayer<LayerNormLayer> {

    private INDArray cachedHat;
    private INDArray cachedInvStd;

    public LayerNormLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private void checkShape(INDArray x) {
        long n = layerConf().getNOut();
        if ((x.rank() != 2 && x.rank() != 3) || x.size(x.rank() - 1) != n) {
            throw new IllegalStateException("LayerNormLayer '" + layerConf().getLayerName() + "' expects [mb, " + n
                    + "] or [mb, T, " + n + "] (NWC), got " + java.util.Arrays.toString(x.shape()));
        }
    }

    private INDArray rows(INDArray x) {
        checkShape(x);
        long n = layerConf().getNOut();
        INDArray c = x.ordering() == 'c' && !x.isView() ? x : x.dup('c');
        return c.reshape('c', c.length() / n, n);
    }

    /**
     * Normalises the rows of the input into {@code hat} (x&#770;, [N, n], 'c') and returns 1/sqrt(var + eps) [N, 1]
     * allocated as {@code type}: mean, centring into hat, the row norms of the centred rows (var = |x - mean|^2 / n),
     * scaling (four passes over the rows).
     */
    private INDArray normaliseInto(INDArray hat, LayerWorkspaceMgr mgr, ArrayType type) {
        INDArray x = rows(input.castTo(dataType));
        INDArray mean = x.mean(true, 1);
        Nd4j.getExecutioner().exec(new BroadcastSubOp(x, mean, hat, 0));
        INDArray norm = hat.norm2(true, 1);
        INDArray invStd = mgr.createUninitialized(type, dataType, norm.shape(), 'c');
        invStd.assign(Transforms.sqrt(norm.muli(norm).divi(x.size(1)).addi(layerConf().getEps()), false).rdivi(1.0));
        hat.muliColumnVector(invStd);
        return invStd;
    }

    private long[] rowShape() {
        long n = layerConf().getNOut();
        return new long[]{input.length() / n, n};
    }

    /** Normalises the rows of the input into x&#770; and 1/sqrt(var + eps), allocated as {@code type}. */
    private INDArray[] normalise(LayerWorkspaceMgr mgr, ArrayType type) {
        INDArray hat = mgr.createUninitialized(type, dataType, rowShape(), 'c');
        return new INDArray[]{hat, normaliseInto(hat, mgr, type)};
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        cachedHat = null;
        cachedInvStd = null;
        checkShape(input);
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, input.shape(), 'c');
        INDArray outRows = out.reshape('c', rowShape());
        if (training) {
            INDArray[] n = normalise(mgr, ArrayType.INPUT);
            cachedHat = n[0];
            cachedInvStd = n[1];
            Nd4j.getExecutioner().exec(new BroadcastMulOp(n[0], getParam(LayerNormLayer.GAIN), outRows, 1));
        } else {
            // inference keeps nothing: normalise in the output itself
            normaliseInto(outRows, mgr, ArrayType.FF_WORKING_MEM);
            outRows.muliRowVector(getParam(LayerNormLayer.GAIN));
        }
        outRows.addiRowVector(getParam(LayerNormLayer.BIAS));
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        INDArray hat = cachedHat;
        INDArray invStd = cachedInvStd;
        cachedHat = null;
        cachedInvStd = null;
        if (hat == null || !WorkspaceArrays.allLive(hat, invStd)) {
            INDArray[] n = normalise(mgr, ArrayType.BP_WORKING_MEM);
            hat = n[0];
            invStd = n[1];
        }
        INDArray g = rows(epsilon.castTo(dataType)).mulRowVector(getParam(LayerNormLayer.GAIN));
        INDArray meanG = g.mean(true, 1);
        INDArray meanGHat = g.mul(hat).mean(true, 1);
        INDArray eps = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, epsilon.shape(), 'c');
        INDArray epsRows = eps.reshape('c', g.shape());
        epsRows.assign(hat).muliColumnVector(meanGHat).rsubi(g).subiColumnVector(meanG).muliColumnVector(invStd);
        return new Pair<>(new DefaultGradient(), eps);
    }

    @Override
    public void clear() {
        super.clear();
        cachedHat = null;
        cachedInvStd = null;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public double calcRegularizationScore(boolean backpropParamsOnly) {
        return 0;
    }

    @Override
    public void fit(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        throw new UnsupportedOperationException("LayerNormLayer '" + layerConf().getLayerName() + "' is frozen");
    }
}
