package io.dplora.layers.lora;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@link NetworkStructure} of a MultiLayerNetwork: a chain of layers named by their layer names (DL4J names unnamed
 * layers "layer0", "layer1", ...).
 */
final class ListStructure extends NetworkStructure {

    private final MultiLayerConfiguration conf;
    private final List<String> names = new ArrayList<>();

    ListStructure(MultiLayerNetwork original) {
        this.conf = original.getLayerWiseConfigurations().clone();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < conf.getConfs().size(); i++) {
            String name = conf.getConf(i).getLayer().getLayerName();
            if (name == null) {
                name = "layer" + i;
                conf.getConf(i).getLayer().setLayerName(name);
            }
            if (!seen.add(name)) {
                throw new IllegalArgumentException("MultiLayerNetwork has two layers named '" + name + "'");
            }
            names.add(name);
        }
    }

    private int index(String name) {
        int i = names.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("No layer named '" + name + "'");
        }
        return i;
    }

    @Override
    List<String> nodes() {
        return names;
    }

    @Override
    boolean isLayer(String node) {
        return names.contains(node);
    }

    @Override
    List<String> inputs(String node) {
        int i = index(node);
        return i == 0 ? Collections.emptyList() : Collections.singletonList(names.get(i - 1));
    }

    @Override
    Layer layer(String name) {
        return conf.getConf(index(name)).getLayer();
    }

    @Override
    void setLayer(String name, Layer layer) {
        int i = index(name);
        layer.setLayerName(name);
        conf.getConf(i).setLayer(layer);
        conf.getConf(i).clearVariables();
    }

    @Override
    InputPreProcessor preprocessor(String name) {
        return conf.getInputPreProcess(index(name));
    }

    @Override
    void setPreprocessor(String name, InputPreProcessor preprocessor) {
        int i = index(name);
        if (preprocessor == null) {
            conf.getInputPreProcessors().remove(i);
        } else {
            conf.getInputPreProcessors().put(i, preprocessor);
        }
    }

    @Override
    long initSeed() {
        return conf.getConf(0).getSeed();
    }

    @Override
    void setInitSeed(long seed) {
        for (int i = 0; i < conf.getConfs().size(); i++) {
            conf.getConf(i).setSeed(seed);
        }
    }

    @Override
    void resetCounters() {
        conf.setIterationCount(0);
        conf.setEpochCount(0);
    }

    @Override
    MultiLayerNetwork build() {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Override
    org.deeplearning4j.nn.api.Layer runtimeLayer(Model net, String name) {
        return ((MultiLayerNetwork) net).getLayer(index(name));
    }
}
