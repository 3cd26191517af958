package io.dplora.layers.impl;

import io.dplora.layers.grad.MatrixProducts;
import io.dplora.layers.DPDenseLayer;
import io.dplora.layers.grad.LinearGradientFactor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * Implementation of {@link DPDenseLayer}: z = x W + b, h = act(z); dL/dW = x<sup>T</sup> delta, dL/db =
 * &Sigma;<sub>rows</sub> delta, dL/dx = delta W<sup>T</sup>; with per-example gathering enabled the factor (x, delta)
 * with bias is stashed.
 */
public class DPDenseLayerImpl extends BaseDPDenseLayerImpl<DPDenseLayer> {

    private static final String W = DefaultParamInitializer.WEIGHT_KEY;
    private static final String B = DefaultParamInitializer.BIAS_KEY;

    public DPDenseLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected List<LinearGradientFactor> createFactors() {
        if (layerConf().numTrainableParams() == 0) {
            return List.of(); // FrozenDenseLayer: no trainable parameter, nothing per example
        }
        return List.of(new LinearGradientFactor(W, layerConf().hasBias() ? B : null, 1.0));
    }

    @Override
    protected Forward forwardRows(RowLayout layout, boolean training, LayerWorkspaceMgr mgr, ArrayType type) {
        Forward f = new Forward();
        f.layout = layout;
        f.x = training ? layout.toRows(input, dataType, mgr, type)
                : layout.toRowsForInference(input, dataType, mgr, type);
        f.z = mgr.createUninitialized(type, dataType, new long[]{layout.rows(), layerConf().getNOut()}, 'c');
        MatrixProducts.multiplyInto(f.x, getParam(W), f.z);
        if (layerConf().hasBias()) {
            f.z.addiRowVector(getParam(B));
        }
        return f;
    }

    @Override
    protected INDArray backpropRows(Forward f, INDArray delta, boolean gather, Gradient gradient,
                                    LayerWorkspaceMgr mgr, ArrayType epsType, boolean inputGradient) {
        INDArray eps = null;
        if (inputGradient) {
            eps = mgr.createUninitialized(epsType, dataType, new long[]{f.layout.rows(), layerConf().getNIn()}, 'c');
            Nd4j.matmul(delta, getParam(W), eps, false, true, false);
        }
        if (layerConf().numTrainableParams() == 0) {
            return eps; // frozen: the gradient slices stay zero
        }
        // with gathering, the book-keeping clipped sum replaces the batch gradient: views stay zero until then
        INDArray gW = gradientViewMap().get(W);
        if (gather) {
            perExampleState().factors().get(0).zeroGradient(gW);
        } else {
            MatrixProducts.transposedProductInto(f.x, delta, 1.0, gW);
        }
        gradient.gradientForVariable().put(W, gW);
        if (layerConf().hasBias()) {
            INDArray gb = gradientViewMap().get(B);
            if (gather) {
                perExampleState().factors().get(0).zeroGradient(gb);
            } else {
                delta.sum(gb, 0);
            }
            gradient.gradientForVariable().put(B, gb);
        }
        if (gather) {
            perExampleState().factors().get(0).stash(f.x, delta, f.layout.examples(), f.layout.rowsPerExample());
        }
        return eps;
    }
}
