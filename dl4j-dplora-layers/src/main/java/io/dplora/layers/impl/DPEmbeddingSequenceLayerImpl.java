package io.dplora.layers.impl;

import io.dplora.layers.DPEmbeddingSequenceLayer;
import io.dplora.layers.PerExampleGradientLayer;
import io.dplora.layers.PrivacyRecordHolder;
import io.dplora.layers.grad.PerExampleState;
import io.dplora.layers.grad.RoundingBounds;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.feedforward.embedding.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * Implementation of {@link DPEmbeddingSequenceLayer}: DL4J's EmbeddingSequenceLayer for the forward and the batch
 * backward pass; with per-example gathering on, the token ids and the (activation-derivative, masked) deltas of the
 * batch are copied to the host in double, from which each example's gradient norm (repeated tokens summed first) and
 * the clipped sum are computed exactly.
 */
public class DPEmbeddingSequenceLayerImpl extends EmbeddingSequenceLayer implements PerExampleGradientLayer {

    private static final String W = DefaultParamInitializer.WEIGHT_KEY;

    /** Carries the privacy-record check (no linear factors: the stash below is this layer's own). */
    private final PerExampleState check;
    private boolean enabled;
    /** ids[i][t] of the last gathered batch (null when none) */
    private int[][] ids;
    /** deltas[i][t][k] of the last gathered batch, masked */
    private double[][][] deltas;

    public DPEmbeddingSequenceLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        this.check = new PerExampleState(conf.getLayer().getLayerName(), Collections.emptyList());
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        check.checkBackward(((PrivacyRecordHolder) layerConf()).getPrivacyRecord());
        if (enabled) {
            stash(epsilon, workspaceMgr);
        } else {
            ids = null;
            deltas = null;
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
        ids = new int[m][t];
        deltas = new double[m][t][n];
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
    }

    private void requireState() {
        if (ids == null) {
            throw new IllegalStateException("layer '" + layerConf().getLayerName() + "' holds no per-example state "
                    + "(gathering off, or no gathered backward pass since the last clear)");
        }
    }

    /** @return example i's gradient rows: id -> sum of its deltas (repeated tokens summed first) */
    private Map<Integer, double[]> exampleRows(int i) {
        Map<Integer, double[]> rows = new HashMap<>();
        int n = (int) layerConf().getNOut();
        for (int s = 0; s < ids[i].length; s++) {
            double[] r = rows.computeIfAbsent(ids[i][s], k -> new double[n]);
            for (int k = 0; k < n; k++) {
                r[k] += deltas[i][s][k];
            }
        }
        return rows;
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
        return Collections.singletonMap(W, gradientViews.get(W));
    }

    @Override
    public int perExampleCount() {
        requireState();
        return ids.length;
    }

    /**
     * Exact squared norms, bounded above for rounding: the sums of T deltas in double (relative error gamma_{T+2}
     * in double) and the release of the clipped sum in the layer's data type (gamma_{mT+4}, as the dense layers).
     */
    @Override
    public void accumulateSquaredNorms(double[] out) {
        requireState();
        int m = ids.length;
        if (out.length < m) {
            throw new IllegalArgumentException("need " + m + " slots, got " + out.length);
        }
        int t = m == 0 ? 0 : ids[0].length;
        double computation = 1 + RoundingBounds.gamma(t + 2L, RoundingBounds.DOUBLE_UNIT_ROUNDOFF);
        double release = 1 + RoundingBounds.gamma((long) m * t + 4, RoundingBounds.unitRoundoff(dataType));
        double factor = computation * computation * release * release;
        for (int i = 0; i < m; i++) {
            double sq = 0;
            for (double[] r : exampleRows(i).values()) {
                for (double v : r) {
                    sq += v * v;
                }
            }
            out[i] += factor * sq;
        }
    }

    @Override
    public void writeClippedSum(double[] clipFactors) {
        requireState();
        int m = ids.length;
        if (clipFactors.length < m) {
            throw new IllegalArgumentException("need " + m + " clip factors, got " + clipFactors.length);
        }
        for (int i = 0; i < m; i++) {
            if (!(clipFactors[i] >= 0) || Double.isInfinite(clipFactors[i])) {
                throw new IllegalArgumentException("clip factor " + i + " must be finite and >= 0, got "
                        + clipFactors[i]);
            }
        }
        Map<Integer, double[]> sum = new HashMap<>();
        int n = (int) layerConf().getNOut();
        for (int i = 0; i < m; i++) {
            double c = clipFactors[i];
            if (c == 0.0) {
                continue; // dropped: its rows are never read, so NaN or Inf cannot reach the sum
            }
            for (Map.Entry<Integer, double[]> e : exampleRows(i).entrySet()) {
                double[] acc = sum.computeIfAbsent(e.getKey(), k -> new double[n]);
                double[] r = e.getValue();
                for (int k = 0; k < n; k++) {
                    acc[k] += c * r[k];
                }
            }
        }
        INDArray view = gradientViews.get(W);
        view.assign(0);
        for (Map.Entry<Integer, double[]> e : sum.entrySet()) {
            view.getRow(e.getKey()).assign(Nd4j.createFromArray(e.getValue()).castTo(view.dataType()));
        }
    }

    @Override
    public void clearPerExampleState() {
        ids = null;
        deltas = null;
    }

    @Override
    public void setPrivateTrainingCheck(Runnable privateCheck) {
        check.setTrainingCheck(privateCheck);
    }
}
