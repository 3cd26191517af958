package io.dplora.updater;

import io.dplora.layers.PerExampleGradientLayer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Small lookups over DL4J networks shared by the guard and the DP step (unwrapping vertices and wrappers). */
final class NetworkLayers {

    private NetworkLayers() {
    }

    /** @return the layer implementation behind an updater's Trainable (a LayerVertex's layer, or the layer). */
    static Layer layerOf(Trainable t) {
        if (t instanceof LayerVertex) {
            return ((LayerVertex) t).getLayer();
        }
        if (t instanceof Layer) {
            return (Layer) t;
        }
        return null;
    }

    /** @return the per-example gradient layer behind a Trainable, or null. */
    static PerExampleGradientLayer perExampleLayerOf(Trainable t) {
        Layer l = layerOf(t);
        return l instanceof PerExampleGradientLayer ? (PerExampleGradientLayer) l : null;
    }

    /** @return a human-readable name of the layer behind a Trainable (vertex or layer name, and its index). */
    static String nameOf(Trainable t) {
        String name = t.getConfig() != null ? t.getConfig().getLayerName() : null;
        Layer l = layerOf(t);
        if (name == null && l != null) {
            name = "layer " + l.getIndex();
        }
        return name == null ? String.valueOf(t) : name;
    }

    /** @return the network's training listeners (empty when none) */
    static Collection<TrainingListener> listenersOf(Model net) {
        Collection<TrainingListener> ls = net instanceof ComputationGraph
                ? ((ComputationGraph) net).getListeners()
                : ((MultiLayerNetwork) net).getListeners();
        return ls == null ? List.of() : ls;
    }

    /** @return every layer implementation in the network, wrappers (frozen layers...) unwrapped too. */
    static List<Layer> allLayersUnwrapped(Model net) {
        return allLayersUnwrapped(net, l -> false);
    }

    /**
     * Installs the check every {@link io.dplora.layers.PerExampleGradientLayer} of the network runs at the start of
     * its backward pass (the DP step's, or a distributed worker's).
     */
    static void setPrivateTrainingCheck(Model net, Runnable check) {
        for (Layer layer : allLayersUnwrapped(net)) {
            if (layer instanceof io.dplora.layers.PerExampleGradientLayer p) {
                p.setPrivateTrainingCheck(check);
            }
        }
    }

    /**
     * @param skip wrappers (or layers) to leave out together with everything they wrap
     * @return every layer implementation in the network, wrappers unwrapped too, except those under {@code skip}
     */
    static List<Layer> allLayersUnwrapped(Model net, java.util.function.Predicate<Layer> skip) {
        Layer[] top;
        if (net instanceof ComputationGraph) {
            top = ((ComputationGraph) net).getLayers();
        } else if (net instanceof MultiLayerNetwork) {
            top = ((MultiLayerNetwork) net).getLayers();
        } else {
            throw new IllegalArgumentException("unsupported model type " + net.getClass().getName()
                    + ": use a ComputationGraph or a MultiLayerNetwork");
        }
        List<Layer> out = new ArrayList<>();
        for (Layer l : top == null ? new Layer[0] : top) {
            Layer cur = skip.test(l) ? null : l;
            while (cur != null) {
                out.add(cur);
                cur = cur instanceof BaseWrapperLayer ? ((BaseWrapperLayer) cur).getUnderlying() : null;
            }
        }
        return out;
    }

    /** @return the frozen-wrapper impl classes whose gradient DL4J always zeroes. */
    static boolean isFrozenWrapper(Layer l) {
        return l instanceof org.deeplearning4j.nn.layers.FrozenLayer
                || l instanceof org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
    }
}
