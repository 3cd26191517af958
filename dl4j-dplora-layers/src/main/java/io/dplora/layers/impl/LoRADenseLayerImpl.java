package io.dplora.layers.impl;

import io.dplora.layers.grad.MatrixProducts;
import io.dplora.layers.LoRADenseLayer;
import io.dplora.layers.LoRAMode;
import io.dplora.layers.grad.LinearGradientFactor;
import io.dplora.layers.params.LoRAParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.random.impl.DropOutInverted;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Implementation of {@link LoRADenseLayer}. With rows x (input), x' (x after LoRA dropout), s = alpha/r:
 * <pre>
 *   forward:   u = x' A,  z = x W0 + b + s u B,  h = act(z)
 *   backward:  delta = act'(z) * dL/dh (masked),  v = s delta B^T
 *              dL/dB = s u^T delta,  dL/dA = x'^T v (VANILLA only),  dL/dx = delta W0^T + dropout'(v A^T)
 * </pre>
 * Frozen W0 and b get no gradient (their slices stay zero). With per-example gathering enabled the factors
 * (u, delta; scale s) for B and (x', v) for A are stashed: ||G<sub>B,i</sub>||<sup>2</sup> =
 * s<sup>2</sup> ||u<sub>i</sub>||<sup>2</sup> ||delta<sub>i</sub>||<sup>2</sup> and ||G<sub>A,i</sub>||<sup>2</sup> =
 * ||x'<sub>i</sub>||<sup>2</sup> ||v<sub>i</sub>||<sup>2</sup> for 2D input.
 */
public class LoRADenseLayerImpl extends BaseDPDenseLayerImpl<LoRADenseLayer> {

    private static final String W = LoRAParamInitializer.WEIGHT_KEY;
    private static final String B_BIAS = LoRAParamInitializer.BIAS_KEY;
    private static final String A = LoRAParamInitializer.LORA_A_KEY;
    private static final String B = LoRAParamInitializer.LORA_B_KEY;

    /** Forward intermediates specific to LoRA. */
    private static final class LoRAForward extends Forward {
        /** x' (x after LoRA dropout; x itself without dropout) */
        INDArray xLora;
        /** inverted-dropout mask of the LoRA path, or null */
        INDArray loraMask;
        /** u = x' A */
        INDArray u;

        @Override
        boolean usable() {
            return super.usable() && usable(xLora) && usable(loraMask) && usable(u);
        }
    }

    public LoRADenseLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected List<LinearGradientFactor> createFactors() {
        List<LinearGradientFactor> factors = new ArrayList<>(2);
        factors.add(new LinearGradientFactor(B, null, layerConf().scaling()));
        if (layerConf().getMode() == LoRAMode.VANILLA) {
            factors.add(new LinearGradientFactor(A, null, 1.0));
        }
        return factors;
    }

    @Override
    protected Forward forwardRows(RowLayout layout, boolean training, LayerWorkspaceMgr mgr, ArrayType type) {
        LoRADenseLayer c = layerConf();
        LoRAForward f = new LoRAForward();
        f.layout = layout;
        f.x = training ? layout.toRows(input, dataType, mgr, type)
                : layout.toRowsForInference(input, dataType, mgr, type);
        long n = layout.rows();
        f.xLora = f.x;
        if (training && c.getLoraDropout() > 0) {
            f.loraMask = mgr.createUninitialized(type, dataType, f.x.shape(), 'c').assign(1.0);
            Nd4j.getExecutioner().exec(new DropOutInverted(f.loraMask, f.loraMask, 1.0 - c.getLoraDropout()));
            f.xLora = mgr.createUninitialized(type, dataType, f.x.shape(), 'c');
            f.xLora.assign(f.x).muli(f.loraMask);
        }
        f.u = mgr.createUninitialized(type, dataType, new long[]{n, c.getRank()}, 'c');
        MatrixProducts.multiplyInto(f.xLora, getParam(A), f.u);
        f.z = mgr.createUninitialized(type, dataType, new long[]{n, c.getNOut()}, 'c');
        MatrixProducts.multiplyInto(f.x, getParam(W), f.z);
        if (c.hasBias()) {
            f.z.addiRowVector(getParam(B_BIAS));
        }
        Nd4j.exec(new Mmul(f.u, getParam(B), f.z, c.scaling(), 1.0, MMulTranspose.allFalse()));
        return f;
    }

    @Override
    protected INDArray backpropRows(Forward forward, INDArray delta, boolean gather, Gradient gradient,
                                    LayerWorkspaceMgr mgr, ArrayType epsType, boolean inputGradient) {
        LoRAForward f = (LoRAForward) forward;
        LoRADenseLayer c = layerConf();
        double s = c.scaling();
        long n = f.layout.rows();
        INDArray a = getParam(A);
        INDArray v = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, new long[]{n, c.getRank()}, 'c');
        Nd4j.exec(new Mmul(delta, getParam(B), v, s, 0.0, MMulTranspose.builder().transposeB(true).build()));

        // with gathering, the book-keeping clipped sum replaces the batch gradient: views stay zero until then
        INDArray gB = gradientViewMap().get(B);
        if (gather) {
            perExampleState().factors().get(0).zeroGradient(gB);
        } else {
            MatrixProducts.transposedProductInto(f.u, delta, s, gB);
        }
        gradient.gradientForVariable().put(B, gB);
        if (c.getMode() == LoRAMode.VANILLA) {
            INDArray gA = gradientViewMap().get(A);
            if (gather) {
                perExampleState().factors().get(1).zeroGradient(gA);
            } else {
                MatrixProducts.transposedProductInto(f.xLora, v, 1.0, gA);
            }
            gradient.gradientForVariable().put(A, gA);
        }

        INDArray eps = null;
        if (inputGradient) {
            eps = mgr.createUninitialized(epsType, dataType, new long[]{n, c.getNIn()}, 'c');
            Nd4j.matmul(delta, getParam(W), eps, false, true, false);
            if (f.loraMask == null) {
                Nd4j.exec(new Mmul(v, a, eps, 1.0, 1.0, MMulTranspose.builder().transposeB(true).build()));
            } else {
                INDArray viaLora = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, eps.shape(), 'c');
                Nd4j.matmul(v, a, viaLora, false, true, false);
                eps.addi(viaLora.muli(f.loraMask));
            }
        }

        if (gather) {
            int m = f.layout.examples();
            int t = f.layout.rowsPerExample();
            List<LinearGradientFactor> factors = perExampleState().factors();
            factors.get(0).stash(f.u, delta, m, t);
            if (c.getMode() == LoRAMode.VANILLA) {
                factors.get(1).stash(f.xLora, v, m, t);
            }
        }
        return eps;
    }
}
