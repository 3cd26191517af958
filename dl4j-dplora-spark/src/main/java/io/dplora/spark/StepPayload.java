package io.dplora.spark;

import java.io.Serializable;

/**
 * What the driver broadcasts for one logical step: the step, the public N of the plan, the current trainable DP
 * parameters and, only when the driver drew the sample, its sorted indices (null under keyed sampling, where each
 * partition decides with the run's key). O(trainable parameters) bytes (plus O(E) for a driver-drawn sample); the
 * frozen base and the key are shipped once per run.
 *
 * @param runKey      identifies the run's replicas on the executors
 * @param step        the logical step
 * @param datasetSize N
 * @param indices     sampled example indices, ascending, or null when the partitions sample (keyed)
 * @param parameters  trainable DP parameters in the order of
 *                    {@link io.dplora.updater.DistributedPrivateTraining#trainableParameters()}
 */
record StepPayload(String runKey, long step, long datasetSize, int[] indices, double[] parameters)
        implements Serializable {
}
