package io.dplora.updater;

/**
 * What a {@link PoissonSamplingIterator} announces about the micro-batch it just returned, so that the DP step can
 * check that the gradient it privatises was computed on exactly that micro-batch of Poisson sampling (the very arrays
 * handed out, by identity) from the same budget, and knows where the logical batch ends.
 *
 * @param logicalStep zero-based index of the logical step (counting all steps of the run, restored ones included)
 * @param index       zero-based index of this micro-batch within its logical batch
 * @param count       number of micro-batches of the logical batch (&ge; 1)
 * @param rows        number of examples in this micro-batch
 * @param padding     true for the data-independent stand-in of an empty logical batch: all its rows get clip factor 0
 * @param budget      the budget (and with it the sampling plan) of the iterator that drew it
 * @param features    the feature arrays handed to DL4J (one per network input)
 * @param labels      the label arrays handed to DL4J (one per network output)
 */
public record MicroBatch(long logicalStep, int index, int count, int rows, boolean padding, PrivacyBudget budget,
                         org.nd4j.linalg.api.ndarray.INDArray[] features, org.nd4j.linalg.api.ndarray.INDArray[] labels) {

    public MicroBatch {
        if (logicalStep < 0 || count < 1 || index < 0 || index >= count || rows < 1) {
            throw new IllegalArgumentException("invalid micro-batch: step " + logicalStep + ", index " + index
                    + " of " + count + ", rows " + rows);
        }
        if (padding && count != 1) {
            throw new IllegalArgumentException("a padding micro-batch stands for a whole empty logical batch");
        }
        if (budget == null || features == null || labels == null || features.length == 0 || labels.length == 0) {
            throw new IllegalArgumentException("a micro-batch announcement needs its budget, features and labels");
        }
    }

    /** @return whether this is the last micro-batch of its logical batch (the one whose step releases the update). */
    public boolean isLast() {
        return index == count - 1;
    }
}
