package io.dplora.layers.params;

import io.dplora.layers.LoRADenseLayer;
import io.dplora.layers.LoRAInit;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInitXavier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameter layout of a {@link LoRADenseLayer}: one contiguous slice of the network's parameter vector holding, in
 * this order, {@code W} [nIn, nOut] | {@code b} [nOut] (if hasBias; shaped as DL4J's dense bias) | {@code loraA} [nIn, r] | {@code loraB} [r, nOut],
 * matrices in 'f' order as DL4J's dense layers. Keys contain no '_' (DL4J's updater splits "layer_key" at the last
 * underscore).
 *
 * <p>Initialisation (only when a network is created, not on restore): W by the layer's weight init, b to biasInit,
 * A by {@link LoRAInit}, B = 0. The frozen parameters come first, so the trainable ones of a layer are contiguous.
 */
public final class LoRAParamInitializer implements ParamInitializer {

    public static final String WEIGHT_KEY = "W";
    public static final String BIAS_KEY = "b";
    public static final String LORA_A_KEY = "loraA";
    public static final String LORA_B_KEY = "loraB";

    private static final LoRAParamInitializer INSTANCE = new LoRAParamInitializer();

    private LoRAParamInitializer() {
    }

    public static LoRAParamInitializer getInstance() {
        return INSTANCE;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        LoRADenseLayer l = (LoRADenseLayer) layer;
        long nIn = l.getNIn();
        long nOut = l.getNOut();
        long r = l.getRank();
        return nIn * nOut + (l.hasBias() ? nOut : 0) + nIn * r + r * nOut;
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        List<String> keys = new ArrayList<>(4);
        keys.add(WEIGHT_KEY);
        keys.addAll(biasKeys(layer));
        keys.add(LORA_A_KEY);
        keys.add(LORA_B_KEY);
        return keys;
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return Arrays.asList(WEIGHT_KEY, LORA_A_KEY, LORA_B_KEY);
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return ((LoRADenseLayer) layer).hasBias() ? Collections.singletonList(BIAS_KEY) : Collections.emptyList();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return WEIGHT_KEY.equals(key) || LORA_A_KEY.equals(key) || LORA_B_KEY.equals(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return BIAS_KEY.equals(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        LoRADenseLayer l = (LoRADenseLayer) conf.getLayer();
        long expected = numParams(l);
        if (paramsView.length() != expected) {
            throw new IllegalStateException("LoRADenseLayer '" + l.getLayerName() + "': expected a parameter view of "
                    + "length " + expected + ", got " + paramsView.length());
        }
        Map<String, INDArray> views = slice(l, paramsView);
        if (initializeParams) {
            long nIn = l.getNIn();
            long nOut = l.getNOut();
            IWeightInit wInit = l.getWeightInitFn() == null ? new WeightInitXavier() : l.getWeightInitFn();
            wInit.init(nIn, nOut, new long[]{nIn, nOut}, IWeightInit.DEFAULT_WEIGHT_INIT_ORDER, views.get(WEIGHT_KEY));
            if (views.containsKey(BIAS_KEY)) {
                views.get(BIAS_KEY).assign(Double.isNaN(l.getBiasInit()) ? 0.0 : l.getBiasInit());
            }
            initA(l, views.get(LORA_A_KEY));
            views.get(LORA_B_KEY).assign(0.0);
        }
        for (String key : views.keySet()) {
            conf.addVariable(key);
        }
        return Collections.synchronizedMap(views);
    }

    private static void initA(LoRADenseLayer l, INDArray aView) {
        long[] shape = aView.shape();
        if (l.getLoraInit() == LoRAInit.GAUSSIAN) {
            aView.assign(Nd4j.randn(aView.dataType(), shape).muli(1.0 / l.getRank()));
        } else {
            double bound = 1.0 / Math.sqrt(l.getNIn());
            aView.assign(Nd4j.rand(aView.dataType(), shape).muli(2 * bound).subi(bound));
        }
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return slice((LoRADenseLayer) conf.getLayer(), gradientView);
    }

    private static Map<String, INDArray> slice(LoRADenseLayer l, INDArray flat) {
        INDArray v = flat.reshape(flat.length());
        long nIn = l.getNIn();
        long nOut = l.getNOut();
        long r = l.getRank();
        Map<String, INDArray> out = new LinkedHashMap<>();
        long offset = 0;
        out.put(WEIGHT_KEY, v.get(NDArrayIndex.interval(offset, offset + nIn * nOut)).reshape('f', nIn, nOut));
        offset += nIn * nOut;
        if (l.hasBias()) {
            out.put(BIAS_KEY, v.get(NDArrayIndex.interval(offset, offset + nOut)));
            offset += nOut;
        }
        out.put(LORA_A_KEY, v.get(NDArrayIndex.interval(offset, offset + nIn * r)).reshape('f', nIn, r));
        offset += nIn * r;
        out.put(LORA_B_KEY, v.get(NDArrayIndex.interval(offset, offset + r * nOut)).reshape('f', r, nOut));
        return out;
    }
}
