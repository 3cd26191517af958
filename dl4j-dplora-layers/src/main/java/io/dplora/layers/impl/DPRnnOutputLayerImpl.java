package io.dplora.layers.impl;

import io.dplora.layers.grad.MatrixProducts;
import io.dplora.layers.DPRnnOutputLayer;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Implementation of {@link DPRnnOutputLayer}. Input, labels and label masks are turned into rows grouped by example
 * (row i T + t = example i, step t), so the per-example loss is the sum over the example's rows; scores and outputs
 * are as DL4J's RnnOutputLayer.
 */
public class DPRnnOutputLayerImpl extends BaseDPOutputLayerImpl<DPRnnOutputLayer> {

    public DPRnnOutputLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private RNNFormat format() {
        return layerConf().effectiveRnnFormat();
    }

    @Override
    protected RowLayout rowLayout() {
        if (input.rank() != 3) {
            throw new DL4JInvalidInputException("DPRnnOutputLayer expects sequence input of rank 3, got shape "
                    + Arrays.toString(input.shape()) + " " + layerId());
        }
        return RowLayout.of(input, format(), layerConf().getNIn(), layerId());
    }

    @Override
    protected INDArray epsilonFromRows(INDArray epsRows, RowLayout layout, LayerWorkspaceMgr mgr) {
        return layout.fromRows(epsRows, mgr, ArrayType.ACTIVATION_GRAD);
    }

    private INDArray preOutputRows(RowLayout layout, boolean training, LayerWorkspaceMgr mgr) {
        INDArray x = layout.toRows(input, dataType, mgr, ArrayType.FF_WORKING_MEM);
        INDArray z = mgr.createUninitialized(ArrayType.FF_WORKING_MEM, dataType,
                new long[]{layout.rows(), layerConf().getNOut()}, 'c');
        MatrixProducts.multiplyInto(x, getParamWithNoise(W, training, mgr), z);
        if (hasBias()) {
            z.addiRowVector(getParamWithNoise(B, training, mgr));
        }
        return z;
    }

    @Override
    protected INDArray preOutput2d(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, mgr);
        return preOutputRows(rowLayout(), training, mgr);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, mgr);
        RowLayout layout = rowLayout();
        INDArray out = layerConf().getActivationFn().getActivation(preOutputRows(layout, training, mgr), training);
        if (maskArray != null) {
            if (maskArray.size(1) == 1 && out.size(1) != 1) {
                out.muliColumnVector(maskArray.castTo(dataType));
            } else {
                out.muli(maskArray.castTo(dataType));
            }
        }
        return layout.fromRows(out, mgr, ArrayType.ACTIVATIONS);
    }

    @Override
    protected INDArray getLabels2d(LayerWorkspaceMgr mgr, ArrayType arrayType) {
        if (labels.rank() != 3) {
            throw new DL4JInvalidInputException("DPRnnOutputLayer expects rank-3 labels, got shape "
                    + Arrays.toString(labels.shape()) + " " + layerId());
        }
        INDArray exampleMajor = format() == RNNFormat.NWC ? labels : labels.permute(0, 2, 1);
        return mgr.dup(arrayType, exampleMajor, 'c').reshape('c', exampleMajor.size(0) * exampleMajor.size(1),
                exampleMajor.size(2));
    }

    /**
     * Label mask [mb, T] (per step) or [mb, nOut, T] / [mb, T, nOut] (per output), turned into rows grouped by
     * example and kept outside workspaces (as DL4J does for masks).
     */
    @Override
    public void setMaskArray(INDArray mask) {
        if (mask == null) {
            this.maskArray = null;
            return;
        }
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            if (mask.rank() == 2) {
                this.maskArray = mask.dup('c').reshape('c', mask.length(), 1);
            } else if (mask.rank() == 3) {
                INDArray exampleMajor = format() == RNNFormat.NWC ? mask : mask.permute(0, 2, 1);
                this.maskArray = exampleMajor.dup('c').reshape('c', exampleMajor.size(0) * exampleMajor.size(1),
                        exampleMajor.size(2));
            } else {
                throw new DL4JInvalidInputException("Label mask must be rank 2 [mb, T] or 3, got shape "
                        + Arrays.toString(mask.shape()) + " " + layerId());
            }
        }
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                          int minibatchSize) {
        // as DL4J's RnnOutputLayer: the feature mask does not replace the label mask; last layer, nothing to pass on
        this.inputMaskArray = maskArray;
        this.inputMaskArrayState = currentMaskState;
        return null;
    }

    /** @return [mb, 1]: each example's loss summed over its (unmasked) time steps, plus fullNetRegTerm. */
    @Override
    public INDArray computeScoreForExamples(double fullNetRegTerm, LayerWorkspaceMgr mgr) {
        if (input == null || labels == null) {
            throw new IllegalStateException("Cannot calculate score without input and labels " + layerId());
        }
        RowLayout layout = rowLayout();
        INDArray preOut = preOutputRows(layout, false, mgr);
        INDArray scoreRows = layerConf().getLossFn().computeScoreArray(getLabels2d(mgr, ArrayType.FF_WORKING_MEM),
                preOut, layerConf().getActivationFn(), maskArray);
        INDArray perExample = scoreRows.reshape('c', layout.examples(), layout.rowsPerExample()).sum(true, 1);
        if (fullNetRegTerm != 0.0) {
            perExample.addi(fullNetRegTerm);
        }
        return mgr.leverageTo(ArrayType.ACTIVATIONS, perExample);
    }

    @Override
    public Type type() {
        return Type.RECURRENT;
    }
}
