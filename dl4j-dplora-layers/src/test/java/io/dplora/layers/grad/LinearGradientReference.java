package io.dplora.layers.grad;

/**
 * Independent double-precision reference for a linear factor's per-example gradients: example i owns rows
 * i*T .. i*T+T-1 of X [m*T, a] and D [m*T, b]; its weight gradient is s * sum_rows x^T d, its bias gradient the sum of
 * its d rows, and its squared norm the sum of both squared (the bias only when {@code bias}). Plain loops, no ND4J.
 */
final class LinearGradientReference {

    /** Per-example weight gradients [m][a][b]. */
    final double[][][] weight;
    /** Per-example bias gradients [m][b]. */
    final double[][] bias;
    /** Per-example squared norms [m]. */
    final double[] squaredNorm;

    LinearGradientReference(double[][] x, double[][] d, int m, int t, double s, boolean withBias) {
        int a = x[0].length;
        int b = d[0].length;
        weight = new double[m][a][b];
        bias = new double[m][b];
        squaredNorm = new double[m];
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < t; k++) {
                int row = i * t + k;
                for (int p = 0; p < a; p++) {
                    for (int q = 0; q < b; q++) {
                        weight[i][p][q] += s * x[row][p] * d[row][q];
                    }
                }
                for (int q = 0; q < b; q++) {
                    bias[i][q] += d[row][q];
                }
            }
            for (int p = 0; p < a; p++) {
                for (int q = 0; q < b; q++) {
                    squaredNorm[i] += weight[i][p][q] * weight[i][p][q];
                }
            }
            for (int q = 0; q < b && withBias; q++) {
                squaredNorm[i] += bias[i][q] * bias[i][q];
            }
        }
    }
}
