package io.dplora.samples.task;

/**
 * How a task's base model is pretrained on the public split (non-privately, plain Adam, shuffled minibatches).
 * Every field is part of the base model's cache key.
 *
 * @param epochs       passes over the public training split
 * @param batchSize    minibatch size
 * @param learningRate Adam learning rate
 * @param seed         seed of the weight initialisation and of the shuffling
 */
public record PretrainSettings(int epochs, int batchSize, double learningRate, long seed) {

    public PretrainSettings {
        if (epochs < 1 || batchSize < 1 || !(learningRate > 0)) {
            throw new IllegalArgumentException("pretraining needs epochs >= 1, batch >= 1 and a positive learning "
                    + "rate, got " + epochs + ", " + batchSize + ", " + learningRate);
        }
    }
}
