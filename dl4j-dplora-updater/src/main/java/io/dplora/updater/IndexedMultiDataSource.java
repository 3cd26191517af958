package io.dplora.updater;

import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * The {@link IndexedDataSource} of networks with several inputs or outputs (ids + mask, multi-task heads): N examples
 * readable by index as a {@link MultiDataSet} whose row j of every array is example {@code indices[j]}.
 *
 * <p>Privacy meaning: as for {@link IndexedDataSource}, {@link #size()} is the N of q = E/N and the sampler decides
 * membership of each index independently with probability q.
 */
public interface IndexedMultiDataSource {

    /** @return the number of examples N (at least 1). */
    int size();

    /**
     * @param indices at least one index, each in [0, size())
     * @return the examples at {@code indices}, in that order, in every input, label and mask array
     */
    MultiDataSet get(int[] indices);
}
