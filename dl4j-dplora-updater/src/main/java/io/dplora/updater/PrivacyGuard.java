package io.dplora.updater;

import io.dplora.layers.PerExampleGradientLayer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.OptimizationAlgorithm;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.List;

/**
 * Checks, before the first DP step, that every way a network's parameters can change goes through the DP step, and
 * explains the fix when one does not. A DP claim is only true if nothing else touches the weights with private data.
 *
 * <p>Refused, each with an {@link IllegalStateException} naming the layer, the parameter and the fix:
 * <ul>
 *   <li>a parameter outside the trainable views of a {@link PerExampleGradientLayer} whose updater is not
 *       {@link NoOp} (it would be trained with the raw, unclipped, un-noised gradient; pitfall 1). Frozen wrappers
 *       ({@code FrozenLayer}, {@code FrozenLayerWithBackprop}) are exempt from this rule only: DL4J zeroes their
 *       gradient;</li>
 *   <li>a parameter outside those views with L1/L2/weight decay: regularisation moves it every step, also inside
 *       {@code FrozenLayerWithBackprop}, which applies the wrapped layer's regularisation (pitfall 13);</li>
 *   <li>gradient normalisation on a DP layer (DL4J applies it to the batch gradient after the DP step, which breaks
 *       the calibration);</li>
 *   <li>BatchNormalization, unless it is wrapped directly in a {@code FrozenLayer} (its running statistics are
 *       data-dependent updates outside the gradient, and in training mode it mixes the examples of a batch, so
 *       per-example gradients are not defined). A {@code FrozenLayer} always runs the wrapped layer in inference
 *       mode (fixed statistics, an affine map per example, no statistics update) and passes no gradient, which is
 *       how {@code LoRA.apply} freezes a pretrained BatchNormalization below every trained layer;</li>
 *   <li>a loss that is not known to be a sum of per-example losses (e.g. {@code LossFMeasure}), and a layer, graph
 *       vertex, input pre-processor or activation that is not known to compute each example from that example alone
 *       (e.g. {@code ReshapeVertex}, SameDiff user layers), anywhere in the network: one example would move the
 *       others' clipped gradients (see {@link ExampleIndependence}; opt in with
 *       {@link io.dplora.layers.PerExampleLoss} / {@link io.dplora.layers.PerExampleComputation});</li>
 *   <li>a model with no trainable DP parameter;</li>
 *   <li>an optimisation algorithm other than stochastic gradient descent (line searches evaluate extra private
 *       gradients per step), truncated BPTT (several updates per batch), and data types other than FLOAT/DOUBLE.</li>
 * </ul>
 */
public final class PrivacyGuard {

    private static final String FIX_TRAINABLE = "Fix: freeze it (NoOp updater, FrozenLayer, or "
            + "TransferLearning.setFeatureExtractor), convert it with LoRA.apply (LoRADenseLayer), or use the DP-capable "
            + "layer (DPOutputLayer / DPDenseLayer / DPRnnOutputLayer, e.g. via LoRASpec.trainable(...)).";

    private PrivacyGuard() {
    }

    /**
     * Validates a ComputationGraph for DP training.
     *
     * @param net an initialised network
     * @throws IllegalStateException naming what cannot be privatised and how to fix it
     */
    public static void check(ComputationGraph net) {
        check(net, net.getUpdater(true).getUpdaterBlocks());
    }

    /**
     * Validates a MultiLayerNetwork for DP training.
     *
     * @param net an initialised network
     * @throws IllegalStateException naming what cannot be privatised and how to fix it
     */
    public static void check(MultiLayerNetwork net) {
        check(net, ((BaseMultiLayerUpdater<?>) net.getUpdater(true)).getUpdaterBlocks());
    }

    /**
     * @return whether {@code l} is a BatchNormalization wrapped directly in a (non-backprop) {@code FrozenLayer}: DL4J
     * then runs it in inference mode only (fixed running statistics, never updated) and stops backprop there.
     */
    private static boolean isInferenceOnlyBatchNorm(Layer l) {
        return l instanceof org.deeplearning4j.nn.layers.FrozenLayer
                && ((org.deeplearning4j.nn.layers.FrozenLayer) l).getInsideLayer()
                instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization;
    }

