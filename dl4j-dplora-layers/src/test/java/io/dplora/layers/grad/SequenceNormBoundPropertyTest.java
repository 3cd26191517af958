package io.dplora.layers.grad;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Randomised property test of the per-example norms that clipping depends on, for sequence rows (T &gt; 1) in both
 * the Gram ("ghost") and the direct form, FLOAT and DOUBLE: against an exact reference computed with BigDecimal from
 * the stored values, the reported value must never be below the exact squared norm (whatever the magnitudes, however
 * the steps cancel), and on every input it may exceed it only by the stated bound: at most
 * (sqrt(S) + 3 sqrt(gamma_K) L + gamma_rel L)^2 with L = sum_t ||x_t|| ||d_t|| (plus the same for the bias).
 * Inputs: random widths and lengths (chosen so both forms occur), magnitudes from 1e-15 to 1e15, steps whose large
 * components cancel exactly, zero rows (padding), duplicated rows.
 */
class SequenceNormBoundPropertyTest {

    private static final MathContext EXACT = MathContext.UNLIMITED;

    @Test
    void reportedNormsAreRigorousUpperBoundsAndTight() {
        Random r = new Random(20261202L);
        int cases = 0;
        int ghostCases = 0;
        for (int k = 0; k < 400; k++) {
            DataType dt = k % 2 == 0 ? DataType.FLOAT : DataType.DOUBLE;
            int m = 1 + r.nextInt(4);
            int t = 2 + r.nextInt(7);
            int a = 1 + r.nextInt(24);
            int b = 1 + r.nextInt(12);
            boolean bias = r.nextBoolean();
            double[][] x = new double[m * t][a];
            double[][] d = new double[m * t][b];
            fill(r, x, k, dt);
            fill(r, d, k / 3, dt);
            double s = r.nextBoolean() ? 1.0 : 0.5 + r.nextDouble();
            LinearGradientFactor f = new LinearGradientFactor("W", bias ? "b" : null, s);
            f.stash(Nd4j.createFromArray(x).castTo(dt), Nd4j.createFromArray(d).castTo(dt), m, t);
            double[] got = new double[m];
            f.addSquaredNorms(got);
            boolean ghost = 2L * t * t < (long) a * b;
            ghostCases += ghost ? 1 : 0;
            double gammaK = RoundingBounds.gamma(ghost ? a + b + (long) t * t + 2 : 2L * t + (long) a * b + 2,
                    RoundingBounds.DOUBLE_UNIT_ROUNDOFF);
            double gammaRel = RoundingBounds.gamma((long) m * t + 4, RoundingBounds.unitRoundoff(dt));
            for (int i = 0; i < m; i++) {
                BigDecimal exact = exactSquaredNorm(x, d, i, t, s, bias);
                double loose = 0;
                double looseBias = 0;
                for (int row = i * t; row < (i + 1) * t; row++) {
                    loose += s * norm(x[row]) * norm(d[row]);
                    looseBias += norm(d[row]);
                }
                String where = "case " + k + " (" + dt + ", " + (ghost ? "ghost" : "direct") + ", m " + m + ", T " + t
                        + ", a " + a + ", b " + b + ", bias " + bias + ") example " + i;
                assertTrue(new BigDecimal(got[i]).compareTo(exact) >= 0,
                        where + ": reported " + got[i] + " below the exact " + exact.doubleValue());
                double slack = (3 * Math.sqrt(gammaK) + 2 * gammaRel) * (loose + (bias ? looseBias : 0));
                double upper = Math.pow(Math.sqrt(exact.doubleValue()) + slack, 2) * (1 + 1e-12);
                assertTrue(got[i] <= upper, where + ": reported " + got[i] + " above the stated bound " + upper
                        + " (exact " + exact.doubleValue() + ")");
                cases++;
            }
        }
        assertTrue(ghostCases > 50 && ghostCases < 350, "both forms exercised: ghost in " + ghostCases + " of 400");
        assertTrue(cases > 400);
    }

    /** Values representable in {@code dt}, of the kind that breaks naive norms, chosen by the case number. */
    private static void fill(Random r, double[][] v, int kind, DataType dt) {
        int rows = v.length;
        int cols = v[0].length;
        double scale = Math.pow(10, -15 + r.nextInt(31));
        for (int row = 0; row < rows; row++) {
            for (int j = 0; j < cols; j++) {
                double e;
                switch (kind % 5) {
                    case 0: // cancelling steps: a huge alternating component plus a small steady one
                        e = j == 0 ? ((row % 2 == 0) ? 1 : -1) * 0x1p20 * scale : (j == 1 ? 150 * scale : 0);
                        break;
                    case 1: // magnitudes spread over many decades within one row
                        e = r.nextGaussian() * Math.pow(10, -8 + r.nextInt(17)) * scale;
                        break;
                    case 2: // padding: every third row zero
                        e = row % 3 == 2 ? 0.0 : r.nextGaussian() * scale;
                        break;
                    case 3: // duplicated rows with alternating sign (exact cancellation of the sum)
                        e = ((row % 2 == 0) ? 1 : -1) * (1 + (row / 2) % 2 * 0.0) * (j + 1) * scale;
                        break;
                    default:
                        e = r.nextGaussian() * scale;
                }
                v[row][j] = dt == DataType.FLOAT ? (double) (float) e : e;
            }
        }
    }

    private static BigDecimal exactSquaredNorm(double[][] x, double[][] d, int i, int t, double s, boolean bias) {
        int a = x[0].length;
        int b = d[0].length;
        BigDecimal total = BigDecimal.ZERO;
        BigDecimal s2 = new BigDecimal(s).multiply(new BigDecimal(s), EXACT);
        for (int k = 0; k < a; k++) {
            for (int j = 0; j < b; j++) {
                BigDecimal g = BigDecimal.ZERO;
                for (int row = i * t; row < (i + 1) * t; row++) {
                    g = g.add(new BigDecimal(x[row][k]).multiply(new BigDecimal(d[row][j]), EXACT), EXACT);
                }
                total = total.add(g.multiply(g, EXACT).multiply(s2, EXACT), EXACT);
            }
        }
        if (bias) {
            for (int j = 0; j < b; j++) {
                BigDecimal g = BigDecimal.ZERO;
                for (int row = i * t; row < (i + 1) * t; row++) {
                    g = g.add(new BigDecimal(d[row][j]), EXACT);
                }
                total = total.add(g.multiply(g, EXACT), EXACT);
            }
        }
        return total;
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double e : v) {
            s += e * e;
        }
        return Math.sqrt(s);
    }
}
