package io.dplora.updater;

/**
 * How per-example gradients are clipped before the Gaussian noise is added.
 *
 * <p>Both modes bound the L2 sensitivity of the clipped sum by the global threshold C, so the same noise
 * N(0, &sigma;<sup>2</sup>C<sup>2</sup>) on every trainable coordinate gives the same privacy guarantee.
 */
public enum ClippingMode {
    /**
     * One clip factor per example over all DP layers together: n<sub>i</sub><sup>2</sup> = &Sigma;<sub>l</sub>
     * ||g<sub>i,l</sub>||<sup>2</sup>, c<sub>i</sub> = min(1, C / n<sub>i</sub>). The default, and the tightest use of
     * the budget C.
     */
    FLAT,
    /**
     * One clip factor per example and per DP layer, c<sub>i,l</sub> = min(1, C<sub>l</sub> / ||g<sub>i,l</sub>||), with
     * thresholds C<sub>l</sub> satisfying &Sigma;<sub>l</sub> C<sub>l</sub><sup>2</sup> = C<sup>2</sup> (equal split
     * C/&radic;L unless weights are given), so the whole per-example contribution still has norm at most C.
     */
    PER_LAYER
}
