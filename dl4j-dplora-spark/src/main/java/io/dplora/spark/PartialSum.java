package io.dplora.spark;

import java.io.Serializable;

/**
 * A partition's contribution to one logical step: the noise-free clipped sum of its sampled examples, how many it
 * sampled, how many examples it holds, and how many it dropped for a non-finite gradient norm. Partial sums are
 * private data: they are combined inside the job and only their total reaches the driver, which adds the noise.
 *
 * @param sum      &Sigma; c<sub>i</sub> g<sub>i</sub> over the partition's sampled examples (double)
 * @param sampled  examples of the step's sample in this partition
 * @param held     examples the partition holds (all partitions together must hold N)
 * @param dropped  examples dropped for a non-finite norm (a private-data diagnostic)
 * @param lossSum  the sampled examples' summed training loss (a private-data diagnostic, like the single-machine
 *                 loss)
 * @param taskNanos time spent inside the partition tasks (summed over tasks), for the performance report
 */
record PartialSum(double[] sum, long sampled, long held, long dropped, double lossSum, long taskNanos)
        implements Serializable {

    /** @return the element-wise sum of two partial sums (the combiner of the tree aggregation) */
    PartialSum plus(PartialSum other) {
        if (other.sum.length != sum.length) {
            throw new IllegalStateException("partial sums of different lengths: " + sum.length + " and "
                    + other.sum.length);
        }
        double[] s = sum.clone();
        for (int j = 0; j < s.length; j++) {
            s[j] += other.sum[j];
        }
        return new PartialSum(s, sampled + other.sampled, held + other.held, dropped + other.dropped,
                lossSum + other.lossSum, taskNanos + other.taskNanos);
    }
}
