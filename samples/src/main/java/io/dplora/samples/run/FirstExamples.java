package io.dplora.samples.run;

import io.dplora.updater.IndexedDataSource;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The first n examples of a source ({@code --limit n}, for quick smoke runs). Under DP, n is then the data set size
 * N of the sampling rate q = E/N: the guarantee covers these n examples.
 */
public final class FirstExamples implements IndexedDataSource {

    private final IndexedDataSource source;
    private final int n;

    /**
     * @param source the full source
     * @param n      how many leading examples to keep (at least 1; more than the source has keeps all)
     */
    public FirstExamples(IndexedDataSource source, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + n);
        }
        this.source = source;
        this.n = Math.min(n, source.size());
    }

    /** @return the source itself when limit is null or not smaller than its size, else its first {@code limit}. */
    public static IndexedDataSource of(IndexedDataSource source, Integer limit) {
        return limit == null || limit >= source.size() ? source : new FirstExamples(source, limit);
    }

    @Override
    public int size() {
        return n;
    }

    @Override
    public DataSet get(int[] indices) {
        for (int i : indices) {
            if (i < 0 || i >= n) {
                throw new IndexOutOfBoundsException("index " + i + " outside [0, " + n + ")");
            }
        }
        return source.get(indices);
    }
}
