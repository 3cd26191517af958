package io.dplora.layers.grad;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LinearGradientFactor} on FLOAT rows (what training uses), against per-example gradients formed in double
 * from the same float values with plain loops. Norms are computed in double (2D: squared row norms taken while
 * stashing; sequences: double Gram/direct forms) and reported as upper bounds that include the release rounding
 * factor in FLOAT, so they match the double reference times that factor; the clipped sum is a float GEMM (float
 * tolerance). The inputs are views at an offset of larger buffers, as DL4J's workspace
 * arrays can be, and one input is not in row-major order (it takes ND4J's copy).
 */
class LinearGradientFactorFloatTest {

    /** @return the values as a FLOAT [rows, cols] view at an offset inside a larger buffer, in the given order */
    private static INDArray floatRows(double[][] v, char order) {
        INDArray dense = Nd4j.createFromArray(v).castTo(DataType.FLOAT).dup(order);
        long n = dense.length();
        INDArray flat = Nd4j.create(DataType.FLOAT, n + 11).assign(99.0);
        INDArray view = flat.get(NDArrayIndex.interval(7, 7 + n)).reshape(order, v.length, v[0].length);
        view.assign(dense);
        return view;
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double e : v) {
            s += e * e;
        }
        return Math.sqrt(s);
    }

    private static double[][] asFloatValues(double[][] v) {
        double[][] out = new double[v.length][];
        for (int i = 0; i < v.length; i++) {
            out[i] = new double[v[i].length];
            for (int j = 0; j < v[i].length; j++) {
                out[i][j] = (float) v[i][j];
            }
        }
        return out;
    }

    @ParameterizedTest(name = "m={0} T={1} a={2} b={3} bias={4} xOrder={5}")
    @CsvSource({
            "7, 1, 40, 9, true, c",
            "7, 1, 3, 30, false, c",
            "6, 1, 12, 5, false, f",
            "4, 3, 6, 11, true, c"
    })
    void floatNormsAndClippedSumMatchADoubleReference(int m, int t, int a, int b, boolean bias, char xOrder) {
        Random r = new Random(31L * m + a);
        double s = 0.75;
        double[][] x = new double[m * t][a];
        double[][] d = new double[m * t][b];
        for (int row = 0; row < m * t; row++) {
            for (int j = 0; j < a; j++) {
                x[row][j] = r.nextGaussian() * (1 + row % 3);
            }
            for (int j = 0; j < b; j++) {
                d[row][j] = r.nextGaussian();
            }
        }
        x = asFloatValues(x);
        d = asFloatValues(d);
        LinearGradientReference ref = new LinearGradientReference(x, d, m, t, s, bias);
        double[][][] g = ref.weight;
        double[][] gb = ref.bias;
        double[] expectedNorm = ref.squaredNorm;

        LinearGradientFactor f = new LinearGradientFactor("W", bias ? "b" : null, s);
        f.stash(floatRows(x, xOrder), floatRows(d, 'c'), m, t);
        double[] norms = new double[m];
        f.addSquaredNorms(norms);
        // the reported value is an upper bound: at least the exact squared norm of the stored float values, at most
        // that plus the release rounding (gamma_{N+4} in FLOAT) of the loose per-example bounds s L_i and Lb_i
        double gamma = RoundingBounds.gamma((long) m * t + 4, RoundingBounds.FLOAT_UNIT_ROUNDOFF);
        for (int i = 0; i < m; i++) {
            double loose = 0;
            for (int row = i * t; row < (i + 1) * t; row++) {
                loose += s * norm(x[row]) * norm(d[row]) + (bias ? norm(d[row]) : 0);
            }
            double upper = Math.pow(Math.sqrt(expectedNorm[i]) + 2 * gamma * loose, 2);
            assertTrue(norms[i] >= expectedNorm[i], "example " + i + ": " + norms[i] + " < exact " + expectedNorm[i]);
            assertTrue(norms[i] <= upper, "example " + i + ": " + norms[i] + " above the bound " + upper);
        }

        double[] c = new double[m];
        for (int i = 0; i < m; i++) {
            c[i] = i == 2 ? 0.0 : 0.2 + 0.3 * i;
        }
        INDArray wView = Nd4j.create(DataType.FLOAT, new long[]{a, b}, 'f').assign(Double.NaN);
        INDArray bView = bias ? Nd4j.create(DataType.FLOAT, 1, b).assign(Double.NaN) : null;
        f.writeClippedSum(c, wView, bView);
        for (int p = 0; p < a; p++) {
            for (int q = 0; q < b; q++) {
                double e = 0;
                double scale = 0;
                for (int i = 0; i < m; i++) {
                    e += c[i] * g[i][p][q];
                    scale += Math.abs(c[i] * g[i][p][q]);
                }
                assertEquals(e, wView.getDouble(p, q), 1e-5 * (1 + scale), "W[" + p + "," + q + "]");
            }
        }
        for (int q = 0; q < b && bias; q++) {
            double e = 0;
            double scale = 0;
            for (int i = 0; i < m; i++) {
                e += c[i] * gb[i][q];
                scale += Math.abs(c[i] * gb[i][q]);
            }
            assertEquals(e, bView.getDouble(0, q), 1e-5 * (1 + scale), "b[" + q + "]");
        }
    }
}
