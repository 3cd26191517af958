package io.dplora.layers.params;

import io.dplora.layers.BaseDPDenseLayer;
import io.dplora.layers.DPDenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;

/**
 * Parameter layout of a {@link DPDenseLayer}: DL4J's standard dense layout {@code W} [nIn, nOut] ('f') |
 * {@code b} [nOut] (if hasBias), so weights copy one-to-one from and to DL4J's DenseLayer.
 */
public final class DPDenseParamInitializer extends DefaultParamInitializer {

    private static final DPDenseParamInitializer INSTANCE = new DPDenseParamInitializer();

    private DPDenseParamInitializer() {
    }

    public static DPDenseParamInitializer getInstance() {
        return INSTANCE;
    }

    @Override
    protected boolean hasBias(Layer layer) {
        return ((BaseDPDenseLayer) layer).hasBias();
    }

    @Override
    protected boolean hasLayerNorm(Layer layer) {
        return false;
    }
}
