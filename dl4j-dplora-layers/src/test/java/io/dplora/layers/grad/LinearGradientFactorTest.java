package io.dplora.layers.grad;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LinearGradientFactor} against per-example gradients G_i = s X_i^T D_i formed explicitly with plain Java loops,
 * for 2D rows (closed form), and sequences where the Gram form (2T^2 &lt; a b) or the direct form is chosen.
 */
class LinearGradientFactorTest {

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @ParameterizedTest(name = "m={0} T={1} a={2} b={3} bias={4}")
    @CsvSource({
            "6, 1, 5, 4, true",    // closed form
            "5, 3, 7, 9, true",    // ghost: 18 < 63
            "5, 6, 3, 4, false",   // direct: 72 >= 12; clip factors folded into X
            "9, 4, 2, 20, true",   // ghost: 32 < 40
            "4, 2, 2, 9, false"    // ghost, clip factors folded into the narrower X
    })
    void normsAndClippedSumMatchExplicitPerExampleGradients(int m, int t, int a, int b, boolean bias) {
        Random r = new Random(m * 31L + t);
        double s = 1.7;
        double[][] x = new double[m * t][a];
        double[][] d = new double[m * t][b];
        for (int row = 0; row < m * t; row++) {
            for (int j = 0; j < a; j++) {
                x[row][j] = r.nextGaussian();
            }
            boolean padded = t > 1 && row % t == t - 1 && row / t % 2 == 1; // last step of odd examples padded
            for (int j = 0; j < b; j++) {
                d[row][j] = padded ? 0.0 : r.nextGaussian();
            }
        }
        LinearGradientReference ref = new LinearGradientReference(x, d, m, t, s, bias);
        double[][][] g = ref.weight;
        double[][] gb = ref.bias;
        double[] expectedNorm = ref.squaredNorm;

        LinearGradientFactor f = new LinearGradientFactor("W", bias ? "b" : null, s);
        f.stash(Nd4j.createFromArray(x), Nd4j.createFromArray(d), m, t);
        double[] norms = new double[m];
        f.addSquaredNorms(norms);
        for (int i = 0; i < m; i++) {
            assertEquals(expectedNorm[i], norms[i], 1e-10 * expectedNorm[i], "example " + i);
        }

        double[] c = new double[m];
        for (int i = 0; i < m; i++) {
            c[i] = i == 1 ? 0.0 : 0.25 + 0.5 * i;
        }
        // example 1 is excluded: poison its rows, they must not reach the sum
        for (int k = 0; k < t; k++) {
            x[t + k][0] = Double.NaN;
            d[t + k][0] = Double.POSITIVE_INFINITY;
        }
        f.stash(Nd4j.createFromArray(x), Nd4j.createFromArray(d), m, t);
        INDArray wView = Nd4j.create(DataType.DOUBLE, new long[]{a, b}, 'f');
        INDArray bView = bias ? Nd4j.create(DataType.DOUBLE, 1, b) : null;
        f.writeClippedSum(c, wView, bView);
        for (int p = 0; p < a; p++) {
            for (int q = 0; q < b; q++) {
                double e = 0;
                for (int i = 0; i < m; i++) {
                    e += c[i] * g[i][p][q];
                }
                assertEquals(e, wView.getDouble(p, q), 1e-12 * (1 + Math.abs(e)), "W[" + p + "," + q + "]");
            }
        }
        for (int q = 0; q < b && bias; q++) {
            double e = 0;
            for (int i = 0; i < m; i++) {
                e += c[i] * gb[i][q];
            }
            assertEquals(e, bView.getDouble(0, q), 1e-12 * (1 + Math.abs(e)), "b[" + q + "]");
        }
        assertTrue(f.hasState());
        f.clear();
        assertTrue(!f.hasState());
    }
}
