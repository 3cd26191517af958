package io.dplora.layers.grad;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Receives one example's gradient from {@link PerExampleGradientLoop}. */
@FunctionalInterface
public interface PerExampleGradientConsumer {
    /**
     * @param example  index of the example in the batch
     * @param gradient the example's gradient over the trainable coordinates [k], DOUBLE; a reused buffer, valid only
     *                 during this call
     */
    void accept(int example, INDArray gradient);
}
