package io.dplora.transformers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameter layout of the frozen transformer layers ({@link FrozenParamLayout}): the parameters one after the other in
 * the flattened vector, each a c-order view of its shape. All keys count as weights (none is trained, so the split
 * only matters to DL4J's regularisation, which these layers switch off).
 */
public final class FrozenParamInitializer implements ParamInitializer {

    private static final FrozenParamInitializer INSTANCE = new FrozenParamInitializer();

    private FrozenParamInitializer() {
    }

    public static FrozenParamInitializer getInstance() {
        return INSTANCE;
    }

    private static FrozenParamLayout layout(Layer layer) {
        if (!(layer instanceof FrozenParamLayout)) {
            throw new IllegalArgumentException("Layer " + layer.getLayerName() + " is not a FrozenParamLayout");
        }
        return (FrozenParamLayout) layer;
    }

    private static long length(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        long n = 0;
        for (long[] s : layout(layer).paramShapes().values()) {
            n += length(s);
        }
        return n;
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return new ArrayList<>(layout(layer).paramShapes().keySet());
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return paramKeys(layer);
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return Collections.emptyList();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return layout(layer).paramShapes().containsKey(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return false;
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        Map<String, INDArray> views = views(conf.getLayer(), paramsView);
        for (String key : views.keySet()) {
            conf.addVariable(key); // DL4J's setParams and the updater iterate over the registered variables
        }
        if (initializeParams) {
            FrozenParamLayout l = layout(conf.getLayer());
            for (Map.Entry<String, INDArray> e : views.entrySet()) {
                l.initialize(e.getKey(), e.getValue());
            }
        }
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return views(conf.getLayer(), gradientView);
    }

    private Map<String, INDArray> views(Layer layer, INDArray flat) {
        long expected = numParams(layer);
        if (flat == null || flat.length() != expected) {
            throw new IllegalStateException("Layer " + layer.getLayerName() + ": expected a parameter view of length "
                    + expected + ", got " + (flat == null ? "none" : flat.length()));
        }
        INDArray row = flat.rank() == 1 ? flat : flat.reshape(flat.length());
        Map<String, INDArray> out = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, long[]> e : layout(layer).paramShapes().entrySet()) {
            long n = length(e.getValue());
            out.put(e.getKey(), row.get(NDArrayIndex.interval(offset, offset + n)).reshape('c', e.getValue()));
            offset += n;
        }
        return out;
    }
}
