package io.dplora.updater;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Moves trainable gradient views to and from the DP step's double-precision accumulator, element j of a view's
 * segment being the view's element j in 'c' (row-major) order.
 *
 * <p>{@link #add} computes acc[off + j] += (double) v<sub>j</sub> (exact, since float and double values are
 * representable in double); {@link #write} stores v<sub>j</sub> = acc[off + j] rounded to the view's type (round to
 * nearest, as ND4J's cast does). For the usual case, a dense FLOAT or DOUBLE view of rank 1 or 2 in either order
 * (what DL4J hands out as gradient views), the values go through the view's native memory by one bulk copy into a
 * reused heap array, so a step allocates no off-heap memory here; any other view takes ND4J's own cast and
 * assignment, with the same values.
 *
 * <p>Not thread safe; one instance per DP step.
 */
final class AccumulatorTransfer {

    private float[] floats = new float[0];
    private double[] doubles = new double[0];

    /**
     * Adds the view's elements, in 'c' order, to {@code acc[off ..]}.
     *
     * @return off + the view's length
     */
    int add(INDArray view, double[] acc, int off) {
        int n = Math.toIntExact(view.length());
        Layout l = Layout.of(view);
        if (l == null) {
            double[] v = view.castTo(DataType.DOUBLE).dup('c').data().asDouble();
            for (int j = 0; j < n; j++) {
                acc[off + j] += v[j];
            }
            return off + n;
        }
        if (view.dataType() == DataType.FLOAT) {
            float[] buf = floats(n);
            FloatBuffer nio = view.data().asNioFloat();
            nio.get(l.offset, buf, 0, n);
            for (int r = 0, j = off; r < l.rows; r++) {
                int p = r * l.rowStride;
                for (int c = 0; c < l.cols; c++, j++, p += l.colStride) {
                    acc[j] += buf[p];
                }
            }
        } else {
            double[] buf = doubles(n);
            DoubleBuffer nio = view.data().asNioDouble();
            nio.get(l.offset, buf, 0, n);
            for (int r = 0, j = off; r < l.rows; r++) {
                int p = r * l.rowStride;
                for (int c = 0; c < l.cols; c++, j++, p += l.colStride) {
                    acc[j] += buf[p];
                }
            }
        }
        return off + n;
    }

    /**
     * Overwrites the view with {@code acc[off ..]} (in 'c' order), rounded to the view's data type.
     *
     * @return off + the view's length
     */
    int write(double[] acc, int off, INDArray view) {
        int n = Math.toIntExact(view.length());
        Layout l = Layout.of(view);
        if (l == null) {
            INDArray src = Nd4j.create(Arrays.copyOfRange(acc, off, off + n), view.shape(), 'c');
            view.assign(src.castTo(view.dataType()));
            return off + n;
        }
        if (view.dataType() == DataType.FLOAT) {
            float[] buf = floats(n);
            for (int r = 0, j = off; r < l.rows; r++) {
                int p = r * l.rowStride;
                for (int c = 0; c < l.cols; c++, j++, p += l.colStride) {
                    buf[p] = (float) acc[j];
                }
            }
            view.data().asNioFloat().put(l.offset, buf, 0, n);
        } else {
            double[] buf = doubles(n);
            for (int r = 0, j = off; r < l.rows; r++) {
                int p = r * l.rowStride;
                for (int c = 0; c < l.cols; c++, j++, p += l.colStride) {
                    buf[p] = acc[j];
                }
            }
            view.data().asNioDouble().put(l.offset, buf, 0, n);
        }
        return off + n;
    }

    /** Sets every element of the view to zero. */
    void zero(INDArray view) {
        int n = Math.toIntExact(view.length());
        Layout l = Layout.of(view);
        if (l == null) {
            view.assign(0);
        } else if (view.dataType() == DataType.FLOAT) {
            float[] buf = floats(n);
            Arrays.fill(buf, 0, n, 0f);
            view.data().asNioFloat().put(l.offset, buf, 0, n);
        } else {
            double[] buf = doubles(n);
            Arrays.fill(buf, 0, n, 0.0);
            view.data().asNioDouble().put(l.offset, buf, 0, n);
        }
    }

    private float[] floats(int n) {
        if (floats.length < n) {
            floats = new float[n];
        }
        return floats;
    }

    private double[] doubles(int n) {
        if (doubles.length < n) {
            doubles = new double[n];
        }
        return doubles;
    }

    /**
     * Where element (r, c) of a dense rank-1/2 view lies: at {@code offset + r * rowStride + c * colStride} of its
     * buffer, all n elements within [offset, offset + n).
     */
    private record Layout(int offset, int rows, int cols, int rowStride, int colStride) {

        /** @return the layout, or null when the view is not a dense FLOAT/DOUBLE view of rank 1 or 2 */
        static Layout of(INDArray view) {
            DataType dt = view.dataType();
            if ((dt != DataType.FLOAT && dt != DataType.DOUBLE) || view.isEmpty() || view.rank() > 2
                    || view.rank() < 1 || view.data().dataType() != dt) {
                return null;
            }
            long rows = view.rank() == 2 ? view.size(0) : 1;
            long cols = view.rank() == 2 ? view.size(1) : view.size(0);
            long rowStride = rows == 1 ? 0 : view.stride(0);
            long colStride = cols == 1 ? 0 : view.stride(view.rank() - 1);
            boolean cDense = (colStride == 0 || colStride == 1) && (rows == 1 || rowStride == cols);
            boolean fDense = (rowStride == 0 || rowStride == 1) && (cols == 1 || colStride == rows);
            long end = view.offset() + rows * cols;
            if (!(cDense || fDense) || view.offset() < 0 || end > Integer.MAX_VALUE
                    || end > view.data().underlyingLength()) {
                return null;
            }
            return new Layout((int) view.offset(), (int) rows, (int) cols, (int) rowStride, (int) colStride);
        }
    }
}
