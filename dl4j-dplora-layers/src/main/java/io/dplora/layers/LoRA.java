package io.dplora.layers;

import io.dplora.layers.lora.AdapterMismatchException;
import io.dplora.layers.lora.LoRAOperations;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.File;
import java.io.IOException;

/**
 * LoRA for pretrained DL4J networks: {@link #apply} adds adapters, {@link #merge} folds them back, and adapter files
 * hold just what fine-tuning produced.
 *
 * <pre>
 *   ComputationGraph base = ModelSerializer.restoreComputationGraph(file);
 *   ComputationGraph net = LoRA.apply(base, LoRASpec.builder().targets("dense1", "dense2").rank(8).alpha(16)
 *           .mode(LoRAMode.VANILLA).trainable("out").build());
 *   ... train (privately with the DP step, or not) ...
 *   LoRA.saveAdapter(net, adapterFile);
 *   ComputationGraph deployable = LoRA.merge(net);
 * </pre>
 */
public final class LoRA {

    private LoRA() {
    }

    /**
     * A new network in which the spec's targets are LoRADenseLayers carrying the pretrained W and b frozen, the
     * layers listed trainable are DP-capable layers with their weights kept (OutputLayer &rarr; DPOutputLayer,
     * RnnOutputLayer &rarr; DPRnnOutputLayer, DenseLayer &rarr; DPDenseLayer), and every other layer is frozen: its
     * parameters get NoOp updaters, no L1/L2/weight decay and a zero gradient (FrozenLayerWithBackprop, or FrozenLayer
     * when no trained layer lies below it; output layers become frozen DP heads), while the error signal still flows
     * through it. Frozen layers run in inference mode (no dropout; BatchNormalization uses its running statistics,
     * which are not updated). Dense layers fed through an RnnToFeedForwardPreProcessor are switched to native
     * sequence input so that rows stay grouped by example. DL4J's GlobalPoolingLayer becomes a
     * {@link FastGlobalPoolingLayer} (same configuration and results, its sequence AVG/SUM pooling about ten times
     * faster; {@link #merge} turns it back). Trained layers keep the original layer's activation,
     * updater (unless the spec sets one), regularisation and input dropout; their gradient normalisation is set to
     * None (applied after a DP step it would change the calibrated noise scale; per-example clipping replaces it).
     *
     * <p>The result shares no parameter array with {@code pretrained}, which is left untouched; before training
     * (B = 0) its outputs equal the pretrained network's. Iteration and epoch counters start at 0. Each adapter's A is
     * drawn ({@link LoRAInit}) from the spec's {@link LoRASpec.Builder#seed(long) seed}, by default from the
     * pretrained network's configuration seed; ND4J's generator is never seeded with 0 (see
     * {@link io.dplora.layers.lora.Nd4jSeeds}), so equal seeds give equal A.
     *
     * @throws IllegalArgumentException naming the layer: a target that does not exist or is not a DenseLayer, a
     *                                  trainable layer of an unsupported type, a layer that already has a LoRA
     *                                  adapter, a rank above min(nIn, nOut), a frozen BatchNormalization with a
     *                                  trained layer below it, or a graph shape that cannot be rewired
     */
    public static ComputationGraph apply(ComputationGraph pretrained, LoRASpec spec) {
        return LoRAOperations.apply(pretrained, spec);
    }

    /** MultiLayerNetwork version of {@link #apply(ComputationGraph, LoRASpec)} (layers named by their layer names). */
    public static MultiLayerNetwork apply(MultiLayerNetwork pretrained, LoRASpec spec) {
        return LoRAOperations.apply(pretrained, spec);
    }

    /**
     * An equivalent network without adapters: each LoRADenseLayer becomes a dense layer with
     * W = W<sub>0</sub> + (alpha/r) A B (DL4J's DenseLayer for feed-forward input, a DPDenseLayer for sequence input),
     * DP heads become DL4J's OutputLayer/RnnOutputLayer, DPDenseLayers on feed-forward input DL4J's DenseLayer and
     * FastGlobalPoolingLayers DL4J's GlobalPoolingLayer; other layers are kept. Outputs equal the LoRA network's within floating-point tolerance.
     */
    public static ComputationGraph merge(ComputationGraph net) {
        return LoRAOperations.merge(net);
    }

    /** MultiLayerNetwork version of {@link #merge(ComputationGraph)}. */
    public static MultiLayerNetwork merge(MultiLayerNetwork net) {
        return LoRAOperations.merge(net);
    }

    /**
     * Saves the adapter: A and B of every LoRA layer and all parameters of trainable DP layers, with the shapes and a
     * SHA-256 checksum of all other (base) parameters and the LoRA settings, so that loading can verify it is applied
     * to the same pretrained network.
     */
    public static void saveAdapter(ComputationGraph net, File file) throws IOException {
        LoRAOperations.saveAdapter(net, file);
    }

    /** MultiLayerNetwork version of {@link #saveAdapter(ComputationGraph, File)}. */
    public static void saveAdapter(MultiLayerNetwork net, File file) throws IOException {
        LoRAOperations.saveAdapter(net, file);
    }

    /**
     * Loads an adapter into a network obtained with {@link #apply} (same spec) from the same pretrained network.
     *
     * @throws AdapterMismatchException when layers, shapes, LoRA settings or the base checksum differ; the network is
     *                                  then unchanged
     */
    public static void loadAdapter(ComputationGraph net, File file) throws IOException {
        LoRAOperations.loadAdapter(net, file);
    }

    /** MultiLayerNetwork version of {@link #loadAdapter(ComputationGraph, File)}. */
    public static void loadAdapter(MultiLayerNetwork net, File file) throws IOException {
        LoRAOperations.loadAdapter(net, file);
    }
}
