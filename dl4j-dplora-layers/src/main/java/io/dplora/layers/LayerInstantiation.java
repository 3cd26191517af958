package io.dplora.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/** The wiring every DL4J layer configuration does in {@code instantiate}, shared by this package's layers. */
public final class LayerInstantiation {

    private LayerInstantiation() {
    }

    public static <L extends Layer> L wire(L impl, NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                    int layerIndex, INDArray paramsView, boolean initializeParams) {
        impl.setListeners(listeners);
        impl.setIndex(layerIndex);
        impl.setParamsViewArray(paramsView);
        impl.setParamTable(conf.getLayer().initializer().init(conf, paramsView, initializeParams));
        impl.setConf(conf);
        return impl;
    }
}
