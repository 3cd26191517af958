package io.dplora.updater;

import org.nd4j.linalg.dataset.DataSet;

/**
 * A data set of {@link #size()} examples that can be read by index, so that a Poisson sampler can draw any subset of
 * examples for a logical batch without holding the whole data set as one tensor (larger-than-memory sources).
 *
 * <p>Privacy meaning: {@link #size()} is the N of the sampling rate q = E/N. The sampler decides membership of each
 * index independently with probability q; the source only materialises the chosen rows.
 */
public interface IndexedDataSource {

    /** @return the number of examples N (at least 1). */
    int size();

    /**
     * Materialises the examples at {@code indices} (each in [0, size()), in the given order) as one DataSet whose
     * row j is example {@code indices[j]}: features, labels and, where the data has them, feature and label masks
     * (sequence data padded to a common length within the returned batch, padded steps masked out).
     *
     * @param indices at least one index
     * @throws IndexOutOfBoundsException for an index outside [0, size())
     */
    DataSet get(int[] indices);
}
