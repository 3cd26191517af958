package io.dplora.transformers.impl;

import io.dplora.layers.impl.WorkspaceArrays;
import io.dplora.transformers.MultiHeadSelfAttentionVertex;
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
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Implementation of {@link MultiHeadSelfAttentionVertex} with batched rank-4 matrix products over [mb, heads, T, d].
 * The training forward pass keeps the head-split Q, K, V and the probabilities P for the backward pass (INPUT
 * workspace, used only while that memory is live; otherwise recomputed).
 */
public class MultiHeadSelfAttentionVertexImpl extends BaseGraphVertex {

    private final int heads;
    private final long hidden;
    private final long headSize;
    private final double scale;
    private final String maskInput;
    /** q, k, v as [mb, heads, T, d] and the attention probabilities [mb, heads, T, T] of the last training pass */
    private INDArray[] cache;

    public MultiHeadSelfAttentionVertexImpl(ComputationGraph graph, String name, int vertexIndex, int heads,
                                            long hidden, String maskInput, DataType dataType) {
        super(graph, name, vertexIndex, null, null, dataType);
        this.maskInput = maskInput;
        this.heads = heads;
        this.hidden = hidden;
        this.headSize = hidden / heads;
        this.scale = Math.sqrt(headSize);
    }

    @Override
    public boolean hasLayer() {
        return false;
    }

    @Override
    public Layer getLayer() {
        return null;
    }

    private void checkInputs() {
        if (inputs == null || inputs.length != 3) {
            throw new IllegalStateException("Attention vertex '" + vertexName + "' needs 3 inputs (query, key, value)");
        }
        long[] s = inputs[0].shape();
        for (int i = 0; i < 3; i++) {
            long[] si = inputs[i].shape();
            if (si.length != 3 || si[2] != hidden || !Arrays.equals(si, s)) {
                throw new IllegalStateException("Attention vertex '" + vertexName + "': query, key and value must be "
                        + "[mb, T, " + hidden + "] (NWC) and equal in shape, got " + Arrays.toString(inputs[0].shape())
                        + ", " + Arrays.toString(inputs[1].shape()) + ", " + Arrays.toString(inputs[2].shape()));
            }
        }
    }

    /** [mb, T, hidden] -> [mb, heads, T, d], c order */
    private INDArray splitHeads(INDArray x, LayerWorkspaceMgr mgr, ArrayType type) {
        long mb = x.size(0);
        long t = x.size(1);
        INDArray c = x.ordering() == 'c' && !x.isView() ? x : x.dup('c');
        INDArray out = mgr.createUninitialized(type, dataType, new long[]{mb, heads, t, headSize}, 'c');
        out.assign(c.reshape('c', mb, t, heads, headSize).permute(0, 2, 1, 3));
        return out;
    }

    /** [mb, heads, T, d] -> [mb, T, hidden], c order */
    private INDArray mergeHeads(INDArray x, LayerWorkspaceMgr mgr, ArrayType type) {
        long mb = x.size(0);
        long t = x.size(2);
        INDArray out = mgr.createUninitialized(type, dataType, new long[]{mb, t, hidden}, 'c');
        out.reshape('c', mb, t, heads, headSize).assign(x.permute(0, 2, 1, 3));
        return out;
    }

    /** @return q, k, v split into heads and P = softmax(q k^T / sqrt(d) + mask term), all allocated as {@code type} */
    private INDArray[] probabilities(LayerWorkspaceMgr mgr, ArrayType type) {
        INDArray q = splitHeads(inputs[0].castTo(dataType), mgr, type);
        INDArray k = splitHeads(inputs[1].castTo(dataType), mgr, type);
        INDArray v = splitHeads(inputs[2].castTo(dataType), mgr, type);
        long mb = q.size(0);
        long t = q.size(2);
        INDArray s = mgr.createUninitialized(type, dataType, new long[]{mb, heads, t, t}, 'c');
        Nd4j.matmul(q, k, s, false, true, false);
        s.divi(scale);
        INDArray mask = GraphInputMask.of(graph, maskInput, vertexName, mb, t, dataType);
        if (mask != null && mask.minNumber().doubleValue() != 1.0) {
            INDArray maskTerm = mask.rsub(1.0).muli(MultiHeadSelfAttentionVertex.MASK_VALUE);
            Nd4j.getExecutioner().exec(new BroadcastAddOp(s, maskTerm, s, 0, 3));
        }
        Nd4j.exec(new SoftMax(s, s, 3));
        return new INDArray[]{q, k, v, s};
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr mgr) {
        if (!canDoForward()) {
            throw new IllegalStateException("Cannot do forward pass in vertex '" + vertexName + "': inputs not set");
        }
        checkInputs();
        cache = null;
        INDArray[] qkvp = probabilities(mgr, training ? ArrayType.INPUT : ArrayType.FF_WORKING_MEM);
        INDArray ctx = Nd4j.matmul(qkvp[3], qkvp[2]);
        if (training) {
            cache = qkvp;
        }
        return mergeHeads(ctx, mgr, ArrayType.ACTIVATIONS);
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr mgr) {
        if (!canDoBackward()) {
            throw new IllegalStateException("Cannot do backward pass in vertex '" + vertexName + "': errors not set");
        }
        INDArray[] qkvp = cache;
        cache = null;
        if (qkvp == null || !WorkspaceArrays.allLive(qkvp)) {
            checkInputs();
            qkvp = probabilities(mgr, ArrayType.BP_WORKING_MEM);
        }
        INDArray q = qkvp[0];
        INDArray k = qkvp[1];
        INDArray v = qkvp[2];
        INDArray p = qkvp[3];
        INDArray dCtx = splitHeads(epsilon.castTo(dataType), mgr, ArrayType.BP_WORKING_MEM);
        INDArray dV = Nd4j.matmul(p, dCtx, true, false, false);
        INDArray dS = Nd4j.matmul(dCtx, v, false, true, false);
        // softmax backward: dS = P * (dP - sum_j dP_j P_j), then the 1/sqrt(d) of the scores
        INDArray rowDot = dS.mul(p).sum(3);
        Nd4j.getExecutioner().exec(new BroadcastAddOp(dS, rowDot.negi(), dS, 0, 1, 2));
        dS.muli(p).divi(scale);
        INDArray dQ = Nd4j.matmul(dS, k);
        INDArray dK = Nd4j.matmul(dS, q, true, false, false);
        INDArray[] eps = new INDArray[]{mergeHeads(dQ, mgr, ArrayType.ACTIVATION_GRAD),
                mergeHeads(dK, mgr, ArrayType.ACTIVATION_GRAD), mergeHeads(dV, mgr, ArrayType.ACTIVATION_GRAD)};
        return new Pair<>(new DefaultGradient(), eps);
    }

    @Override
    public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
        if (backpropGradientsViewArray != null) {
            throw new IllegalStateException("Attention vertex '" + vertexName + "' has no parameters");
        }
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState,
                                                           int minibatchSize) {
        // every output row belongs to the token of the same position: the mask passes through
        return new Pair<>(maskArrays == null ? null : maskArrays[0], currentMaskState);
    }

    @Override
    public void clear() {
        super.clear();
        cache = null;
    }

    @Override
    public String toString() {
        return "MultiHeadSelfAttentionVertexImpl(name=" + vertexName + ", heads=" + heads + ", hidden=" + hidden + ")";
    }
}
