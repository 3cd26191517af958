package io.dplora.layers.grad;

/**
 * Per-example gradients of a batch over a network's trainable coordinates, as computed by
 * {@link PerExampleGradientLoop#collect}: g<sub>i</sub> in double, with the helpers a DP test needs.
 */
public final class PerExampleGradients {

    private final TrainableParameters coordinates;
    private final double[][] gradients;

    PerExampleGradients(TrainableParameters coordinates, double[][] gradients) {
        this.coordinates = coordinates;
        this.gradients = gradients;
    }

    public TrainableParameters coordinates() {
        return coordinates;
    }

    public int numExamples() {
        return gradients.length;
    }

    /** @return a copy of g<sub>i</sub> */
    public double[] gradient(int i) {
        return gradients[i].clone();
    }

    /** @return ||g<sub>i</sub>||<sup>2</sup> over all trainable coordinates */
    public double squaredNorm(int i) {
        double s = 0;
        for (double v : gradients[i]) {
            s += v * v;
        }
        return s;
    }

    /** @return ||g<sub>i</sub>||<sup>2</sup> restricted to one parameter */
    public double squaredNorm(int i, String layerName, String key) {
        TrainableParameters.Segment seg = coordinates.segment(layerName, key);
        double s = 0;
        for (long j = seg.position(); j < seg.position() + seg.length(); j++) {
            double v = gradients[i][(int) j];
            s += v * v;
        }
        return s;
    }

    /** @return &Sigma;<sub>i</sub> c<sub>i</sub> g<sub>i</sub> over examples with c<sub>i</sub> &gt; 0 */
    public double[] clippedSum(double[] clipFactors) {
        double[] out = new double[(int) coordinates.dimension()];
        for (int i = 0; i < gradients.length; i++) {
            if (clipFactors[i] > 0) {
                for (int j = 0; j < out.length; j++) {
                    out[j] += clipFactors[i] * gradients[i][j];
                }
            }
        }
        return out;
    }
}
