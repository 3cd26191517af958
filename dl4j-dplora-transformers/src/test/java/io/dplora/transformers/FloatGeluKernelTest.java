package io.dplora.transformers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The FLOAT kernel of {@link ExactGELU} against ND4J's erf-and-exp path in double (the exact GELU). */
class FloatGeluKernelTest {

    private static final float[] SPECIAL = {0f, -0f, 1e-30f, -1e-30f, 1e-40f, -1e-40f, 1e-7f, -1e-7f, 0.5f, -0.5f,
        14.1f, -14.1f, 14.2f, -14.2f, 20f, -20f, 1e6f, -1e6f, 3e38f, -3e38f, Float.MAX_VALUE, -Float.MAX_VALUE};

    private static float[] inputs() {
        Random random = new Random(3);
        float[] x = new float[40_000 + SPECIAL.length]; // more than two kernel blocks, not a multiple of one
        for (int i = 0; i < 40_000; i++) {
            x[i] = i % 2 == 0 ? (float) (random.nextGaussian() * 4) : -15f + 30f * i / 40_000f;
        }
        System.arraycopy(SPECIAL, 0, x, 40_000, SPECIAL.length);
        return x;
    }

    private static double[] exact(float[] x, boolean derivative) {
        INDArray in = Nd4j.createFromArray(x).castTo(DataType.DOUBLE).reshape(1, x.length);
        ExactGELU gelu = new ExactGELU();
        INDArray out = derivative ? gelu.backprop(in, Nd4j.onesLike(in)).getFirst() : gelu.getActivation(in, true);
        return out.toDoubleVector();
    }

    private static float[] kernel(float[] x, boolean derivative) {
        INDArray in = Nd4j.createFromArray(x).reshape(1, x.length);
        assertTrue(FloatGeluKernel.supports(in));
        ExactGELU gelu = new ExactGELU();
        INDArray out = derivative ? gelu.backprop(in, Nd4j.onesLike(in)).getFirst() : gelu.getActivation(in, true);
        return out.toFloatVector();
    }

    @Test
    void forwardAndDerivativeAreTheExactGeluToFloatPrecision() {
        float[] x = inputs();
        double[] f = exact(x, false);
        double[] d = exact(x, true);
        float[] fk = kernel(x, false);
        float[] dk = kernel(x, true);
        double worstF = 0;
        double worstD = 0;
        for (int i = 0; i < x.length; i++) {
            String at = "x = " + x[i];
            assertTrue(Float.isFinite(fk[i]) && Float.isFinite(dk[i]), "finite input, finite output: " + at);
            double ulp = Math.ulp((float) f[i]);
            double errF = Math.abs(fk[i] - f[i]);
            assertTrue(errF <= 1e-6 + 2 * ulp, at + ": gelu " + fk[i] + " vs " + f[i]);
            worstF = Math.max(worstF, errF - 2 * ulp);
            double errD = Math.abs(dk[i] - d[i]);
            if (Double.isFinite(d[i])) {
                assertTrue(errD <= 2e-6, at + ": gelu' " + dk[i] + " vs " + d[i]);
                worstD = Math.max(worstD, errD);
            } else { // ND4J's x exp(-x^2/2) is inf * 0 at |x| >= 1e155 only in double; the limit is 0 or 1
                assertEquals(x[i] > 0 ? 1f : 0f, dk[i], 0f, at);
            }
        }
        assertTrue(worstF < 1e-6 && worstD < 2e-6, worstF + " " + worstD);
        assertEquals(0.5f, kernel(new float[] {0f}, true)[0], 0f);
        assertEquals(0f, kernel(new float[] {-1e6f}, false)[0], 0f);
        assertEquals(1e6f, kernel(new float[] {1e6f}, false)[0], 0f);
    }

    @Test
    void nanStaysNanAndInfinitiesAsInTheNd4jPath() {
        float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        float[] f = kernel(x, false);
        assertTrue(Float.isNaN(f[0]));
        assertEquals(Float.POSITIVE_INFINITY, f[1], 0f);
        double[] reference = exact(x, false);
        assertEquals(Double.isNaN(reference[2]), Float.isNaN(f[2]), "-inf: " + f[2] + " vs " + reference[2]);
        assertTrue(Float.isNaN(kernel(x, true)[0]));
    }

    @Test
    void theBackwardPassMultipliesTheUpstreamGradient() {
        float[] x = inputs();
        Random random = new Random(5);
        float[] e = new float[x.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = (float) random.nextGaussian();
        }
        float[] d = kernel(x, true);
        INDArray in = Nd4j.createFromArray(x).reshape(1, x.length);
        float[] g = new ExactGELU().backprop(in, Nd4j.createFromArray(e).reshape(1, x.length)).getFirst()
                .toFloatVector();
        for (int i = 0; i < x.length; i++) {
            assertEquals(e[i] * d[i], g[i], 0f, "x = " + x[i]);
        }
    }

    @Test
    void viewsWithAnOffsetAreWrittenInPlaceAndOtherLayoutsFallBack() {
        float[] x = inputs();
        int cols = 100;
        int rows = x.length / cols;
        float[] data = java.util.Arrays.copyOf(x, rows * cols);
        INDArray whole = Nd4j.createFromArray(data).reshape(rows, cols);
        INDArray middle = whole.get(NDArrayIndex.interval(3, rows - 5), NDArrayIndex.all()); // offset, 'c', dense
        assertTrue(FloatGeluKernel.supports(middle) && middle.offset() > 0);
        INDArray expected = Nd4j.createFromArray(kernel(middle.dup().reshape(1, middle.length()).toFloatVector(), false))
                .reshape(middle.shape());
        INDArray before = whole.dup();
        INDArray out = new ExactGELU().getActivation(middle, true);
        assertEquals(expected, out);
        assertEquals(before.get(NDArrayIndex.interval(0, 3), NDArrayIndex.all()),
                whole.get(NDArrayIndex.interval(0, 3), NDArrayIndex.all()), "rows before the view untouched");
        assertEquals(before.get(NDArrayIndex.interval(rows - 5, rows), NDArrayIndex.all()),
                whole.get(NDArrayIndex.interval(rows - 5, rows), NDArrayIndex.all()), "rows after the view untouched");

        INDArray transposed = Nd4j.createFromArray(data).reshape(rows, cols).transpose(); // not 'c' with default strides
        assertFalse(FloatGeluKernel.supports(transposed));
        INDArray fallback = new ExactGELU().getActivation(transposed.dup(), true); // ND4J's float erf
        INDArray viaKernel = new ExactGELU().getActivation(transposed.dup('c'), true);
        assertTrue(fallback.equalsWithEps(viaKernel, 1e-5), "ND4J's FLOAT path and the kernel agree");
        assertFalse(FloatGeluKernel.supports(Nd4j.createFromArray(1.0, 2.0)));
    }
}
