package io.dplora.layers.impl;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedding layers' per-example rows under adversarial FLOAT deltas (the privacy audit's canary, for sparse row
 * gradients): a canary example whose repeated token carries huge cancelling deltas (+-1e30 and a small remainder), or
 * tiny ones (1e-30), with or without a bias, is clipped by its own norm, and adding it to a batch moves the clipped
 * sum written into a FLOAT gradient view by at most C (to float rounding).
 */
class EmbeddingRowGradientsCanaryTest {

    private static final int VOCAB = 12;
    private static final int N = 4;
    private static final int T = 5;
    private static final double C = 1.0;

    private static double[][][] randomDeltas(Random r, int m) {
        double[][][] d = new double[m][T][N];
        for (double[][] ex : d) {
            for (double[] step : ex) {
                for (int k = 0; k < N; k++) {
                    step[k] = (float) r.nextGaussian(); // float values, as the layer stashes them
                }
            }
        }
        return d;
    }

    private static int[][] randomIds(Random r, int m) {
        int[][] ids = new int[m][T];
        for (int[] ex : ids) {
            for (int s = 0; s < T; s++) {
                ex[s] = r.nextInt(VOCAB);
            }
        }
        return ids;
    }

    /** @return the clipped sum (W rows then b) in FLOAT, read back in double */
    private static double[] release(int[][] ids, double[][][] deltas, boolean bias) {
        EmbeddingRowGradients g = new EmbeddingRowGradients("emb", N, bias, ids, deltas);
        double[] sq = new double[ids.length];
        g.accumulateSquaredNorms(sq, DataType.FLOAT);
        double[] c = new double[ids.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = Math.min(1.0, C / Math.sqrt(sq[i]));
        }
        INDArray w = Nd4j.create(DataType.FLOAT, VOCAB, N);
        INDArray b = Nd4j.create(DataType.FLOAT, 1, N);
        g.writeClippedSum(c, w, bias ? b : null);
        double[] out = new double[VOCAB * N + N];
        System.arraycopy(w.castTo(DataType.DOUBLE).reshape(VOCAB * N).toDoubleVector(), 0, out, 0, VOCAB * N);
        System.arraycopy(b.castTo(DataType.DOUBLE).reshape(N).toDoubleVector(), 0, out, VOCAB * N, N);
        return out;
    }

    private static double shiftByCanary(double[][] canaryDeltas, int[] canaryIds, boolean bias, long seed) {
        Random r = new Random(seed);
        int m = 6;
        int[][] ids = randomIds(r, m);
        double[][][] deltas = randomDeltas(r, m);
        double[] without = release(ids, deltas, bias);
        int[][] ids2 = java.util.Arrays.copyOf(ids, m + 1);
        double[][][] deltas2 = java.util.Arrays.copyOf(deltas, m + 1);
        ids2[m] = canaryIds;
        deltas2[m] = canaryDeltas;
        double[] with = release(ids2, deltas2, bias);
        double sq = 0;
        for (int k = 0; k < with.length; k++) {
            double d = with[k] - without[k];
            sq += d * d;
        }
        return Math.sqrt(sq);
    }

    @Test
    void aCanaryOfCancellingHugeDeltasMovesTheReleaseByAtMostC() {
        int[] canaryIds = {3, 3, 3, 7, 7};
        double[][] canary = new double[T][N];
        for (int k = 0; k < N; k++) {
            canary[0][k] = 1e30f;
            canary[1][k] = -1e30f;
            canary[2][k] = 3e-3f * (k + 1); // the remainder that survives the cancellation on token 3
            canary[3][k] = 2e29f;
            canary[4][k] = -2e29f + 1e22f;
        }
        for (boolean bias : new boolean[] {false, true}) {
            for (long seed = 0; seed < 5; seed++) {
                double shift = shiftByCanary(canary, canaryIds, bias, seed);
                assertTrue(shift <= C * (1 + 1e-6), "bias " + bias + " seed " + seed + ": shift " + shift);
            }
        }
    }

    @Test
    void hugeAndTinyCanariesAreClippedToC() {
        int[] canaryIds = {1, 2, 1, 4, 9};
        double[][] huge = new double[T][N];
        double[][] tiny = new double[T][N];
        for (int s = 0; s < T; s++) {
            for (int k = 0; k < N; k++) {
                huge[s][k] = (s + k) % 2 == 0 ? 3e38f : -1e38f;
                tiny[s][k] = 1e-30f * (s + 1);
            }
        }
        for (boolean bias : new boolean[] {false, true}) {
            double shiftHuge = shiftByCanary(huge, canaryIds, bias, 11);
            assertTrue(shiftHuge <= C * (1 + 1e-6) && shiftHuge > 0.5 * C, "huge: " + shiftHuge);
            double shiftTiny = shiftByCanary(tiny, canaryIds, bias, 12);
            assertTrue(shiftTiny <= C * (1 + 1e-6), "tiny: " + shiftTiny);
        }
    }
}
