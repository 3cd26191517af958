package io.dplora.layers.impl;

import io.dplora.layers.BaseDPDenseLayer;
import io.dplora.layers.PerExampleGradientLayer;
import io.dplora.layers.grad.LinearGradientFactor;
import io.dplora.layers.grad.PerExampleState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shared implementation of the dense layers of this library: native 2D/3D input with rows grouped by example
 * ({@link RowLayout}), activation, feature masks, input dropout, a forward cache reused by backprop, and the
 * {@link PerExampleGradientLayer} plumbing. Subclasses supply the linear map (forward, gradients, epsilon, and which
 * {@link LinearGradientFactor}s to stash).
 *
 * <p>The forward pass in training mode keeps its intermediates (rows of x, pre-activation z, and subclass extras) in
 * the INPUT workspace, which lives until the end of the backward pass in DL4J's training passes; the cache is
 * consumed by the next {@code backpropGradient} and dropped on every new input, inference forward pass or
 * {@code clear()}, and it is only used when its workspace memory is still live (same workspace generation), so
 * backprop recomputes the forward pass whenever the cache could be stale.
 */
public abstract class BaseDPDenseLayerImpl<C extends BaseDPDenseLayer> extends BaseLayer<C>
        implements PerExampleGradientLayer {

    /** Intermediates of one forward pass, as rows grouped by example. */
    protected static class Forward {
        RowLayout layout;
        /** rows of the (dropped-out) input, [N, nIn] */
        INDArray x;
        /** pre-activation rows, [N, nOut] */
        INDArray z;

        /** @return whether every kept array is still backed by live memory (see {@link WorkspaceArrays#isLive}) */
        boolean usable() {
            return usable(x) && usable(z);
        }

        static boolean usable(INDArray a) {
            return WorkspaceArrays.isLive(a);
        }
    }

    private final PerExampleState perExample;
    private Forward cache;
    private int expectedExamples = -1;

    protected BaseDPDenseLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        this.perExample = new PerExampleState(layerConf().getLayerName(), createFactors());
    }

    /** @return the factors covering exactly this layer's trainable parameters. */
    protected abstract List<LinearGradientFactor> createFactors();

    /**
     * Computes the forward rows for the current (dropped-out) input.
     *
     * @param type workspace type for everything kept in the returned object
     */
    protected abstract Forward forwardRows(RowLayout layout, boolean training, LayerWorkspaceMgr mgr, ArrayType type);

    /**
     * Writes the trainable gradients (sums over rows) into the gradient views, registers them in {@code gradient},
     * stashes the factors when {@code gather}, and returns the epsilon rows dL/dx [N, nIn] allocated as
     * {@code epsType}, or null without computing them when {@code inputGradient} is false.
     */
    protected abstract INDArray backpropRows(Forward f, INDArray delta, boolean gather, Gradient gradient,
                                             LayerWorkspaceMgr mgr, ArrayType epsType, boolean inputGradient);

    protected final PerExampleState perExampleState() {
        return perExample;
    }

    protected final Map<String, INDArray> gradientViewMap() {
        return gradientViews;
    }

    @Override
    public void setInput(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        cache = null;
        super.setInput(input, workspaceMgr);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        cache = null;
        applyDropOutIfNecessary(training, mgr);
        RowLayout layout = layout();
        // inference: rows in the activations workspace when they already have the activation's layout (no copy)
        ArrayType zType = training ? ArrayType.INPUT
                : (layout.rowsAreActivationLayout() ? ArrayType.ACTIVATIONS : ArrayType.FF_WORKING_MEM);
        Forward f = forwardRows(layout, training, mgr, zType);
        INDArray out;
        if (training) {
            out = mgr.dup(layout.isSequence() ? ArrayType.FF_WORKING_MEM : ArrayType.ACTIVATIONS, f.z, 'c');
        } else {
            out = f.z;
        }
        out = layerConf().getActivationFn().getActivation(out, training);
        INDArray maskRows = layout.maskRows(maskArray, dataType, layerId());
        if (maskRows != null) {
            out.muliColumnVector(maskRows);
        }
        if (training) {
            cache = f;
        }
        return layout.isSequence() ? layout.fromRows(out, mgr, ArrayType.ACTIVATIONS) : out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        perExample.checkBackward(((io.dplora.layers.PrivacyRecordHolder) layerConf()).getPrivacyRecord());
        assertInputSet(true);
        if (epsilon == null) {
            throw new IllegalStateException("Layer " + layerId() + " received no gradient from the layer above it: a "
                    + "layer configured with inputGradient(false) must be fed by a network input that nothing else "
                    + "consumes (LoRA.apply sets it only there)");
        }
        Forward f = cache;
        cache = null;
        if (f == null || !f.usable()) {
            applyDropOutIfNecessary(true, mgr);
            f = forwardRows(layout(), true, mgr, ArrayType.BP_WORKING_MEM);
        }
        RowLayout layout = f.layout;
        INDArray epsRows = layout.toRows(epsilon, dataType, mgr, ArrayType.BP_WORKING_MEM);
        INDArray delta = layerConf().getActivationFn().backprop(f.z, epsRows).getFirst();
        INDArray maskRows = layout.maskRows(maskArray, dataType, layerId());
        if (maskRows != null) {
            delta.muliColumnVector(maskRows);
        }
        boolean gather = perExample.isEnabled();
        if (gather) {
            if (expectedExamples > 0 && expectedExamples != layout.examples()) {
                throw new IllegalStateException("Layer " + layerId() + " received " + layout.examples() + " rows for a "
                        + "minibatch of " + expectedExamples + " examples: a preprocessor flattened sequences into "
                        + "rows, so per-example gradients cannot be grouped. Feed the sequence to this layer directly "
                        + "(it accepts [mb, nIn, T] natively).");
            }
            perExample.begin(layout.examples());
        } else {
            perExample.invalidate();
        }
        Gradient gradient = new DefaultGradient();
        boolean inputGradient = layerConf().isInputGradient();
        INDArray epsOutRows = backpropRows(f, delta, gather, gradient, mgr,
                layout.isSequence() ? ArrayType.BP_WORKING_MEM : ArrayType.ACTIVATION_GRAD, inputGradient);
        if (!inputGradient) {
            return new Pair<>(gradient, null); // nothing consumes it (see BaseDPDenseLayer#isInputGradient)
        }
        INDArray epsOut = layout.isSequence() ? layout.fromRows(epsOutRows, mgr, ArrayType.ACTIVATION_GRAD) : epsOutRows;
        epsOut = backpropDropOutIfPresent(epsOut);
        return new Pair<>(gradient, epsOut);
    }

    private RowLayout layout() {
        return RowLayout.of(input, layerConf().effectiveRnnFormat(), layerConf().getNIn(), layerId());
    }

    /** MultiLayerNetwork announces the minibatch size; used to detect rows flattened by a preprocessor. */
    @Override
    public void setInputMiniBatchSize(int size) {
        this.expectedExamples = size;
    }

    @Override
    public void clear() {
        super.clear();
        cache = null;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void fit(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        throw new UnsupportedOperationException("Layer " + layerId() + " is trained as part of a network");
    }

    @Override
    public boolean hasBias() {
        return layerConf().hasBias();
    }

    @Override
    public void applyConstraints(int iteration, int epoch) {
        ConstraintFilter.applyToTrainable(this, layerConf().getConstraints(), layerConf()::isFrozenParam,
                iteration, epoch);
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
        if (gradientViews == null) {
            throw new IllegalStateException("Gradient views of " + layerId() + " are not initialised yet");
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : gradientViews.entrySet()) {
            if (!layerConf().isFrozenParam(e.getKey())) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return Collections.unmodifiableMap(out);
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
