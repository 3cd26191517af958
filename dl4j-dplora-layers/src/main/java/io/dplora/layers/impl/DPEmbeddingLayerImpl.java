package io.dplora.layers.impl;

import io.dplora.layers.DPEmbeddingLayer;
import io.dplora.layers.PerExampleGradientLayer;
import io.dplora.layers.PrivacyRecordHolder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.feedforward.embedding.EmbeddingLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Implementation of {@link DPEmbeddingLayer}: DL4J's EmbeddingLayer for the forward and the batch backward pass; with
 * per-example gathering on, the ids and the (activation-derivative, masked) deltas of the batch are copied to the
 * host in double, from which each example's gradient norm and the clipped sum are computed exactly (a batch of
 * one-step "sequences" for {@link EmbeddingRowGradients}).
 */
public class DPEmbeddingLayerImpl extends EmbeddingLayer implements PerExampleGradientLayer {

    private final EmbeddingPerExample perExample;

    public DPEmbeddingLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        this.perExample = new EmbeddingPerExample(conf.getLayer().getLayerName());
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (perExample.beginBackward(((PrivacyRecordHolder) layerConf()).getPrivacyRecord())) {
            stash(epsilon, workspaceMgr);
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
        perExample.set(new EmbeddingRowGradients(layerConf().getLayerName(), n, hasBias(), ids, deltas));
    }

    @Override
    public void setPerExampleGradientsEnabled(boolean enabled) {
        perExample.setEnabled(enabled);
    }

    @Override
    public boolean isPerExampleGradientsEnabled() {
        return perExample.isEnabled();
    }

    @Override
    public Map<String, INDArray> trainableGradientViews() {
        return EmbeddingRowGradients.trainableViews(gradientViews, hasBias());
    }

    @Override
    public int perExampleCount() {
        return perExample.count();
    }

    @Override
    public void accumulateSquaredNorms(double[] out) {
        perExample.accumulateSquaredNorms(out, dataType);
    }

    @Override
    public void writeClippedSum(double[] clipFactors) {
        perExample.writeClippedSum(clipFactors, gradientViews, hasBias());
    }

    @Override
    public void clearPerExampleState() {
        perExample.clear();
    }

    @Override
    public void setPrivateTrainingCheck(Runnable privateCheck) {
        perExample.setTrainingCheck(privateCheck);
    }
}
