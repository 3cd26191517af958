package io.dplora.layers.impl;

import io.dplora.layers.grad.RoundingBounds;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;

/**
 * The per-example gradients of an embedding matrix W [vocabulary, n] (and optionally of its bias b [n]) from the
 * stashed token ids and output deltas of one batch: example i's gradient is G_i = sum_t e_{id_t} delta_t^T (a sparse
 * row update) and g_i(b) = sum_t delta_t. Its squared norm is the sum over the distinct ids v of
 * ||sum_{t: id_t = v} delta_t||^2 (repeated tokens summed first) plus ||sum_t delta_t||^2 with a bias. All sums are
 * in double from the layer's deltas; the clipped sum sum_i c_i G_i is written into the rows the batch touched.
 */
final class EmbeddingRowGradients {

    private final String layerName;
    private final int n;
    private final boolean bias;
    /** ids[i][t] */
    private final int[][] ids;
    /** deltas[i][t][k], masked */
    private final double[][][] deltas;

    /**
     * @param ids    token ids per example and step
     * @param deltas the loss derivative w.r.t. the looked-up vector (after the activation, masked) per example, step
     * @param bias   whether the layer has a bias (every step's delta also reaches it)
     */
    EmbeddingRowGradients(String layerName, int n, boolean bias, int[][] ids, double[][][] deltas) {
        this.layerName = layerName;
        this.n = n;
        this.bias = bias;
        this.ids = ids;
        this.deltas = deltas;
    }

    /** @return {@code rows}, or an exception naming the layer when it holds no gathered batch */
    static EmbeddingRowGradients require(EmbeddingRowGradients rows, String layerName) {
        if (rows == null) {
            throw new IllegalStateException("layer '" + layerName + "' holds no per-example state "
                    + "(gathering off, or no gathered backward pass since the last clear)");
        }
        return rows;
    }

    /** @return the trainable gradient views of an embedding layer: W, and b when it has a bias */
    static Map<String, INDArray> trainableViews(Map<String, INDArray> gradientViews, boolean bias) {
        Map<String, INDArray> views = new java.util.LinkedHashMap<>();
        views.put(org.deeplearning4j.nn.params.DefaultParamInitializer.WEIGHT_KEY,
                gradientViews.get(org.deeplearning4j.nn.params.DefaultParamInitializer.WEIGHT_KEY));
        if (bias) {
            views.put(org.deeplearning4j.nn.params.DefaultParamInitializer.BIAS_KEY,
                    gradientViews.get(org.deeplearning4j.nn.params.DefaultParamInitializer.BIAS_KEY));
        }
        return views;
    }

    int count() {
        return ids.length;
    }

    /** @return example i's gradient rows: id -> sum of its deltas (repeated tokens summed first) */
    private Map<Integer, double[]> exampleRows(int i) {
        Map<Integer, double[]> rows = new HashMap<>();
        for (int s = 0; s < ids[i].length; s++) {
            double[] r = rows.computeIfAbsent(ids[i][s], k -> new double[n]);
            for (int k = 0; k < n; k++) {
                r[k] += deltas[i][s][k];
            }
        }
        return rows;
    }

    /** @return example i's bias gradient sum_t delta_t */
    private double[] exampleBias(int i) {
        double[] b = new double[n];
        for (double[] d : deltas[i]) {
            for (int k = 0; k < n; k++) {
                b[k] += d[k];
            }
        }
        return b;
    }

    private static double squared(double[] v) {
        double sq = 0;
        for (double x : v) {
            sq += x * x;
        }
        return sq;
    }

    /**
     * Adds the exact squared norms, bounded above for rounding: the sums of T deltas in double (relative error
     * gamma_{T+2} in double) and the release of the clipped sum in {@code dataType} (gamma_{mT+4}, as the dense
     * layers).
     */
    void accumulateSquaredNorms(double[] out, DataType dataType) {
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
                sq += squared(r);
            }
            if (bias) {
                sq += squared(exampleBias(i));
            }
            out[i] += factor * sq;
        }
    }

    /**
     * Writes sum_i c_i G_i into {@code weightView} (and sum_i c_i g_i(b) into {@code biasView} with a bias); an
     * example with c_i = 0 is never read, so a NaN or infinite gradient of a dropped example cannot reach the sum.
     */
    void writeClippedSum(double[] clipFactors, INDArray weightView, INDArray biasView) {
        int m = ids.length;
        if (clipFactors.length < m) {
            throw new IllegalArgumentException("layer '" + layerName + "': need " + m + " clip factors, got "
                    + clipFactors.length);
        }
        for (int i = 0; i < m; i++) {
            if (!(clipFactors[i] >= 0) || Double.isInfinite(clipFactors[i])) {
                throw new IllegalArgumentException("clip factor " + i + " must be finite and >= 0, got "
                        + clipFactors[i]);
            }
        }
        Map<Integer, double[]> sum = new HashMap<>();
        double[] biasSum = new double[n];
        for (int i = 0; i < m; i++) {
            double c = clipFactors[i];
            if (c == 0.0) {
                continue;
            }
            for (Map.Entry<Integer, double[]> e : exampleRows(i).entrySet()) {
                double[] acc = sum.computeIfAbsent(e.getKey(), k -> new double[n]);
                double[] r = e.getValue();
                for (int k = 0; k < n; k++) {
                    acc[k] += c * r[k];
                }
            }
            if (bias) {
                double[] b = exampleBias(i);
                for (int k = 0; k < n; k++) {
                    biasSum[k] += c * b[k];
                }
            }
        }
        weightView.assign(0);
        for (Map.Entry<Integer, double[]> e : sum.entrySet()) {
            weightView.getRow(e.getKey()).assign(Nd4j.createFromArray(e.getValue()).castTo(weightView.dataType()));
        }
        if (bias) {
            biasView.assign(Nd4j.createFromArray(biasSum).castTo(biasView.dataType()).reshape(biasView.shape()));
        }
    }
}
