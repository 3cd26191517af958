package io.dplora.spark;

import java.io.Serializable;

/**
 * What the driver broadcasts for one logical step: the step, the public N of the plan, the sorted indices of the
 * step's Poisson sample (drawn on the driver) and the current trainable DP parameters. O(E + trainable parameters)
 * bytes; the frozen base is shipped once per run ({@link ReplicaCache}).
 *
 * @param runKey      identifies the run's replicas on the executors
 * @param step        the logical step
 * @param datasetSize N
 * @param indices     sampled example indices, ascending
 * @param parameters  trainable DP parameters in the order of
 *                    {@link io.dplora.updater.DistributedPrivateTraining#trainableParameters()}
 */
record StepPayload(String runKey, long step, long datasetSize, int[] indices, double[] parameters)
        implements Serializable {
}
