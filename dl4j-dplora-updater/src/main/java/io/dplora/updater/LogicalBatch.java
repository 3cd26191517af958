package io.dplora.updater;

/**
 * One logical step of a distributed run as the driver drew it: its step index, epoch and the sorted indices of the
 * examples in its Poisson sample (empty for an empty batch, which is still a released and accounted step), or null
 * when the workers decide membership themselves with the run's {@link KeyedPoissonSampler}.
 *
 * @param step    the logical step (0-based, counting restored steps)
 * @param epoch   its epoch (step / steps per epoch)
 * @param indices the sampled example indices in [0, N), ascending; null under keyed sampling
 */
public record LogicalBatch(long step, int epoch, int[] indices) {

    public LogicalBatch {
        if (step < 0 || epoch < 0) {
            throw new IllegalArgumentException("invalid logical batch: step " + step + ", epoch " + epoch);
        }
        for (int i = 1; indices != null && i < indices.length; i++) {
            if (indices[i] <= indices[i - 1]) {
                throw new IllegalArgumentException("logical batch indices must be strictly ascending");
            }
        }
    }

    /** @return whether the workers sample this step themselves (keyed sampling; {@link #indices()} is null) */
    public boolean sampledByWorkers() {
        return indices == null;
    }

    /** @return the number of sampled examples (-1 when the workers sample) */
    public int size() {
        return indices == null ? -1 : indices.length;
    }

    /**
     * @param index an example index
     * @return whether the example is in this batch (binary search)
     */
    public boolean contains(long index) {
        if (indices == null) {
            throw new IllegalStateException("step " + step + " is sampled by the workers (keyed sampling)");
        }
        return index >= 0 && index <= Integer.MAX_VALUE
                && java.util.Arrays.binarySearch(indices, (int) index) >= 0;
    }
}
