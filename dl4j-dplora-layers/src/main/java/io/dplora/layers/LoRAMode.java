package io.dplora.layers;

/**
 * Which LoRA factors a {@link LoRADenseLayer} trains.
 *
 * <p>The adapted map is h = x W<sub>0</sub> + b + (alpha/r) (x A) B with A [nIn, r] and B [r, nOut]; W<sub>0</sub> and
 * b are always frozen.
 */
public enum LoRAMode {
    /** Both A and B are trained (Hu et al., 2021). */
    VANILLA,
    /**
     * Only B is trained; A keeps its random initialisation ("FFA-LoRA", Sun et al., ICLR 2024). Under DP the noise then
     * enters a single factor, which the authors report makes private LoRA more stable; it also halves the trainable
     * parameter count and the per-example work.
     */
    FFA
}