    /**
     * @param net    the network
     * @param blocks the updater blocks of the updater that will train it
     * @return the parameter layout (which coordinates are privatised)
     */
    static ParameterLayout check(Model net, List<UpdaterBlock> blocks) {
        checkNetworkSettings(net);
        ExampleIndependence.check(net);
        for (Layer l : NetworkLayers.allLayersUnwrapped(net, PrivacyGuard::isInferenceOnlyBatchNorm)) {
            if (l instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                String name = l.getConfig() != null ? l.getConfig().getLayerName() : "layer " + l.getIndex();
                throw new IllegalStateException("BatchNormalization layer '" + name + "' cannot be trained privately: "
                        + "its running mean/variance are data-dependent updates outside the clipped, noised gradient, "
                        + "and in training mode it mixes the examples of a batch. Fix: freeze it in a FrozenLayer with "
                        + "no trained layer below it (LoRA.apply does this), fold it into the preceding layer's weights, "
                        + "or remove it");
            }
        }
        ParameterLayout layout = ParameterLayout.of(blocks);
        for (ParameterLayout.Param p : layout.params()) {
            TrainingConfig conf = p.owner().getConfig();
            Layer layer = NetworkLayers.layerOf(p.owner());
            if (p.privatised()) {
                continue;
            }
            List<Regularization> reg = conf == null ? null : conf.getRegularizationByParam(p.key());
            if (reg != null && !reg.isEmpty()) {
                throw new IllegalStateException("parameter '" + p.key() + "' of layer '" + p.layerName()
                        + "' is not privatised by a per-example gradient layer, but regularisation " + reg
                        + " changes it at every step" + (layer != null && NetworkLayers.isFrozenWrapper(layer)
                        ? " (FrozenLayerWithBackprop applies the wrapped layer's regularisation)" : "")
                        + ". Fix: remove L1/L2/weight decay from frozen layers (e.g. FineTuneConfiguration.Builder()"
                        + ".l2(0).weightDecay(0), or configure them on the DP layers only)");
            }
            if (layer != null && NetworkLayers.isFrozenWrapper(layer)) {
                continue;
            }
            IUpdater u = conf == null ? null : conf.getUpdaterByParam(p.key());
            if (u != null && !(u instanceof NoOp)) {
                throw new IllegalStateException("parameter '" + p.key() + "' of layer '" + p.layerName() + "' ("
                        + (layer != null ? layer.getClass().getSimpleName() : p.owner().getClass().getSimpleName())
                        + ") is trainable (updater " + u.getClass().getSimpleName() + ") but has no exact per-example "
                        + "gradients, so it would be trained with the raw, unclipped and un-noised gradient. "
                        + FIX_TRAINABLE);
            }
        }
        for (ParameterLayout.DPLayer d : layout.dpLayers()) {
            Layer layer = (Layer) d.layer();
            GradientNormalization gn = layer.getConfig() == null ? null : layer.getConfig().getGradientNormalization();
            if (gn != null && gn != GradientNormalization.None) {
                throw new IllegalStateException("DP layer '" + d.name() + "' has gradient normalisation " + gn
                        + ": DL4J would apply it to the batch gradient after the DP step, changing the noise scale the "
                        + "accountant was calibrated for. Per-example clipping is done by the DP step (maxGradNorm). "
                        + "Fix: set gradientNormalization(GradientNormalization.None) on it");
            }
        }
        if (layout.privatisedLength() == 0) {
            throw new IllegalStateException("the model has no trainable DP parameter: no layer provides exact "
                    + "per-example gradients for a trainable parameter, so DP training would change nothing. Fix: "
                    + "convert target layers with LoRA.apply and/or use a DP-capable head (DPOutputLayer)");
        }
        return layout;
    }

    private static void checkNetworkSettings(Model net) {
        OptimizationAlgorithm algo = net.conf() == null ? null : net.conf().getOptimizationAlgo();
        if (algo != null && algo != OptimizationAlgorithm.STOCHASTIC_GRADIENT_DESCENT) {
            throw new IllegalStateException("optimization algorithm " + algo + " is not supported for DP training "
                    + "(line searches evaluate extra private gradients per step). Fix: use "
                    + "OptimizationAlgorithm.STOCHASTIC_GRADIENT_DESCENT (the default) with any IUpdater");
        }
        BackpropType bp;
        DataType dt;
        if (net instanceof ComputationGraph) {
            ComputationGraph cg = (ComputationGraph) net;
            bp = cg.getConfiguration().getBackpropType();
            dt = cg.getConfiguration().getDataType();
        } else if (net instanceof MultiLayerNetwork) {
            MultiLayerNetwork mln = (MultiLayerNetwork) net;
            bp = mln.getLayerWiseConfigurations().getBackpropType();
            dt = mln.getLayerWiseConfigurations().getDataType();
        } else {
            throw new IllegalStateException("unsupported model type " + net.getClass().getName()
                    + ": DP training supports ComputationGraph and MultiLayerNetwork");
        }
        if (bp == BackpropType.TruncatedBPTT) {
            throw new IllegalStateException("truncated BPTT is not supported for DP training (it makes several "
                    + "updates per example sequence, each of which would need its own accounting). Fix: use "
                    + "BackpropType.Standard");
        }
        if (dt != null && dt != DataType.FLOAT && dt != DataType.DOUBLE) {
            throw new IllegalStateException("network data type " + dt + " is not supported for DP training: "
                    + "per-example norms and clipping need FLOAT or DOUBLE precision");
        }
    }
}
