package io.dplora.samples.base;

import io.dplora.samples.task.PretrainSettings;

/**
 * What a cached base model is (stored as {@code base.json} next to {@code model.zip}).
 *
 * @param task               task name
 * @param architecture       the task's architecture version
 * @param fingerprint        public-data fingerprint (e.g. the vocabulary checksum)
 * @param pretraining        the pretraining settings
 * @param key                the cache key (hash of all of the above)
 * @param publicTestAccuracy accuracy on the public test split after pretraining
 * @param seconds            wall time of the pretraining
 */
public record BaseInfo(String task, String architecture, String fingerprint, PretrainSettings pretraining, String key,
                       double publicTestAccuracy, double seconds) {
}
