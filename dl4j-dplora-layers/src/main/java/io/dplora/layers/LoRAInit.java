package io.dplora.layers;

/**
 * Initialisation of the LoRA down-projection A [nIn, r]. B always starts at zero, so the adapted layer initially
 * computes exactly the pretrained map.
 */
public enum LoRAInit {
    /**
     * Kaiming-uniform as PEFT's default: A<sub>ij</sub> ~ U(-1/sqrt(nIn), 1/sqrt(nIn)), i.e. PyTorch's
     * {@code kaiming_uniform_(a = sqrt(5))} on a [r, nIn] weight (gain sqrt(1/3), bound gain * sqrt(3 / nIn)).
     */
    KAIMING_UNIFORM,
    /** Gaussian with standard deviation 1/r (PEFT's {@code init_lora_weights="gaussian"}). */
    GAUSSIAN
}
