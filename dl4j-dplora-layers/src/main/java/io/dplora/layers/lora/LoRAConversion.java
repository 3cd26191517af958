package io.dplora.layers.lora;

import io.dplora.layers.LoRADenseLayer;
import io.dplora.layers.LoRASpec;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToRnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.RnnToFeedForwardPreProcessor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code LoRA.apply}: builds the LoRA version of a pretrained network from a copy of its configuration.
 * <ol>
 *   <li>targets become {@link LoRADenseLayer}s, layers listed trainable become DP-capable layers, every other layer with
 *       parameters is frozen (FrozenLayer when nothing trainable lies below it, FrozenLayerWithBackprop otherwise,
 *       in both cases with NoOp updaters, no regularisation and no dropout);</li>
 *   <li>dense layers fed through an RnnToFeedForwardPreProcessor are switched to native sequence input (rows stay
 *       grouped by example, which exact per-example gradients need) and their consumers' preprocessors adjusted;</li>
 *   <li>a new network is built with its initialisation seed set to {@link Nd4jSeeds#forNd4j(long)} of the spec's seed
 *       (or of the pretrained configuration's seed), so DL4J's initialisation draws the adapters' A from it; all
 *       pretrained parameters are copied over the other initial values (no shared arrays), iteration/epoch counters
 *       reset, and every non-trained parameter verified to be frozen.</li>
 * </ol>
 */
final class LoRAConversion {

    private LoRAConversion() {
    }

    static Model apply(NetworkStructure s, Model original, LoRASpec spec) {
        List<String> layers = s.layerNames();
        for (String n : layers) {
            if (LayerConversions.unwrapFrozen(s.layer(n)) instanceof LoRADenseLayer) {
                throw new IllegalArgumentException("Layer '" + n + "' already has a LoRA adapter; LoRA.merge the "
                        + "network before applying LoRA again");
            }
        }
        Set<String> targets = resolveTargets(s, spec);
        for (String t : spec.trainable()) {
            if (!layers.contains(t)) {
                throw new IllegalArgumentException("Trainable layer '" + t + "' does not exist; layers: " + layers);
            }
            if (targets.contains(t)) {
                throw new IllegalArgumentException("Layer '" + t + "' is both a LoRA target and trainable in full");
            }
        }
        Set<String> trained = new LinkedHashSet<>(targets);
        trained.addAll(spec.trainable());
        Map<String, Boolean> trainedBelow = trainedAncestors(s, trained);
        Map<String, RNNFormat> sequenceNative = planSequenceInput(s, targets, spec.trainable());

        for (String n : layers) {
            Layer l = s.layer(n);
            if (targets.contains(n)) {
                s.setLayer(n, LayerConversions.toLoRA(l, spec, n, sequenceNative.get(n)));
            } else if (spec.trainable().contains(n)) {
                Layer dp = LayerConversions.toTrainable(l, spec, n, sequenceNative.get(n));
                rejectPerStepHead(s, n, dp);
                s.setLayer(n, dp);
            } else if (trainedBelow.get(n)
                    && LayerConversions.unwrapFrozen(l) instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization) {
                // a BN with trained layers below: its exact inference-mode map, which backprops per example
                s.setLayer(n, BatchNormFreezing.frozen((org.deeplearning4j.nn.conf.layers.BatchNormalization)
                        LayerConversions.unwrapFrozen(l), s.runtimeLayer(original, n), n));
            } else {
                Layer frozen = LayerConversions.freeze(l, n, trainedBelow.get(n));
                rejectPerStepHead(s, n, frozen);
                if (frozen != l) {
                    s.setLayer(n, frozen);
                }
            }
        }
        for (String n : layers) {
            if (s.layer(n) instanceof io.dplora.layers.BaseDPDenseLayer d && s.inputGradientUnused(n)) {
                d.setInputGradient(false); // the first layer's delta W^T, which DL4J would drop
            }
        }
        s.resetCounters();
        // DL4J's init() seeds ND4J's generator with this value and then draws every initial parameter, A included
        s.setInitSeed(Nd4jSeeds.forNd4j(spec.seed() != null ? spec.seed() : s.initSeed()));
        Model net = s.build();
        for (String n : layers) {
            copyParams(s.runtimeLayer(original, n), s.runtimeLayer(net, n), n);
        }
        verifyFrozen(s, net);
        return net;
    }

    private static Set<String> resolveTargets(NetworkStructure s, LoRASpec spec) {
        List<String> layers = s.layerNames();
        Set<String> targets = new LinkedHashSet<>();
        if (spec.targetPredicate() != null) {
            for (String n : layers) {
                if (spec.targetPredicate().test(n)) {
                    targets.add(n);
                }
            }
            if (targets.isEmpty()) {
                throw new IllegalArgumentException("The target predicate selects no layer; layers: " + layers);
            }
        } else {
            for (String t : spec.targetNames()) {
                if (!layers.contains(t)) {
                    throw new IllegalArgumentException("LoRA target '" + t + "' does not exist; layers: " + layers);
                }
                targets.add(t);
            }
        }
        for (String t : targets) {
            Layer l = LayerConversions.unwrapFrozen(s.layer(t));
            if (!LayerConversions.isStockDense(l) && !LayerConversions.isPlainConvolution(l)
                    && !(l instanceof io.dplora.layers.DPDenseLayer)) {
                throw new IllegalArgumentException("LoRA target '" + t + "' is a " + l.getClass().getSimpleName()
                        + ", not a DenseLayer or a 2D ConvolutionLayer");
            }
        }
        return targets;
    }

    /** @return for every node, whether a trained layer lies below it (so the error signal must pass through it) */
    private static Map<String, Boolean> trainedAncestors(NetworkStructure s, Set<String> trained) {
        Map<String, Boolean> below = new HashMap<>();
        for (String n : s.nodes()) {
            boolean b = false;
            for (String in : s.inputs(n)) {
                b |= trained.contains(in) || below.getOrDefault(in, false);
            }
            below.put(n, b);
        }
        return below;
    }

    /**
     * Dense layers (LoRA targets and trainable dense layers) behind an RnnToFeedForwardPreProcessor see rows
     * ordered time-major, so per-example gradients could not be grouped; they are switched to native sequence input.
     * Their consumers then receive sequences: a FeedForwardToRnnPreProcessor is dropped, a converted dense layer is
     * switched too, any other layer gets an RnnToFeedForwardPreProcessor (it sees exactly the rows it saw before).
     *
     * @return the sequence format of every dense layer switched to native sequence input
     */
    private static Map<String, RNNFormat> planSequenceInput(NetworkStructure s, Set<String> targets,
                                                            Set<String> trainable) {
        Set<String> dense = new LinkedHashSet<>(targets);
        for (String t : trainable) {
            if (LayerConversions.isStockDense(LayerConversions.unwrapFrozen(s.layer(t)))
                    || LayerConversions.unwrapFrozen(s.layer(t)) instanceof io.dplora.layers.DPDenseLayer) {
                dense.add(t);
            }
        }
        Map<String, RNNFormat> plan = new LinkedHashMap<>();
        Deque<String> work = new ArrayDeque<>();
        for (String n : s.layerNames()) {
            InputPreProcessor p = s.preprocessor(n);
            if (dense.contains(n) && p instanceof RnnToFeedForwardPreProcessor && fedByCollapsingPooling(s, n)) {
                s.setPreprocessor(n, null); // a no-op on the pooled [mb, C] rows, one per example already
                continue;
            }
            if (dense.contains(n) && p instanceof RnnToFeedForwardPreProcessor) {
                RNNFormat f = ((RnnToFeedForwardPreProcessor) p).getRnnDataFormat();
                s.setPreprocessor(n, null);
                plan.put(n, f == null ? RNNFormat.NCW : f);
                work.add(n);
            }
        }
        while (!work.isEmpty()) {
            String n = work.poll();
            RNNFormat format = plan.get(n);
            for (String c : s.consumers(n)) {
                if (!s.isLayer(c)) {
                    throw new IllegalArgumentException("Layer '" + n + "' runs on sequences (it was fed through an "
                            + "RnnToFeedForwardPreProcessor) but its consumer '" + c + "' is not a layer; LoRA.apply "
                            + "cannot rewire this graph");
                }
                InputPreProcessor p = s.preprocessor(c);
                if (p instanceof FeedForwardToRnnPreProcessor) {
                    RNNFormat f = ((FeedForwardToRnnPreProcessor) p).getRnnDataFormat();
                    if ((f == null ? RNNFormat.NCW : f) != format) {
                        throw new IllegalArgumentException("Layer '" + c + "' expects sequences in format " + f
                                + " but '" + n + "' produces " + format);
                    }
                    s.setPreprocessor(c, null);
                } else if (p == null && dense.contains(c)) {
                    if (!plan.containsKey(c)) {
                        plan.put(c, format);
                        work.add(c);
                    }
                } else if (p == null) {
                    s.setPreprocessor(c, new RnnToFeedForwardPreProcessor(format));
                } else {
                    throw new IllegalArgumentException("Layer '" + c + "' has a " + p.getClass().getSimpleName()
                            + " but its input '" + n + "' now produces sequences; LoRA.apply cannot rewire this");
                }
            }
        }
        return plan;
    }

    /**
     * DL4J 1.0.0-M2.1 reports a global pooling layer's output type as recurrent, so a list configuration puts an
     * RnnToFeedForwardPreProcessor after it, although the collapsed output is already [mb, C]: a layer fed only by
     * such a pooling layer sees one row per example and needs no sequence input.
     */
    private static boolean fedByCollapsingPooling(NetworkStructure s, String n) {
        List<String> in = s.inputs(n);
        if (in.size() != 1 || !s.isLayer(in.get(0))) {
            return false;
        }
        Layer l = LayerConversions.unwrapFrozen(s.layer(in.get(0)));
        return l instanceof org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer
                && ((org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer) l).isCollapseDimensions();
    }

    /** A DP output head fed with time steps as rows would count steps as examples. */
    private static void rejectPerStepHead(NetworkStructure s, String name, Layer converted) {
        if (converted instanceof BaseOutputLayer && s.preprocessor(name) instanceof RnnToFeedForwardPreProcessor) {
            throw new IllegalArgumentException("Output layer '" + name + "' is applied per time step through an "
                    + "RnnToFeedForwardPreProcessor: its rows are time steps, not examples, so per-example gradients "
                    + "cannot be formed. Use an RnnOutputLayer (sequence labels) or pool the sequence first");
        }
    }

    private static void copyParams(org.deeplearning4j.nn.api.Layer from, org.deeplearning4j.nn.api.Layer to,
                                   String name) {
        if (to.conf().getLayer() instanceof io.dplora.layers.FrozenBatchNormLayer) {
            return; // the statistics are folded into its configuration
        }
        Map<String, INDArray> target = to.paramTable();
        boolean convToLoRA = to.conf().getLayer() instanceof io.dplora.layers.LoRAConvolutionLayer;
        for (Map.Entry<String, INDArray> e : from.paramTable().entrySet()) {
            INDArray t = target.get(e.getKey());
            if (convToLoRA && "W".equals(e.getKey()) && t != null && e.getValue().rank() == 4) {
                // kernel [C_out, C_in, kH, kW] -> patch weights [C_in kH kW, C_out] (im2col order c, i, j)
                INDArray k = e.getValue();
                t.assign(k.dup('c').reshape('c', k.size(0), k.length() / k.size(0)).transpose());
                continue;
            }
            if (t == null || t.length() != e.getValue().length()
                    || (t.rank() > 1 && !java.util.Arrays.equals(t.shape(), e.getValue().shape()))) {
                throw new IllegalStateException("Cannot copy parameter '" + e.getKey() + "' of layer '" + name
                        + "' into the converted layer");
            }
            t.assign(t.rank() == e.getValue().rank() ? e.getValue() : e.getValue().reshape(t.shape()));
        }
    }

    /** Every parameter that is not trained by a DP layer must have a NoOp updater and no regularisation. */
    static void verifyFrozen(NetworkStructure s, Model net) {
        for (String n : s.layerNames()) {
            org.deeplearning4j.nn.api.Layer impl = s.runtimeLayer(net, n);
            Layer conf = LayerConversions.unwrapFrozen(s.layer(n));
            List<String> trainable = TrainableKeys.trainable(conf);
            TrainingConfig tc = impl.getConfig();
            for (String key : impl.paramTable().keySet()) {
                if (trainable.contains(key)) {
                    continue;
                }
                IUpdater u = tc.getUpdaterByParam(key);
                List<Regularization> reg = tc.getRegularizationByParam(key);
                if ((u != null && !(u instanceof NoOp)) || (reg != null && !reg.isEmpty())) {
                    throw new IllegalStateException("Internal error: parameter '" + key + "' of layer '" + n
                            + "' should be frozen but has updater " + u + " and regularisation " + reg);
                }
            }
        }
    }
}
