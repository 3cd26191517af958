package io.dplora.updater;

/**
 * Per-example clip factors of DP-SGD, c = min(1, C / n) for an example whose gradient has L2 norm n.
 *
 * <p>Conventions: n = 0 gives c = 1 (nothing to clip); a non-finite n (NaN or infinite, e.g. from a corrupt
 * example) gives c = 0, which drops the example and keeps the sensitivity bound. The squared norms come from the
 * layers as rigorous upper bounds that already cover the rounding of their computation and of the release in the
 * network's data type ({@link io.dplora.layers.PerExampleGradientLayer}); the relative {@code margin} here only covers
 * the square root and the division below, a few double roundings (see {@link #marginFor(boolean)}).
 */
public final class ClipFactors {

    private ClipFactors() {
    }

    /**
     * @param doublePrecision whether the network computes in double (no longer matters: the data type's rounding is
     * inside the layers' norm bounds)
     * @return the relative margin 1e-12: far above the three double roundings of sqrt and division in
     * {@link #clipFactor}, far below anything that changes training
     */
    public static double marginFor(boolean doublePrecision) {
        return 1e-12;
    }

    /**
     * @param squaredNorm ||g||<sup>2</sup> of one example's gradient (over the parameters this threshold covers)
     * @param threshold   the clipping threshold C (or C<sub>l</sub>)
     * @param margin      relative safety margin (&ge; 0)
     * @return min(1, C / (||g|| (1 + margin))), 1 for a zero gradient, 0 for a non-finite norm
     */
    public static double clipFactor(double squaredNorm, double threshold, double margin) {
        if (!Double.isFinite(squaredNorm) || squaredNorm < 0) {
            return 0.0;
        }
        if (squaredNorm == 0.0) {
            return 1.0;
        }
        double norm = Math.sqrt(squaredNorm);
        return Math.min(1.0, threshold / (norm * (1.0 + margin)));
    }

    /**
     * Per-layer thresholds with &Sigma;<sub>l</sub> C<sub>l</sub><sup>2</sup> = C<sup>2</sup>:
     * C<sub>l</sub> = C &radic;(w<sub>l</sub> / &Sigma;w).
     *
     * @param maxGradNorm C
     * @param weights     w<sub>l</sub> &gt; 0 per layer
     * @return C<sub>l</sub> per layer
     */
    public static double[] perLayerThresholds(double maxGradNorm, double[] weights) {
        double sum = 0;
        for (double w : weights) {
            if (!(w > 0) || !Double.isFinite(w)) {
                throw new IllegalArgumentException("per-layer clip weights must be finite and > 0, got " + w);
            }
            sum += w;
        }
        double[] out = new double[weights.length];
        for (int l = 0; l < weights.length; l++) {
            out[l] = maxGradNorm * Math.sqrt(weights[l] / sum);
        }
        return out;
    }
}
