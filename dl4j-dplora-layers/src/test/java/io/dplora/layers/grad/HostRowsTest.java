package io.dplora.layers.grad;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link HostRows} against ND4J and plain loops: copies are exact, squared row norms match a double loop over the
 * elements, and row scaling is bit-identical to ND4J's {@link BroadcastMulOp} with the factors in the array's type
 * (what the clipped sum computed before), with excluded rows exactly zero even when they hold NaN or infinity.
 * Shapes include rows wider than the kernels' heap block and matrices spanning several blocks, and views at an
 * offset inside a larger buffer.
 */
class HostRowsTest {

    private static INDArray random(DataType dt, int rows, int cols, long seed) {
        Random r = new Random(seed);
        double[][] v = new double[rows][cols];
        for (double[] row : v) {
            for (int j = 0; j < cols; j++) {
                row[j] = r.nextGaussian() * (1 + j % 7);
            }
        }
        return Nd4j.createFromArray(v).castTo(dt);
    }

    /** @return a dense 'c' row matrix that is a view at an offset inside a larger buffer */
    private static INDArray viewAtOffset(INDArray values, int offset) {
        long n = values.length();
        INDArray flat = Nd4j.create(values.dataType(), offset + n + 5).assign(-3.0);
        INDArray view = flat.get(NDArrayIndex.interval(offset, offset + n)).reshape('c', values.size(0),
                values.size(1));
        view.assign(values);
        return view;
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @CsvSource({"FLOAT, 37, 11", "DOUBLE, 37, 11", "FLOAT, 5, 40000", "DOUBLE, 3, 40000", "FLOAT, 3000, 23",
            "DOUBLE, 1, 1", "FLOAT, 7, 3"})
    void copyWithSquaredNormsCopiesExactlyAndAddsRowNorms(DataType dt, int rows, int cols) {
        INDArray src = viewAtOffset(random(dt, rows, cols, rows * 7L + cols), 13);
        INDArray dst = viewAtOffset(Nd4j.zeros(dt, rows, cols), 9);
        assertTrue(HostRows.supports(src) && HostRows.supports(dst));
        double[] sq = new double[rows + 2];
        sq[0] = 0.5; // added to, not overwritten
        new HostRows().copyWithSquaredNorms(src, dst, sq);
        assertArrayEquals(src.dup('c').data().asDouble(), dst.dup('c').data().asDouble());
        for (int i = 0; i < rows; i++) {
            double e = i == 0 ? 0.5 : 0.0;
            for (int j = 0; j < cols; j++) {
                double v = src.getDouble(i, j);
                e += v * v;
            }
            assertEquals(e, sq[i], 1e-13 * e, "row " + i);
        }
        assertEquals(0.0, sq[rows]);
    }

    @ParameterizedTest(name = "{0} T={1}")
    @CsvSource({"FLOAT, 1", "DOUBLE, 1", "FLOAT, 4", "DOUBLE, 3"})
    void scaleRowsEqualsNd4jBroadcastMultiplyAndZeroesExcludedRows(DataType dt, int t) {
        int m = 9;
        int cols = 13;
        INDArray side = viewAtOffset(random(dt, m * t, cols, 42 + t), 3);
        double[] c = new double[m];
        Random r = new Random(7);
        for (int i = 0; i < m; i++) {
            c[i] = r.nextDouble() * 1.3;
        }
        c[2] = 0.0;
        c[5] = 0.0;
        c[7] = 1e-3 / 3; // not representable in float: rounded to the type before multiplying, as ND4J does
        // rows of the excluded examples hold NaN / infinity: they must come out as exact zeros
        side.putScalar(2L * t, 0, Double.NaN);
        side.putScalar(5L * t + t - 1, cols - 1, Double.POSITIVE_INFINITY);

        INDArray factors = Nd4j.create(dt, (long) m * t);
        for (int row = 0; row < m * t; row++) {
            factors.putScalar(row, c[row / t]);
        }
        INDArray expected = Nd4j.create(dt, (long) m * t, cols);
        Nd4j.getExecutioner().exec(new BroadcastMulOp(side, factors, expected, 0));

        INDArray out = viewAtOffset(Nd4j.zeros(dt, m * t, cols), 17).assign(Double.NaN);
        double[] columnSums = new double[cols + 1];
        new HostRows().scaleRows(side, c, t, out, columnSums);
        double[] expectedSums = new double[cols + 1];
        for (int row = 0; row < m * t; row++) {
            boolean excluded = !(c[row / t] > 0);
            for (int j = 0; j < cols; j++) {
                double got = out.getDouble(row, j);
                if (excluded) {
                    assertEquals(0.0, got, "row " + row);
                    assertEquals(0L, Double.doubleToRawLongBits(got), "row " + row + " is +0.0");
                } else {
                    assertEquals(expected.getDouble(row, j), got, 0.0, "row " + row + " col " + j);
                    expectedSums[j] += got;
                }
            }
        }
        for (int j = 0; j <= cols; j++) {
            assertEquals(expectedSums[j], columnSums[j], 1e-12 * (1 + Math.abs(expectedSums[j])), "column " + j);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"FLOAT", "DOUBLE"})
    void zeroAndSetVectorWriteOnlyTheArraysElements(DataType dt) {
        INDArray flat = Nd4j.create(dt, 1, 60).assign(7.0);
        INDArray fMatrix = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(3, 23)).reshape('f', 4, 5);
        INDArray row = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(30, 36)).reshape('c', 1, 6);
        INDArray strided = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(40, 60)).reshape('c', 4, 5)
                .get(NDArrayIndex.all(), NDArrayIndex.interval(1, 3));
        assertTrue(HostRows.isDense(fMatrix) && HostRows.isDense(row));
        assertFalse(HostRows.isDense(strided));
        HostRows h = new HostRows();
        h.zero(fMatrix);
        h.zero(strided);
        double[] v = {1.0 / 3, -2.5, 1e-40, 4, 5, 6};
        h.setVector(row, v);
        for (int j = 0; j < 60; j++) {
            double e;
            if (j >= 3 && j < 23) {
                e = 0.0;
            } else if (j >= 30 && j < 36) {
                e = dt == DataType.FLOAT ? (double) (float) v[j - 30] : v[j - 30];
            } else if (j >= 40 && ((j - 40) % 5 == 1 || (j - 40) % 5 == 2)) {
                e = 0.0;
            } else {
                e = 7.0;
            }
            assertEquals(e, flat.getDouble(0, j), 0.0, "element " + j);
        }
        assertThrows(IllegalArgumentException.class, () -> h.setVector(fMatrix, new double[20]));
    }

    @Test
    void supportsOnlyDenseRowMajorFloatOrDoubleMatrices() {
        assertTrue(HostRows.supports(Nd4j.rand(DataType.FLOAT, 4, 5)));
        assertTrue(HostRows.supports(Nd4j.rand(DataType.DOUBLE, 4, 5)));
        assertTrue(HostRows.supports(Nd4j.rand(DataType.FLOAT, 4, 5).get(NDArrayIndex.interval(1, 3),
                NDArrayIndex.all())));
        assertTrue(HostRows.supports(Nd4j.rand(DataType.FLOAT, 'f', 4, 1)));
        assertFalse(HostRows.supports(Nd4j.rand(DataType.FLOAT, 'f', 4, 5)));
        assertFalse(HostRows.supports(Nd4j.rand(DataType.FLOAT, 4, 5).get(NDArrayIndex.all(),
                NDArrayIndex.interval(1, 3))));
        assertFalse(HostRows.supports(Nd4j.rand(DataType.FLOAT, 4, 5).transpose()));
        assertFalse(HostRows.supports(Nd4j.rand(DataType.HALF, 4, 5)));
        assertFalse(HostRows.supports(Nd4j.rand(DataType.FLOAT, 2, 3, 4)));
        assertFalse(HostRows.supports(Nd4j.rand(DataType.FLOAT, 6)));
    }

    @Test
    void refusesMismatchedShapes() {
        INDArray a = Nd4j.rand(DataType.FLOAT, 4, 5);
        assertThrows(IllegalArgumentException.class,
                () -> new HostRows().copyWithSquaredNorms(a, Nd4j.rand(DataType.FLOAT, 5, 4), new double[5]));
        assertThrows(IllegalArgumentException.class,
                () -> new HostRows().copyWithSquaredNorms(a, Nd4j.rand(DataType.DOUBLE, 4, 5), new double[5]));
    }
}
