package io.dplora.layers.lora;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.Layer;

import java.util.ArrayList;
import java.util.List;

/**
 * A mutable copy of a network's configuration seen as named nodes with inputs, so that conversions are written once
 * for ComputationGraph ({@link GraphStructure}) and MultiLayerNetwork ({@link ListStructure}). Changes only affect
 * the copy; {@link #build()} creates a new, initialised network from it.
 */
abstract class NetworkStructure {

    /** @return all node names (CG: including network inputs and non-layer vertices) in topological order */
    abstract List<String> nodes();

    abstract boolean isLayer(String node);

    /** @return the inputs of a node (empty for network inputs) */
    abstract List<String> inputs(String node);

    abstract Layer layer(String name);

    abstract void setLayer(String name, Layer layer);

    abstract InputPreProcessor preprocessor(String name);

    abstract void setPreprocessor(String name, InputPreProcessor preprocessor);

    /**
     * @return the seed DL4J gives ND4J's generator when it initialises a network of this configuration (CG: the
     *         default configuration's, MLN: the first layer's)
     */
    abstract long initSeed();

    /** Sets the seed of {@link #initSeed()} (and of every layer's configuration, so the copy stays consistent). */
    abstract void setInitSeed(long seed);

    /** Resets the iteration and epoch counters (a converted network starts a fresh optimisation). */
    abstract void resetCounters();

    abstract Model build();

    /** @return the layer implementation called {@code name} in a network built from this structure (or the original) */
    abstract org.deeplearning4j.nn.api.Layer runtimeLayer(Model net, String name);

    /** @return the layer names in topological order */
    List<String> layerNames() {
        List<String> out = new ArrayList<>();
        for (String n : nodes()) {
            if (isLayer(n)) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * @return whether nothing consumes the input gradient of {@code layer}: it has no preprocessor and its inputs are
     * network inputs that feed only this layer (MultiLayerNetwork: it is the first layer). DL4J then drops the
     * gradient, so the layer need not compute it.
     */
    boolean inputGradientUnused(String layer) {
        if (preprocessor(layer) != null) {
            return false;
        }
        for (String in : inputs(layer)) {
            if (isLayer(in) || !inputs(in).isEmpty() || !consumers(in).equals(List.of(layer))) {
                return false;
            }
        }
        return true;
    }

    /** @return the nodes that take {@code node} as an input */
    List<String> consumers(String node) {
        List<String> out = new ArrayList<>();
        for (String n : nodes()) {
            if (inputs(n).contains(node)) {
                out.add(n);
            }
        }
        return out;
    }
}
