package io.dplora.transformers;

import io.dplora.transformers.impl.LayerNormLayerImpl;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Objects;

/**
 * Layer normalisation over the feature dimension, with frozen gain and bias (BERT's {@code LayerNorm} modules):
 * for each row x (one token of one example) y = gamma (x - mean(x)) / sqrt(var(x) + eps) + beta, with the biased
 * variance. Input [mb, n] or sequences [mb, T, n] (NWC, the layout of every sequence inside an imported transformer).
 *
 * <p>Backward (exact, per row): with g = gamma dL/dy and x&#770; the normalised row, dL/dx = (g - mean(g) - x&#770;
 * mean(g x&#770;)) / sqrt(var + eps). Rows never mix, so each example is computed on its own; gamma and beta never
 * move (NoOp updaters, no gradient written).
 */
public class LayerNormLayer extends BaseFrozenLayer {

    /** Parameter keys. */
    public static final String GAIN = "gamma";
    public static final String BIAS = "beta";

    private double eps = 1e-12;

    /** For JSON deserialisation only. */
    public LayerNormLayer() {
    }

    private LayerNormLayer(Builder b) {
        super(b);
        this.eps = b.eps;
    }

    @Override
    public LinkedHashMap<String, long[]> paramShapes() {
        LinkedHashMap<String, long[]> m = new LinkedHashMap<>();
        m.put(GAIN, new long[]{nOut});
        m.put(BIAS, new long[]{nOut});
        return m;
    }

    @Override
    public void initialize(String key, INDArray view) {
        view.assign(GAIN.equals(key) ? 1.0 : 0.0);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> listeners, int layerIndex,
                                                       INDArray paramsView, boolean initializeParams,
                                                       DataType dataType) {
        LayerNormLayerImpl impl = new LayerNormLayerImpl(conf, dataType);
        return io.dplora.layers.LayerInstantiation.wire(impl, conf, listeners, layerIndex, paramsView, initializeParams);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return inputType;
    }

    public double getEps() {
        return eps;
    }

    public void setEps(double eps) {
        this.eps = eps;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerNormLayer && super.equals(o) && eps == ((LayerNormLayer) o).eps;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), eps);
    }

    /** Builder: {@code nOut} (= nIn) is the feature size, {@code eps} defaults to BERT's 1e-12. */
    public static class Builder extends org.deeplearning4j.nn.conf.layers.FeedForwardLayer.Builder<Builder> {
        private double eps = 1e-12;

        public Builder size(long n) {
            nIn(n);
            return nOut(n);
        }

        public Builder eps(double eps) {
            this.eps = eps;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public LayerNormLayer build() {
            if (nOut <= 0 || nIn != nOut) {
                throw new IllegalArgumentException("LayerNormLayer: size must be set (nIn = nOut > 0), got nIn=" + nIn
                        + ", nOut=" + nOut);
            }
            if (!(eps > 0) || Double.isInfinite(eps)) {
                throw new IllegalArgumentException("LayerNormLayer: eps must be finite and > 0, got " + eps);
            }
            return new LayerNormLayer(this);
        }
    }
}
