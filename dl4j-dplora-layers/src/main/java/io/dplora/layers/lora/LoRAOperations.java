package io.dplora.layers.lora;

import io.dplora.layers.LoRASpec;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.File;
import java.io.IOException;

/** Entry points behind {@link io.dplora.layers.LoRA}; kept in this package so the conversion classes stay private. */
public final class LoRAOperations {

    private LoRAOperations() {
    }

    public static ComputationGraph apply(ComputationGraph net, LoRASpec spec) {
        requireInit(net.getLayers() != null);
        return (ComputationGraph) LoRAConversion.apply(new GraphStructure(net), net, spec);
    }

    public static MultiLayerNetwork apply(MultiLayerNetwork net, LoRASpec spec) {
        requireInit(net.getLayers() != null);
        return (MultiLayerNetwork) LoRAConversion.apply(new ListStructure(net), net, spec);
    }

    public static ComputationGraph merge(ComputationGraph net) {
        requireInit(net.getLayers() != null);
        return (ComputationGraph) LoRAMerge.merge(new GraphStructure(net), net);
    }

    public static MultiLayerNetwork merge(MultiLayerNetwork net) {
        requireInit(net.getLayers() != null);
        return (MultiLayerNetwork) LoRAMerge.merge(new ListStructure(net), net);
    }

    public static void saveAdapter(ComputationGraph net, File file) throws IOException {
        AdapterFile.save(net.getLayers(), file);
    }

    public static void saveAdapter(MultiLayerNetwork net, File file) throws IOException {
        AdapterFile.save(net.getLayers(), file);
    }

    public static void loadAdapter(ComputationGraph net, File file) throws IOException {
        AdapterFile.load(net.getLayers(), file);
    }

    public static void loadAdapter(MultiLayerNetwork net, File file) throws IOException {
        AdapterFile.load(net.getLayers(), file);
    }

    private static void requireInit(boolean initialised) {
        if (!initialised) {
            throw new IllegalArgumentException("The network is not initialised; call init() first");
        }
    }
}
