package io.dplora.layers.impl;

import io.dplora.layers.DPEmbeddingSequenceLayer;
import io.dplora.layers.PerExampleGradientLayer;
import io.dplora.layers.PrivacyRecordHolder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.feedforward.embedding.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Implementation of {@link DPEmbeddingSequenceLayer}: DL4J's EmbeddingSequenceLayer for the forward and the batch
 * backward pass; with per-example gathering on, the token ids and the (activation-derivative, masked) deltas of the
 * batch are copied to the host in double, from which each example's gradient norm (repeated tokens summed first) and
 * the clipped sum are computed exactly.
 */
public class DPEmbeddingSequenceLayerImpl extends EmbeddingSequenceLayer implements PerExampleGradientLayer {

    private final EmbeddingPerExample perExample;

    public DPEmbeddingSequenceLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
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
        INDArray z = preOutput(true, mgr);
        INDArray delta = layerConf().getActivationFn().backprop(z.dup(), epsilon.dup()).getFirst();
        boolean ncw = layerConf().getOutputFormat() != RNNFormat.NWC;
        INDArray in = input.rank() == 3 ? input.reshape(input.size(0), input.size(2)) : input;
        int m = (int) in.size(0);
        int t = (int) in.size(1);
        int n = (int) layerConf().getNOut();
        double[][] idRows = in.toDoubleMatrix();
        double[][] mask = maskArray == null ? null : maskArray.reshape(m, t).toDoubleMatrix();
        int[][] ids = new int[m][t];
        double[][][] deltas = new double[m][t][n];
        for (int i = 0; i < m; i++) {
            INDArray di = delta.slice(i); // [nOut, T] (NCW) or [T, nOut] (NWC)
            double[][] d = di.toDoubleMatrix();
            for (int s = 0; s < t; s++) {
                ids[i][s] = (int) idRows[i][s];
                double w = mask == null ? 1.0 : mask[i][s];
                for (int k = 0; k < n; k++) {
                    deltas[i][s][k] = w == 0.0 ? 0.0 : w * (ncw ? d[k][s] : d[s][k]);
                }
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
