package io.dplora.layers.impl;

import io.dplora.layers.DPOutputLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Implementation of {@link DPOutputLayer}: 2D input, one row per example; forward and score as DL4J's OutputLayer. */
public class DPOutputLayerImpl extends BaseDPOutputLayerImpl<DPOutputLayer> {

    public DPOutputLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected RowLayout rowLayout() {
        if (input.rank() != 2) {
            throw new org.deeplearning4j.exception.DL4JInvalidInputException("DPOutputLayer expects 2D input "
                    + "[mb, nIn]; use DPRnnOutputLayer for sequences " + layerId());
        }
        return RowLayout.of(input, null, layerConf().getNIn(), layerId());
    }

    @Override
    protected INDArray epsilonFromRows(INDArray epsRows, RowLayout layout, LayerWorkspaceMgr mgr) {
        return epsRows;
    }

    @Override
    protected INDArray getLabels2d(LayerWorkspaceMgr workspaceMgr, ArrayType arrayType) {
        return labels;
    }
}
