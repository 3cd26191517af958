package io.dplora.updater;

/**
 * What a {@link PoissonSamplingIterator} announces about the micro-batch it just returned, so that the DP step can
 * check that the gradient it privatises comes from Poisson sampling and knows where the logical batch ends.
 *
 * @param logicalStep zero-based index of the logical step (counting all steps of the run, restored ones included)
 * @param index       zero-based index of this micro-batch within its logical batch
 * @param count       number of micro-batches of the logical batch (&ge; 1)
 * @param rows        number of examples in this micro-batch
 * @param padding     true for the data-independent stand-in of an empty logical batch: all its rows get clip factor 0
 */
public record MicroBatch(long logicalStep, int index, int count, int rows, boolean padding) {

    public MicroBatch {
        if (logicalStep < 0 || count < 1 || index < 0 || index >= count || rows < 1) {
            throw new IllegalArgumentException("invalid micro-batch: step " + logicalStep + ", index " + index
                    + " of " + count + ", rows " + rows);
        }
        if (padding && count != 1) {
            throw new IllegalArgumentException("a padding micro-batch stands for a whole empty logical batch");
        }
    }

    /** @return whether this is the last micro-batch of its logical batch (the one whose step releases the update). */
    public boolean isLast() {
        return index == count - 1;
    }
}
