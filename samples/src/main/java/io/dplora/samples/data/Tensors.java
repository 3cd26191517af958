package io.dplora.samples.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Small helpers shared by the in-memory {@link io.dplora.updater.IndexedDataSource} implementations. */
final class Tensors {

    private Tensors() {
    }

    /** Checks {@code indices} against [0, size) and that there is at least one. */
    static void checkIndices(int[] indices, int size) {
        if (indices == null || indices.length == 0) {
            throw new IllegalArgumentException("at least one index is needed");
        }
        for (int i : indices) {
            if (i < 0 || i >= size) {
                throw new IndexOutOfBoundsException("index " + i + " outside [0, " + size + ")");
            }
        }
    }

    /** One-hot labels [indices.length, numClasses] (float) of {@code labels[indices[j]]}. */
    static INDArray oneHot(int[] labels, int[] indices, int numClasses) {
        float[] data = new float[indices.length * numClasses];
        for (int j = 0; j < indices.length; j++) {
            data[j * numClasses + labels[indices[j]]] = 1f;
        }
        return Nd4j.create(data, new long[] {indices.length, numClasses}, 'c');
    }

    /** A float matrix [rows, cols] over row-major {@code data}. */
    static INDArray matrix(float[] data, int rows, int cols) {
        return Nd4j.create(data, new long[] {rows, cols}, 'c');
    }

    /** @return the range 0..n-1. */
    static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    /** Counts per class 0..numClasses-1. */
    static int[] classCounts(int[] labels, int numClasses) {
        int[] c = new int[numClasses];
        for (int l : labels) {
            c[l]++;
        }
        return c;
    }
}
