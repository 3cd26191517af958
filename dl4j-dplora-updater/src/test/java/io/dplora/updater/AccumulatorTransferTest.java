package io.dplora.updater;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link AccumulatorTransfer} against ND4J's own cast and copy (the DP step's former round trip): the same values, bit
 * for bit, in the view's 'c' order, for the view shapes DL4J hands out as gradient views ('f' weight matrices and
 * [1, n] biases inside one flat vector) and for views that take the ND4J path (strided, non-dense); nothing outside
 * the view is touched (also by {@link AccumulatorTransfer#zero}).
 */
class AccumulatorTransferTest {

    /** @return a view of the given kind inside a flat buffer filled with a sentinel */
    private static INDArray view(DataType dt, String kind, INDArray flat) {
        INDArray v = flat.reshape(flat.length());
        switch (kind) {
            case "f-matrix":
                return v.get(NDArrayIndex.interval(7, 7 + 35)).reshape('f', 7, 5);
            case "c-matrix":
                return v.get(NDArrayIndex.interval(3, 3 + 35)).reshape('c', 5, 7);
            case "bias":
                return v.get(NDArrayIndex.interval(50, 61)).reshape('c', 1, 11);
            case "column":
                return v.get(NDArrayIndex.interval(10, 16)).reshape('f', 6, 1);
            case "vector":
                return v.get(NDArrayIndex.interval(20, 29));
            case "strided":
                return v.get(NDArrayIndex.interval(0, 60)).reshape('c', 6, 10).get(NDArrayIndex.all(),
                        NDArrayIndex.interval(2, 6));
            case "transposed":
                return v.get(NDArrayIndex.interval(5, 5 + 24)).reshape('c', 4, 6).transpose();
            default:
                throw new IllegalArgumentException(kind);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"FLOAT, f-matrix", "DOUBLE, f-matrix", "FLOAT, c-matrix", "DOUBLE, c-matrix", "FLOAT, bias",
            "FLOAT, column", "DOUBLE, vector", "FLOAT, strided", "DOUBLE, strided", "FLOAT, transposed"})
    void addAndWriteMatchNd4jCastInCOrder(DataType dt, String kind) {
        Random r = new Random(kind.hashCode());
        INDArray flat = Nd4j.create(dt, 1, 80);
        for (int i = 0; i < 80; i++) {
            flat.putScalar(0, i, r.nextGaussian());
        }
        INDArray v = view(dt, kind, flat);
        int n = (int) v.length();
        AccumulatorTransfer transfer = new AccumulatorTransfer();

        double[] acc = new double[n + 4];
        for (int j = 0; j < acc.length; j++) {
            acc[j] = r.nextGaussian();
        }
        double[] expected = acc.clone();
        double[] values = v.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        for (int j = 0; j < n; j++) {
            expected[2 + j] += values[j];
        }
        assertEquals(2 + n, transfer.add(v, acc, 2));
        assertEquals(Arrays.toString(expected), Arrays.toString(acc));

        double[] noisy = new double[n + 3];
        for (int j = 0; j < noisy.length; j++) {
            noisy[j] = r.nextGaussian() / 3.0; // not representable in float: rounding must match ND4J's cast
        }
        INDArray expectedFlat = flat.dup().reshape(flat.length());
        INDArray reference = Nd4j.create(Arrays.copyOfRange(noisy, 1, 1 + n), v.shape(), 'c').castTo(dt);
        assertEquals(1 + n, transfer.write(noisy, 1, v));
        assertArrayEquals(reference.dup('c').data().asDouble(), v.dup('c').data().asDouble());
        // the expected buffer: the old contents, with the view's elements (at offset + index . stride) replaced
        INDArray ref2 = reference.reshape(v.rank() == 1 ? new long[]{1, n} : v.shape());
        long rows = ref2.size(0);
        long cols = ref2.size(1);
        long rowStride = v.rank() == 1 ? 0 : v.stride(0);
        long colStride = v.stride(v.rank() - 1);
        for (long i = 0; i < rows; i++) {
            for (long j = 0; j < cols; j++) {
                expectedFlat.putScalar(v.offset() + i * rowStride + j * colStride, ref2.getDouble(i, j));
            }
        }
        assertArrayEquals(expectedFlat.toDoubleVector(), flat.reshape(flat.length()).toDoubleVector());

        // zero(): the view's elements become 0, nothing else changes
        for (long i = 0; i < rows; i++) {
            for (long j = 0; j < cols; j++) {
                expectedFlat.putScalar(v.offset() + i * rowStride + j * colStride, 0.0);
            }
        }
        transfer.zero(v);
        assertArrayEquals(expectedFlat.toDoubleVector(), flat.reshape(flat.length()).toDoubleVector());
    }
}
