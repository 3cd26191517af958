package io.dplora.transformers;

import io.dplora.layers.FrozenParameters;
import io.dplora.layers.PerExampleComputation;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.Collections;
import java.util.List;

/**
 * Common configuration of the pretrained, frozen parts of a transformer: every parameter has a NoOp updater and no
 * regularisation whatever the network's global settings, no gradient normalisation, and the implementation never
 * writes a parameter gradient ({@link FrozenParameters}); each example is computed on its own
 * ({@link PerExampleComputation}).
 */
public abstract class BaseFrozenLayer extends FeedForwardLayer
        implements FrozenParameters, PerExampleComputation, FrozenParamLayout {

    protected BaseFrozenLayer() {
        // for JSON
    }

    protected BaseFrozenLayer(FeedForwardLayer.Builder<?> builder) {
        super(builder);
        this.iUpdater = new NoOp();
        this.biasUpdater = new NoOp();
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return new NoOp();
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return Collections.emptyList();
    }

    @Override
    public GradientNormalization getGradientNormalization() {
        return GradientNormalization.None;
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public ParamInitializer initializer() {
        return FrozenParamInitializer.getInstance();
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        // sizes are fixed by the pretrained model
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType out = getOutputType(-1, inputType);
        return new LayerMemoryReport.Builder(layerName, getClass(), inputType, out)
                .standardMemory(initializer().numParams(this), 0)
                .workingMemory(0, 0, 0, out.arrayElementsPerExample())
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS).build();
    }
}
