package io.dplora.updater;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.reflect.Field;

/**
 * The feature and label arrays a network is training on right now (set by {@code fit} before the gradient is
 * computed, still set when DL4J calls the updater), so that the DP step can check by identity that they are the
 * arrays its sampler handed out. {@code ComputationGraph} has no public getter for its labels; its protected
 * {@code labels} field is read by reflection (DL4J 1.0.0-M2.1 keeps them there for the whole {@code fit} call).
 */
final class TrainedArrays {

    private static final Field GRAPH_LABELS;

    static {
        try {
            GRAPH_LABELS = ComputationGraph.class.getDeclaredField("labels");
            GRAPH_LABELS.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError("cannot read ComputationGraph.labels (DL4J version other than "
                    + "1.0.0-M2.1?): " + e);
        }
    }

    private TrainedArrays() {
    }

    /** @return the network's current input arrays (one per input) */
    static INDArray[] features(Model net) {
        if (net instanceof ComputationGraph) {
            return ((ComputationGraph) net).getInputs();
        }
        return new INDArray[] {((MultiLayerNetwork) net).getInput()};
    }

    /** @return the network's current label arrays (one per output) */
    static INDArray[] labels(Model net) {
        if (net instanceof ComputationGraph) {
            try {
                return (INDArray[]) GRAPH_LABELS.get(net);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot read the ComputationGraph's labels", e);
            }
        }
        return new INDArray[] {((MultiLayerNetwork) net).getLabels()};
    }
}
