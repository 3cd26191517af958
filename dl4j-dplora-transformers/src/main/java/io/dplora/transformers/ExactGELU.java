package io.dplora.transformers;

import io.dplora.layers.PerExampleComputation;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The exact GELU of BERT: gelu(x) = x &Phi;(x) = 0.5 x (1 + erf(x / &radic;2)), with derivative
 * &Phi;(x) + x &phi;(x), &phi;(x) = exp(-x<sup>2</sup>/2) / &radic;(2&pi;). DL4J's {@code Activation.GELU} is the
 * sigmoid approximation x &sigma;(1.702 x) (error up to 2e-2), which does not reproduce a pretrained BERT.
 * Element-wise, so each example is treated on its own.
 *
 * <p>FLOAT arrays in 'c' order (the dense layers' activations) go through {@link FloatGeluKernel}: one vectorised
 * pass, erf from a polynomial approximation accurate to float precision (forward within 9e-7 of the exact GELU,
 * derivative within 1.5e-6, the backward pass the exact derivative of the forward as computed). Everything else,
 * DOUBLE in particular (the gradient checks), uses ND4J's erf and exp as written above.
 */
public class ExactGELU extends BaseActivationFunction implements PerExampleComputation {

    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

    /** @return &Phi;(x) = 0.5 (1 + erf(x / &radic;2)) as a new array */
    private static INDArray normalCdf(INDArray x) {
        INDArray t = x.div(Math.sqrt(2.0)); // as the ONNX export: x / 1.4142135
        Nd4j.getExecutioner().exec(new Erf(t, t));
        return t.addi(1.0).muli(0.5);
    }

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        if (FloatGeluKernel.supports(in)) {
            FloatGeluKernel.forThisThread().forwardInPlace(in);
            return in;
        }
        INDArray phi = normalCdf(in);
        return in.muli(phi);
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        if (FloatGeluKernel.supports(in) && FloatGeluKernel.supports(epsilon)) {
            FloatGeluKernel.forThisThread().backwardInPlace(in, epsilon);
            return new Pair<>(in, null);
        }
        INDArray cdf = normalCdf(in);
        INDArray density = Transforms.exp(in.mul(in).muli(-0.5), false).muli(INV_SQRT_2PI).muli(in);
        INDArray grad = cdf.addi(density).muli(epsilon);
        in.assign(grad);
        return new Pair<>(in, null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExactGELU;
    }

    @Override
    public int hashCode() {
        return ExactGELU.class.hashCode();
    }

    @Override
    public String toString() {
        return "exact-gelu";
    }
}
