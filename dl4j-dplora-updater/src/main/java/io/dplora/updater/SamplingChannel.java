package io.dplora.updater;

/**
 * The link between a {@link PoissonSamplingIterator} and the {@link DPUpdater} of the same run: the iterator
 * announces each micro-batch it hands to DL4J, the DP step takes that announcement when DL4J calls the updater for
 * the gradient of that micro-batch. A gradient without a pending announcement did not come from the Poisson sampler
 * (for example {@code net.fit(someOtherDataSet)}), and the DP step refuses it: any other sampling would be accounted
 * as Poisson sampling although it is not.
 */
public final class SamplingChannel {

    private MicroBatch pending;

    /**
     * Called by the iterator when it returns a micro-batch.
     *
     * @param microBatch the micro-batch just handed out
     */
    public synchronized void announce(MicroBatch microBatch) {
        this.pending = microBatch;
    }

    /**
     * Called by the DP step for each gradient; the announcement is consumed.
     *
     * @return the announcement of the micro-batch whose gradient is being privatised
     * @throws IllegalStateException if no micro-batch from the Poisson sampler is pending
     */
    public synchronized MicroBatch take() {
        MicroBatch m = pending;
        if (m == null) {
            throw new IllegalStateException("DP step refused: this gradient was not computed on a micro-batch drawn by "
                    + "the run's PoissonSamplingIterator (was fit called with another DataSet or iterator?). Train "
                    + "with PrivateTraining.fit() or net.fit(privateTraining.iterator()); other sampling would be "
                    + "mis-accounted as Poisson sampling");
        }
        pending = null;
        return m;
    }

    /** @return the pending announcement, or null (does not consume it). */
    public synchronized MicroBatch peek() {
        return pending;
    }
}
