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

    private INDArray rows(INDArray x) {
        long n = layerConf().getNOut();
        if ((x.rank() != 2 && x.rank() != 3) || x.size(x.rank() - 1) != n) {
            throw new IllegalStateException("LayerNormLayer '" + layerConf().getLayerName() + "' expects [mb, " + n
                    + "] or [mb, T, " + n + "] (NWC), got " + java.util.Arrays.toString(x.shape()));
        }
        INDArray c = x.ordering() == 'c' && !x.isView() ? x : x.dup('c');
        return c.reshape('c', c.length() / n, n);
    }

    /** Normalises the rows of the input into x&#770; and 1/sqrt(var + eps), allocated as {@code type}. */
    private INDArray[] normalise(LayerWorkspaceMgr mgr, ArrayType type) {
        INDArray x = rows(input.castTo(dataType));
        INDArray mean = x.mean(true, 1);
        INDArray hat = mgr.createUninitialized(type, dataType, x.shape(), 'c');
        hat.assign(x).subiColumnVector(mean);
        INDArray var = hat.mul(hat).mean(true, 1);
        INDArray invStd = mgr.createUninitialized(type, dataType, var.shape(), 'c');
        invStd.assign(Transforms.sqrt(var.addi(layerConf().getEps()), false).rdivi(1.0));
        hat.muliColumnVector(invStd);
        return new INDArray[]{hat, invStd};
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        cachedHat = null;
        cachedInvStd = null;
        INDArray[] n = normalise(mgr, training ? ArrayType.INPUT : ArrayType.FF_WORKING_MEM);
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, input.shape(), 'c');
        INDArray outRows = out.reshape('c', n[0].shape());
        outRows.assign(n[0]).muliRowVector(getParam(LayerNormLayer.GAIN)).addiRowVector(getParam(LayerNormLayer.BIAS));
        if (training) {
            cachedHat = n[0];
            cachedInvStd = n[1];
        }
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
