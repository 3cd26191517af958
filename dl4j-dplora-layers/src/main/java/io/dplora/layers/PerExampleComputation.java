package io.dplora.layers;

/**
 * Marks a layer configuration, graph vertex configuration, input pre-processor or activation function whose forward
 * (and backward) pass treats every example of a minibatch on its own: the outputs for example i, and the gradients
 * flowing back to example i, depend on example i's inputs and masks and on parameters only, never on the other
 * examples of the batch.
 *
 * <p>Privacy meaning: DP-SGD bounds each example's influence by clipping its own gradient g<sub>i</sub>. If any
 * computation between the input and the loss mixes examples (batch statistics, a reshape across the minibatch
 * dimension, batch-wide sums), g<sub>i</sub> depends on other examples too, adding or removing one example changes
 * the others' clipped gradients, and the sensitivity is no longer C: the epsilon printed would be false. The privacy
 * guard therefore accepts only the DL4J classes it knows to be per-example and classes that carry this marker.
 *
 * <p>Implement it on your own layer, vertex, pre-processor or activation only if the statement above is true for
 * every input, including masks and padding. All of dl4j-dplora's own layers implement it.
 */
public interface PerExampleComputation {
}
