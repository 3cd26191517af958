package io.dplora.transformers.impl;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;

/** Implementation of {@link io.dplora.transformers.MaskedMeanPoolingVertex} as one batched product per pass. */
public class MaskedMeanPoolingVertexImpl extends BaseGraphVertex {

    private final long hidden;
    private final String maskInput;

    public MaskedMeanPoolingVertexImpl(ComputationGraph graph, String name, int vertexIndex, long hidden,
                                       String maskInput, DataType dataType) {
        super(graph, name, vertexIndex, null, null, dataType);
        this.hidden = hidden;
        this.maskInput = maskInput;
    }

    @Override
    public boolean hasLayer() {
        return false;
    }

    @Override
    public Layer getLayer() {
        return null;
    }

    /** @return the pooling weights M_it / max(sum_t M_it, 1e-9) as [mb, 1, T] */
    private INDArray weights() {
        INDArray h = inputs[0];
        if (h.rank() != 3 || h.size(2) != hidden) {
            throw new IllegalStateException("Pooling vertex '" + vertexName + "' expects states [mb, T, " + hidden
                    + "], got " + Arrays.toString(h.shape()));
        }
        INDArray mask = GraphInputMask.of(graph, maskInput, vertexName, h.size(0), h.size(1), dataType);
        if (mask == null) {
            mask = Nd4j.ones(dataType, h.size(0), h.size(1));
        }
        INDArray count = Transforms.max(mask.sum(true, 1), 1e-9, false);
        return mask.divColumnVector(count).reshape('c', mask.size(0), 1, mask.size(1));
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr mgr) {
        if (!canDoForward()) {
            throw new IllegalStateException("Cannot do forward pass in vertex '" + vertexName + "': inputs not set");
        }
        INDArray w = weights();
        INDArray h = inputs[0].castTo(dataType);
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[]{h.size(0), hidden}, 'c');
        Nd4j.matmul(w, h, out.reshape('c', h.size(0), 1, hidden), false, false, false);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr mgr) {
        if (!canDoBackward()) {
            throw new IllegalStateException("Cannot do backward pass in vertex '" + vertexName + "': errors not set");
        }
        INDArray w = weights();
        long mb = w.size(0);
        long t = w.size(2);
        INDArray dH = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, new long[]{mb, t, hidden}, 'c');
        Nd4j.matmul(w, epsilon.castTo(dataType).reshape('c', mb, 1, hidden), dH, true, false, false);
        return new Pair<>(new DefaultGradient(), new INDArray[]{dH});
    }

    @Override
    public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
        if (backpropGradientsViewArray != null) {
            throw new IllegalStateException("Pooling vertex '" + vertexName + "' has no parameters");
        }
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState,
                                                           int minibatchSize) {
        return new Pair<>(null, currentMaskState); // pooled: no time steps left to mask
    }

    @Override
    public String toString() {
        return "MaskedMeanPoolingVertexImpl(name=" + vertexName + ", hidden=" + hidden + ")";
    }
}
