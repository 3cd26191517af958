package io.dplora.samples.run;

import io.dplora.updater.IndexedDataSource;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The examples {@code [from, to)} of a source, re-indexed from 0 ({@code --validation}: the training part and the
 * held-out part of the private training split are two disjoint ranges). Under DP, the training range is the data set
 * of the guarantee (N = its size).
 */
public final class ExampleRange implements IndexedDataSource {

    private final IndexedDataSource source;
    private final int from;
    private final int to;

    /**
     * @param source the full source
     * @param from   first example (inclusive)
     * @param to     end (exclusive); {@code 0 <= from < to <= source.size()}
     */
    public ExampleRange(IndexedDataSource source, int from, int to) {
        if (from < 0 || to <= from || to > source.size()) {
            throw new IllegalArgumentException("example range [" + from + ", " + to + ") is empty or outside [0, "
                    + source.size() + ")");
        }
        this.source = source;
        this.from = from;
        this.to = to;
    }

    @Override
    public int size() {
        return to - from;
    }

    @Override
    public DataSet get(int[] indices) {
        int[] shifted = new int[indices.length];
        for (int j = 0; j < indices.length; j++) {
            int i = indices[j];
            if (i < 0 || i >= size()) {
                throw new IndexOutOfBoundsException("index " + i + " outside [0, " + size() + ")");
            }
            shifted[j] = from + i;
        }
        return source.get(shifted);
    }
}
