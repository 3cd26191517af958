package io.dplora.layers.impl;

import io.dplora.layers.DPEmbeddingLayer;
import io.dplora.layers.PerExampleGradientLayer;
import io.dplora.layers.PrivacyRecordHolder;
import io.dplora.layers.grad.PerExampleState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.feedforward.embedding.EmbeddingLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collections;
import java.util.Map;

/**
 * Implementation of {@link DPEmbeddingLayer}: DL4J's EmbeddingLayer for the forward and the batch backward pass; with
 * per-example gathering on, the ids and the (activation-derivative, masked) deltas of the batch are copied to the
 * host in double, from which each example's gradient norm and the clipped sum are computed exactly (a batch of
 * one-step "sequences" for {@link EmbeddingRowGradients}).
 */
public class DPEmbeddingLayerImpl extends EmbeddingLayer implements PerExampleGradientLayer {

    private static final String W = DefaultParamInitializer.WEIGHT_KEY;
    private static final String B = DefaultParamInitializer.BIAS_KEY;

    /** Carries the privacy-record check (no linear factors: the stash below is this layer's own). */
    private final PerExampleState check;
    private boolean enabled;
    /** the last gathered batch (null when none) */
    private EmbeddingRowGradients rows;

    public DPEmbeddingLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        this.check = new PerExampleState(conf.getLayer().getLayerName(), Collections.emptyList());
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        check.checkBackward(((PrivacyRecordHolder) layerConf()).getPrivacyRecord());
        if (enabled) {
            stash(epsilon, workspaceMgr);
        } else {
            rows = null;
        }
        return super.backpropGradient(epsilon, workspaceMgr);
    }

    private void stash(INDArray epsilon, LayerWorkspaceMgr mgr) {
        INDArray z = preOutput(true, mgr); // also validates the ids (and reshapes a row vector of ids, as DL4J)
        double[][] delta = layerConf().getActivationFn().backprop(z.dup(), epsilon.dup()).getFirst()
                .castTo(DataType.DOUBLE).toDoubleMatrix();
        int m = (int) input.size(0);
        int n = (int) layerConf().getNOut();
        double[] mask = maskArray == null ? null : maskArray.castTo(DataType.DOUBLE).reshape(m).toDoubleVector();
        int[][] ids = new int[m][1];
        double[][][] deltas = new double[m][1][n];
        for (int i = 0; i < m; i++) {
            ids[i][0] = input.getInt(i, 0);
            double w = mask == null ? 1.0 : mask[i];
            for (int k = 0; k < n; k++) {
                deltas[i][0][k] = w == 0.0 ? 0.0 : w * delta[i][k];
            }
        }
        rows = new EmbeddingRowGradients(layerConf().getLayerName(), n, hasBias(), ids, deltas);
    }

    private EmbeddingRowGradients requireState() {
        return EmbeddingRowGradients.require(rows, layerConf().getLayerName());
    }

    @Override
    public void setPerExampleGradientsEnabled(boolean enabled) {
        this.enabled = enabled;
        if (!enabled) {
            clearPerExampleState();
        }
    }

    @Override
    public boolean isPerExampleGradientsEnabled() {
        return enabled;
    }

    @Override
    public Map<String, INDArray> trainableGradientViews() {
        return EmbeddingRowGradients.trainableViews(gradientViews, hasBias());
    }

    @Override
    public int perExampleCount() {
        return requireState().count();
    }

    @Override
    public void accumulateSquaredNorms(double[] out) {
        requireState().accumulateSquaredNorms(out, dataType);
    }

    @Override
    public void writeClippedSum(double[] clipFactors) {
        requireState().writeClippedSum(clipFactors, gradientViews.get(W), hasBias() ? gradientViews.get(B) : null);
    }

    @Override
    public void clearPerExampleState() {
        rows = null;
    }

    @Override
    public void setPrivateTrainingCheck(Runnable privateCheck) {
        check.setTrainingCheck(privateCheck);
    }
}
