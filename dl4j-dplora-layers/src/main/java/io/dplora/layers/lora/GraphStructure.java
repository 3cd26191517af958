package io.dplora.layers.lora;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** {@link NetworkStructure} of a ComputationGraph: vertices by name, in the original graph's topological order. */
final class GraphStructure extends NetworkStructure {

    private final ComputationGraphConfiguration conf;
    private final List<String> order = new ArrayList<>();

    GraphStructure(ComputationGraph original) {
        this.conf = original.getConfiguration().clone();
        org.deeplearning4j.nn.graph.vertex.GraphVertex[] vertices = original.getVertices();
        for (int idx : original.topologicalSortOrder()) {
            order.add(vertices[idx].getVertexName());
        }
    }

    @Override
    List<String> nodes() {
        return order;
    }

    @Override
    boolean isLayer(String node) {
        return conf.getVertices().get(node) instanceof LayerVertex;
    }

    @Override
    List<String> inputs(String node) {
        List<String> in = conf.getVertexInputs().get(node);
        return in == null ? Collections.emptyList() : in;
    }

    private LayerVertex vertex(String name) {
        GraphVertex v = conf.getVertices().get(name);
        if (!(v instanceof LayerVertex)) {
            throw new IllegalArgumentException("'" + name + "' is not a layer vertex of the graph");
        }
        return (LayerVertex) v;
    }

    @Override
    Layer layer(String name) {
        return vertex(name).getLayerConf().getLayer();
    }

    @Override
    void setLayer(String name, Layer layer) {
        LayerVertex v = vertex(name);
        v.getLayerConf().setLayer(layer);
        v.getLayerConf().clearVariables();
    }

    @Override
    InputPreProcessor preprocessor(String name) {
        return vertex(name).getPreProcessor();
    }

    @Override
    void setPreprocessor(String name, InputPreProcessor preprocessor) {
        vertex(name).setPreProcessor(preprocessor);
    }

    @Override
    long initSeed() {
        return conf.getDefaultConfiguration().getSeed();
    }

    @Override
    void setInitSeed(long seed) {
        conf.getDefaultConfiguration().setSeed(seed);
        for (GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex) {
                ((LayerVertex) v).getLayerConf().setSeed(seed);
            }
        }
    }

    @Override
    void resetCounters() {
        conf.setIterationCount(0);
        conf.setEpochCount(0);
    }

    @Override
    ComputationGraph build() {
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    @Override
    org.deeplearning4j.nn.api.Layer runtimeLayer(Model net, String name) {
        return ((ComputationGraph) net).getLayer(name);
    }
}
