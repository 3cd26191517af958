package io.dplora.layers.impl;

import io.dplora.layers.grad.MatrixProducts;
import io.dplora.layers.BaseDPOutputLayer;
import io.dplora.layers.PerExampleGradientLayer;
import io.dplora.layers.grad.LinearGradientFactor;
import io.dplora.layers.grad.PerExampleState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseOutputLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Shared backward pass of the DP output layers. On rows grouped by example (2D: one row per example; sequences: T
 * rows per example), z = x W + b and delta = dL/dz from the loss function (per row, not averaged; label masks
 * applied), then dL/dW = x<sup>T</sup> delta, dL/db = &Sigma;<sub>rows</sub> delta and dL/dx = delta W<sup>T</sup>.
 * With per-example gathering the factor (x, delta) with bias is stashed; a frozen head ({@code trainable(false)})
 * writes no gradient at all and stashes nothing (its per-example norms are 0).
 */
public abstract class BaseDPOutputLayerImpl<C extends BaseDPOutputLayer> extends BaseOutputLayer<C>
        implements PerExampleGradientLayer {

    protected static final String W = DefaultParamInitializer.WEIGHT_KEY;
    protected static final String B = DefaultParamInitializer.BIAS_KEY;

    private final PerExampleState perExample;

    protected BaseDPOutputLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        List<LinearGradientFactor> factors = layerConf().isTrainable()
                ? List.of(new LinearGradientFactor(W, layerConf().hasBias() ? B : null, 1.0))
                : List.of();
        this.perExample = new PerExampleState(layerConf().getLayerName(), factors);
    }

    /** @return the row grouping of the current input */
    protected abstract RowLayout rowLayout();

    /** @return dL/d(input) for the epsilon rows [N, nIn], in ACTIVATION_GRAD */
    protected abstract INDArray epsilonFromRows(INDArray epsRows, RowLayout layout, LayerWorkspaceMgr mgr);

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        perExample.checkBackward(((io.dplora.layers.PrivacyRecordHolder) layerConf()).getPrivacyRecord());
        assertInputSet(true);
        applyDropOutIfNecessary(true, mgr);
        RowLayout layout = rowLayout();
        INDArray x = layout.toRows(input, dataType, mgr, ArrayType.BP_WORKING_MEM);
        INDArray w = getParamWithNoise(W, true, mgr);
        INDArray z = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType,
                new long[]{layout.rows(), layerConf().getNOut()}, 'c');
        MatrixProducts.multiplyInto(x, w, z);
        if (hasBias()) {
            z.addiRowVector(getParamWithNoise(B, true, mgr));
        }
        INDArray labels2d = getLabels2d(mgr, ArrayType.BP_WORKING_MEM);
        INDArray delta = layerConf().getLossFn().computeGradient(labels2d, z, layerConf().getActivationFn(), maskArray);

        boolean gather = perExample.isEnabled();
        if (gather) {
            perExample.begin(layout.examples());
        } else {
            perExample.invalidate();
        }
        Gradient gradient = new DefaultGradient();
        if (layerConf().isTrainable()) {
            // with gathering, the book-keeping clipped sum replaces the batch gradient: views stay zero until then
            INDArray gW = gradientViews.get(W);
            if (gather) {
                perExample.factors().get(0).zeroGradient(gW);
            } else {
                MatrixProducts.transposedProductInto(x, delta, 1.0, gW);
            }
            gradient.gradientForVariable().put(W, gW);
            if (hasBias()) {
                INDArray gb = gradientViews.get(B);
                if (gather) {
                    perExample.factors().get(0).zeroGradient(gb);
                } else {
                    delta.sum(gb, 0);
                }
                gradient.gradientForVariable().put(B, gb);
            }
            if (gather) {
                perExample.factors().get(0).stash(x, delta, layout.examples(), layout.rowsPerExample());
            }
        }
        INDArray epsRows = mgr.createUninitialized(layout.isSequence() ? ArrayType.BP_WORKING_MEM : ArrayType.ACTIVATION_GRAD,
                dataType, new long[]{layout.rows(), layerConf().getNIn()}, 'c');
        Nd4j.matmul(delta, w, epsRows, false, true, false);
        INDArray eps = epsilonFromRows(epsRows, layout, mgr);
        eps = backpropDropOutIfPresent(eps);
        weightNoiseParams.clear();
        return new Pair<>(gradient, eps);
    }

    @Override
    public void computeGradientAndScore(LayerWorkspaceMgr workspaceMgr) {
        throw new UnsupportedOperationException("Layer " + layerId() + " is trained as part of a network");
    }

    @Override
    public void applyConstraints(int iteration, int epoch) {
        if (layerConf().isTrainable()) {
            super.applyConstraints(iteration, epoch);
        }
    }

    // ---- PerExampleGradientLayer ----

    @Override
    public void setPrivateTrainingCheck(Runnable check) {
        perExample.setTrainingCheck(check);
    }

    @Override
    public void setPerExampleGradientsEnabled(boolean enabled) {
        perExample.setEnabled(enabled);
    }

    @Override
    public boolean isPerExampleGradientsEnabled() {
        return perExample.isEnabled();
    }

    @Override
    public Map<String, INDArray> trainableGradientViews() {
        if (!layerConf().isTrainable()) {
            return Collections.emptyMap();
        }
        if (gradientViews == null) {
            throw new IllegalStateException("Gradient views of " + layerId() + " are not initialised yet");
        }
        return Collections.unmodifiableMap(gradientViews);
    }

    @Override
    public int perExampleCount() {
        return perExample.count();
    }

    @Override
    public void accumulateSquaredNorms(double[] out) {
        perExample.accumulateSquaredNorms(out);
    }

    @Override
    public void writeClippedSum(double[] clipFactors) {
        perExample.writeClippedSum(clipFactors, gradientViews);
    }

    @Override
    public void clearPerExampleState() {
        perExample.clear();
    }
}
