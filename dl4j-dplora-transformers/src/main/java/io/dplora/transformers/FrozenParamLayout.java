package io.dplora.transformers;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;

/** The parameters of a layer whose parameters are all frozen: names, shapes (c order) and fresh initial values. */
public interface FrozenParamLayout {

    /** @return parameter key to shape, in the order they are stored in the flattened parameter vector */
    LinkedHashMap<String, long[]> paramShapes();

    /** Writes the initial value of a fresh (not imported) layer's parameter into {@code view}. */
    void initialize(String key, INDArray view);
}
