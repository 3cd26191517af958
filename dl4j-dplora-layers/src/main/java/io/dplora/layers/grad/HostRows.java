package io.dplora.layers.grad;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * Row-wise kernels on dense row matrices, run in Java over the arrays' native memory: the small per-row operations
 * of the per-example book-keeping, for which ND4J's per-op overhead and its reductions along a dimension cost more
 * than the arithmetic. Every kernel streams the rows through a reused heap block (bulk copies in and out of the
 * native buffer), so it allocates nothing per call.
 *
 * <p>A matrix qualifies ({@link #supports}) when it is a rank-2 FLOAT or DOUBLE array whose rows are contiguous and
 * follow each other ('c' order, no gaps), as the factors' own detached buffers always are; callers keep an ND4J path
 * for anything else.
 *
 * <p>Arithmetic: squared norms are accumulated in double (eight interleaved partial sums, added pairwise), whatever
 * the data type, which is at least as accurate as ND4J's reduction in the array's type. Scaling multiplies each
 * element by the factor rounded to the data type, in that type, exactly as ND4J's element-wise multiply does.
 *
 * <p>Not thread safe; one instance per owner.
 */
final class HostRows {

    /** Elements per block of the heap copy (256 KiB of doubles): large enough for bulk copies, small for caches. */
    private static final int BLOCK = 1 << 15;

    private float[] floats = new float[0];
    private double[] doubles = new double[0];

    /** @return whether the kernels can run on {@code a} (see the class comment) */
    static boolean supports(INDArray a) {
        DataType dt = a.dataType();
        if ((dt != DataType.FLOAT && dt != DataType.DOUBLE) || a.rank() != 2 || a.isEmpty()
                || a.data().dataType() != dt) {
            return false;
        }
        long rows = a.size(0);
        long cols = a.size(1);
        boolean dense = (cols == 1 || a.stride(1) == 1) && (rows == 1 || a.stride(0) == cols);
        return dense && a.offset() >= 0 && a.offset() + rows * cols <= Math.min(Integer.MAX_VALUE,
                a.data().underlyingLength());
    }

    /**
     * Copies {@code src} into {@code dst} (same shape and type, both {@link #supports supported}) and adds each row's
     * squared L2 norm to {@code sq[row]}.
     */
    void copyWithSquaredNorms(INDArray src, INDArray dst, double[] sq) {
        process(src, dst, sq, null, 0, null, null);
    }

    /** Adds each row's squared L2 norm of {@code rows} ({@link #supports supported}) to {@code sq[row]}. */
    void addSquaredNorms(INDArray rows, double[] sq) {
        process(rows, null, sq, null, 0, null, null);
    }

    /** Adds each row's sum of {@code rows} ({@link #supports supported}), accumulated in double, to {@code sums[row]}. */
    void addRowSums(INDArray rows, double[] sums) {
        process(rows, null, null, null, 0, null, sums);
    }

    /**
     * Adds the column sums of each block of {@code rowsPerExample} consecutive rows of {@code rows}
     * ({@link #supports supported}, [m T, b]), accumulated in double, to {@code sums[i b + j]} (example i, column j).
     */
    void addExampleColumnSums(INDArray rows, int rowsPerExample, double[] sums) {
        int n = Math.toIntExact(rows.size(0));
        int cols = Math.toIntExact(rows.size(1));
        int off = (int) rows.offset();
        int rowsPerBlock = Math.max(1, BLOCK / Math.max(1, cols));
        for (int r0 = 0; r0 < n; r0 += rowsPerBlock) {
            int len = Math.min(rowsPerBlock, n - r0) * cols;
            if (rows.dataType() == DataType.FLOAT) {
                float[] buf = floats(len);
                rows.data().asNioFloat().get(off + r0 * cols, buf, 0, len);
                for (int r = r0, p = 0; p < len; r++, p += cols) {
                    int base = (r / rowsPerExample) * cols;
                    for (int j = 0; j < cols; j++) {
                        sums[base + j] += buf[p + j];
                    }
                }
            } else {
                double[] buf = doubles(len);
                rows.data().asNioDouble().get(off + r0 * cols, buf, 0, len);
                for (int r = r0, p = 0; p < len; r++, p += cols) {
                    int base = (r / rowsPerExample) * cols;
                    for (int j = 0; j < cols; j++) {
                        sums[base + j] += buf[p + j];
                    }
                }
            }
        }
    }

    /**
     * {@code dst[r, :] = src[r, :] * c[r / rowsPerFactor]}, and exactly 0 in every row whose factor is not &gt; 0 (such
     * rows are never multiplied, so a NaN or infinity in them cannot survive). Same shape and type, both
     * {@link #supports supported}.
     *
     * @param columnSums null, or an array of at least {@code src.size(1)} zeros that receives the column sums of
     *                   {@code dst} (of the values as stored in its type), accumulated in double
     */
    void scaleRows(INDArray src, double[] c, int rowsPerFactor, INDArray dst, double[] columnSums) {
        process(src, dst, null, c, rowsPerFactor, columnSums, null);
    }

    /**
     * One pass over the rows of {@code src}: optional copy or scaling into {@code dst}, optional squared norms,
     * optional column sums of the result, optional row sums.
     */
    private void process(INDArray src, INDArray dst, double[] sq, double[] c, int rowsPerFactor,
                         double[] columnSums, double[] rowSums) {
        int rows = Math.toIntExact(src.size(0));
        int cols = Math.toIntExact(src.size(1));
        if (dst != null && (dst.size(0) != rows || dst.size(1) != cols || dst.dataType() != src.dataType())) {
            throw new IllegalArgumentException("Shapes or types differ: " + src.shapeInfoToString() + " vs "
                    + dst.shapeInfoToString());
        }
        if (rows == 0 || cols == 0) {
            return;
        }
        int rowsPerBlock = Math.max(1, BLOCK / cols);
        int srcOff = (int) src.offset();
        int dstOff = dst == null ? 0 : (int) dst.offset();
        if (src.dataType() == DataType.FLOAT) {
            FloatBuffer in = src.data().asNioFloat();
            FloatBuffer out = dst == null ? null : dst.data().asNioFloat();
            for (int r0 = 0; r0 < rows; r0 += rowsPerBlock) {
                int n = Math.min(rowsPerBlock, rows - r0) * cols;
                float[] buf = floats(n);
                in.get(srcOff + r0 * cols, buf, 0, n);
                for (int r = r0, p = 0; p < n; r++, p += cols) {
                    if (sq != null) {
                        sq[r] += squaredNorm(buf, p, cols);
                    }
                    if (rowSums != null) {
                        double sum = 0;
                        for (int j = 0; j < cols; j++) {
                            sum += buf[p + j];
                        }
                        rowSums[r] += sum;
                    }
                    if (c != null) {
                        double factor = c[r / rowsPerFactor];
                        scale(buf, p, cols, factor > 0 ? (float) factor : 0f, factor > 0);
                    }
                    if (columnSums != null) {
                        for (int j = 0; j < cols; j++) {
                            columnSums[j] += buf[p + j];
                        }
                    }
                }
                if (out != null) {
                    out.put(dstOff + r0 * cols, buf, 0, n);
                }
            }
        } else {
            DoubleBuffer in = src.data().asNioDouble();
            DoubleBuffer out = dst == null ? null : dst.data().asNioDouble();
            for (int r0 = 0; r0 < rows; r0 += rowsPerBlock) {
                int n = Math.min(rowsPerBlock, rows - r0) * cols;
                double[] buf = doubles(n);
                in.get(srcOff + r0 * cols, buf, 0, n);
                for (int r = r0, p = 0; p < n; r++, p += cols) {
                    if (sq != null) {
                        sq[r] += squaredNorm(buf, p, cols);
                    }
                    if (rowSums != null) {
                        double sum = 0;
                        for (int j = 0; j < cols; j++) {
                            sum += buf[p + j];
                        }
                        rowSums[r] += sum;
                    }
                    if (c != null) {
                        double factor = c[r / rowsPerFactor];
                        scale(buf, p, cols, factor > 0 ? factor : 0.0, factor > 0);
                    }
                    if (columnSums != null) {
                        for (int j = 0; j < cols; j++) {
                            columnSums[j] += buf[p + j];
                        }
                    }
                }
                if (out != null) {
                    out.put(dstOff + r0 * cols, buf, 0, n);
                }
            }
        }
    }

    /**
     * @return whether {@code a} is a FLOAT/DOUBLE vector or matrix whose elements fill one contiguous range of its
     * buffer, in 'c' or 'f' order
     */
    static boolean isDense(INDArray a) {
        DataType dt = a.dataType();
        if ((dt != DataType.FLOAT && dt != DataType.DOUBLE) || a.isEmpty() || a.rank() < 1 || a.rank() > 2
                || a.data().dataType() != dt) {
            return false;
        }
        long rows = a.rank() == 2 ? a.size(0) : 1;
        long cols = a.size(a.rank() - 1);
        long rowStride = rows == 1 ? 0 : a.stride(0);
        long colStride = cols == 1 ? 0 : a.stride(a.rank() - 1);
        boolean cDense = (colStride == 0 || colStride == 1) && (rows == 1 || rowStride == cols);
        boolean fDense = (rowStride == 0 || rowStride == 1) && (cols == 1 || colStride == rows);
        return (cDense || fDense) && a.offset() >= 0 && a.offset() + rows * cols <= Math.min(Integer.MAX_VALUE,
                a.data().underlyingLength());
    }

    /** Sets every element of {@code a} to 0 (through its memory when it is {@link #isDense dense}). */
    void zero(INDArray a) {
        if (!isDense(a)) {
            a.assign(0.0);
            return;
        }
        put(a, null);
    }

    /**
     * Sets element j of the vector {@code a} (rank 1, or one row or one column) to {@code values[j]} rounded to its
     * type.
     */
    void setVector(INDArray a, double[] values) {
        boolean vector = a.rank() == 1 || (a.rank() == 2 && (a.size(0) == 1 || a.size(1) == 1));
        if (!vector) {
            throw new IllegalArgumentException("Not a vector: " + a.shapeInfoToString());
        }
        if (!isDense(a)) {
            for (long j = 0; j < a.length(); j++) {
                a.putScalar(j, values[(int) j]);
            }
            return;
        }
        put(a, values);
    }

    /** Writes {@code values} (or zeros) over the contiguous memory of the dense array {@code a}. */
    private void put(INDArray a, double[] values) {
        int n = Math.toIntExact(a.length());
        int off = (int) a.offset();
        if (a.dataType() == DataType.FLOAT) {
            float[] buf = floats(n);
            for (int j = 0; j < n; j++) {
                buf[j] = values == null ? 0f : (float) values[j];
            }
            a.data().asNioFloat().put(off, buf, 0, n);
        } else {
            double[] buf = doubles(n);
            for (int j = 0; j < n; j++) {
                buf[j] = values == null ? 0.0 : values[j];
            }
            a.data().asNioDouble().put(off, buf, 0, n);
        }
    }

    private static double squaredNorm(float[] a, int from, int n) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        double s4 = 0;
        double s5 = 0;
        double s6 = 0;
        double s7 = 0;
        int j = from;
        int end = from + n;
        for (; j + 7 < end; j += 8) {
            double x0 = a[j];
            double x1 = a[j + 1];
            double x2 = a[j + 2];
            double x3 = a[j + 3];
            double x4 = a[j + 4];
            double x5 = a[j + 5];
            double x6 = a[j + 6];
            double x7 = a[j + 7];
            s0 += x0 * x0;
            s1 += x1 * x1;
            s2 += x2 * x2;
            s3 += x3 * x3;
            s4 += x4 * x4;
            s5 += x5 * x5;
            s6 += x6 * x6;
            s7 += x7 * x7;
        }
        for (; j < end; j++) {
            double x = a[j];
            s0 += x * x;
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    private static double squaredNorm(double[] a, int from, int n) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        double s4 = 0;
        double s5 = 0;
        double s6 = 0;
        double s7 = 0;
        int j = from;
        int end = from + n;
        for (; j + 7 < end; j += 8) {
            s0 += a[j] * a[j];
            s1 += a[j + 1] * a[j + 1];
            s2 += a[j + 2] * a[j + 2];
            s3 += a[j + 3] * a[j + 3];
            s4 += a[j + 4] * a[j + 4];
            s5 += a[j + 5] * a[j + 5];
            s6 += a[j + 6] * a[j + 6];
            s7 += a[j + 7] * a[j + 7];
        }
        for (; j < end; j++) {
            s0 += a[j] * a[j];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    private static void scale(float[] a, int from, int n, float factor, boolean multiply) {
        int end = from + n;
        if (!multiply) {
            java.util.Arrays.fill(a, from, end, 0f);
            return;
        }
        for (int j = from; j < end; j++) {
            a[j] *= factor;
        }
    }

    private static void scale(double[] a, int from, int n, double factor, boolean multiply) {
        int end = from + n;
        if (!multiply) {
            java.util.Arrays.fill(a, from, end, 0.0);
            return;
        }
        for (int j = from; j < end; j++) {
            a[j] *= factor;
        }
    }

    private float[] floats(int n) {
        if (floats.length < n) {
            floats = new float[Math.max(n, Math.min(BLOCK, 2 * floats.length))];
        }
        return floats;
    }

    private double[] doubles(int n) {
        if (doubles.length < n) {
            doubles = new double[Math.max(n, Math.min(BLOCK, 2 * doubles.length))];
        }
        return doubles;
    }
}
