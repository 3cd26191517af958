package io.dplora.updater;

import io.dplora.layers.PerExampleComputation;
import io.dplora.layers.PerExampleLoss;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.AttentionVertex;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.FrozenVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.L2NormalizeVertex;
import org.deeplearning4j.nn.conf.graph.L2Vertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PoolHelperVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;
import org.deeplearning4j.nn.conf.graph.StackVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.graph.UnstackVertex;
import org.deeplearning4j.nn.conf.graph.rnn.DuplicateToTimeSeriesVertex;
import org.deeplearning4j.nn.conf.graph.rnn.LastTimeStepVertex;
import org.deeplearning4j.nn.conf.graph.rnn.ReverseTimeSeriesVertex;
import org.deeplearning4j.nn.conf.layers.*;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping1D;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping2D;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping3D;
import org.deeplearning4j.nn.conf.layers.misc.ElementWiseMultiplicationLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.RepeatVector;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.conf.layers.recurrent.TimeDistributed;
import org.deeplearning4j.nn.conf.layers.util.MaskLayer;
import org.deeplearning4j.nn.conf.layers.util.MaskZeroLayer;
import org.deeplearning4j.nn.conf.layers.variational.VariationalAutoencoder;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.conf.preprocessor.Cnn3DToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.CnnToRnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.ComposableInputPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnn3DPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToRnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.RnnToCnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.RnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossCosineProximity;
import org.nd4j.linalg.lossfunctions.impl.LossHinge;
import org.nd4j.linalg.lossfunctions.impl.LossKLD;
import org.nd4j.linalg.lossfunctions.impl.LossL1;
import org.nd4j.linalg.lossfunctions.impl.LossL2;
import org.nd4j.linalg.lossfunctions.impl.LossMAE;
import org.nd4j.linalg.lossfunctions.impl.LossMAPE;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.lossfunctions.impl.LossMSLE;
import org.nd4j.linalg.lossfunctions.impl.LossMixtureDensity;
import org.nd4j.linalg.lossfunctions.impl.LossMultiLabel;
import org.nd4j.linalg.lossfunctions.impl.LossNegativeLogLikelihood;
import org.nd4j.linalg.lossfunctions.impl.LossPoisson;
import org.nd4j.linalg.lossfunctions.impl.LossSparseMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossSquaredHinge;
import org.nd4j.linalg.lossfunctions.impl.LossWasserstein;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The part of the {@link PrivacyGuard} that checks that a network computes each example's loss, and therefore each
 * example's gradient, from that example alone: DP-SGD clips g<sub>i</sub>, the gradient of example i's own loss, and
 * the sensitivity is C only if g<sub>i</sub> does not change when another example is added to or removed from the
 * batch.
 *
 * <p>Accepted, by exact class (a subclass can change the behaviour, so it must opt in itself):
 * <ul>
 *   <li>losses known to be per-row ({@link #PER_ROW_LOSSES}) and losses implementing {@link PerExampleLoss}; refused:
 *       {@code LossFMeasure} (batch-wide true/false positive counts) and every loss not known to be per-row;</li>
 *   <li>the stock DL4J layers, graph vertices and input pre-processors whose forward pass treats examples
 *       independently ({@link #PER_EXAMPLE_CLASSES}), with their wrapped layers checked too, and any class
 *       implementing {@link PerExampleComputation}. Refused, naming the layer: {@code ReshapeVertex} (a reshape can
 *       move values between examples' rows), {@code TimeDistributed} (DL4J 1.0.0-M2.1 reshapes its masks in another
 *       row order than its activations, so one example's mask is applied to another's steps), SameDiff layers and
 *       vertices (user code), {@code CenterLossOutputLayer} and {@code Yolo2OutputLayer} (not known to be per-row),
 *       and any unknown class. BatchNormalization is left to the guard's own rule (accepted only frozen, in
 *       inference mode). Vertices that only move whole rows (stack, unstack, merge along the minibatch axis) keep
 *       every value within its example and are accepted; a DP layer after them would see more rows than examples,
 *       which the DP step refuses;</li>
 *   <li>activation functions of ND4J's own package (element-wise, or per row like softmax) and those implementing
 *       {@link PerExampleComputation}.</li>
 * </ul>
 */
final class ExampleIndependence {

    /** DL4J losses whose gradient of each row depends on that row only (checked in the 1.0.0-M2.1 sources). */
    static final Set<Class<?>> PER_ROW_LOSSES = Set.of(LossMCXENT.class, LossNegativeLogLikelihood.class,
            LossSparseMCXENT.class, LossBinaryXENT.class, LossMSE.class, LossL2.class, LossL1.class, LossMAE.class,
            LossMAPE.class, LossMSLE.class, LossHinge.class, LossSquaredHinge.class, LossKLD.class, LossPoisson.class,
            LossCosineProximity.class, LossWasserstein.class, LossMultiLabel.class, LossMixtureDensity.class);

    /** Stock DL4J layer, vertex and pre-processor configurations that treat every example on its own. */
    static final Set<Class<?>> PER_EXAMPLE_CLASSES = Set.of(
            // layers
            ActivationLayer.class, AutoEncoder.class, CapsuleLayer.class, CapsuleStrengthLayer.class,
            PrimaryCapsules.class, Cnn3DLossLayer.class, CnnLossLayer.class, Convolution1D.class,
            Convolution1DLayer.class, Convolution2D.class, Convolution3D.class, ConvolutionLayer.class,
            Deconvolution2D.class, Deconvolution3D.class, DenseLayer.class, DepthwiseConvolution2D.class,
            DropoutLayer.class, EmbeddingLayer.class, EmbeddingSequenceLayer.class, GlobalPoolingLayer.class,
            GravesBidirectionalLSTM.class, GravesLSTM.class, LSTM.class, LearnedSelfAttentionLayer.class,
            LocalResponseNormalization.class, LocallyConnected1D.class, LocallyConnected2D.class, LossLayer.class,
            OutputLayer.class, PReLULayer.class, Pooling1D.class, Pooling2D.class, RecurrentAttentionLayer.class,
            RnnLossLayer.class, RnnOutputLayer.class, SelfAttentionLayer.class, SeparableConvolution2D.class,
            SpaceToBatchLayer.class, SpaceToDepthLayer.class, Subsampling1DLayer.class, Subsampling3DLayer.class,
            SubsamplingLayer.class, Upsampling1D.class, Upsampling2D.class, Upsampling3D.class,
            ZeroPadding1DLayer.class, ZeroPadding3DLayer.class, ZeroPaddingLayer.class, Cropping1D.class,
            Cropping2D.class, Cropping3D.class, ElementWiseMultiplicationLayer.class, RepeatVector.class,
            SimpleRnn.class, MaskLayer.class, VariationalAutoencoder.class, BatchNormalization.class,
            // wrappers (their wrapped layers are checked as well)
            FrozenLayer.class, org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop.class,
            Bidirectional.class, LastTimeStep.class, MaskZeroLayer.class,
            // vertices
            ElementWiseVertex.class, L2NormalizeVertex.class, L2Vertex.class, LayerVertex.class, MergeVertex.class,
            PoolHelperVertex.class, PreprocessorVertex.class, ScaleVertex.class, ShiftVertex.class,
            StackVertex.class, SubsetVertex.class, UnstackVertex.class, DuplicateToTimeSeriesVertex.class,
            LastTimeStepVertex.class, ReverseTimeSeriesVertex.class, FrozenVertex.class, AttentionVertex.class,
            // input pre-processors
            CnnToFeedForwardPreProcessor.class, Cnn3DToFeedForwardPreProcessor.class, CnnToRnnPreProcessor.class,
            ComposableInputPreProcessor.class, FeedForwardToCnnPreProcessor.class,
            FeedForwardToCnn3DPreProcessor.class, FeedForwardToRnnPreProcessor.class, RnnToCnnPreProcessor.class,
            RnnToFeedForwardPreProcessor.class);

    private static final String ACTIVATION_PACKAGE = "org.nd4j.linalg.activations.impl.";

    private ExampleIndependence() {
    }

    /**
     * @param net a ComputationGraph or MultiLayerNetwork
     * @throws IllegalStateException naming the first layer, vertex, pre-processor, activation or loss that is not
     *                               known to treat examples independently, and the fix
     */
    static void check(Model net) {
        if (net instanceof ComputationGraph) {
            ComputationGraphConfiguration conf = ((ComputationGraph) net).getConfiguration();
            for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
                checkVertex(e.getKey(), e.getValue());
            }
        } else if (net instanceof MultiLayerNetwork) {
            MultiLayerConfiguration conf = ((MultiLayerNetwork) net).getLayerWiseConfigurations();
            List<NeuralNetConfiguration> confs = conf.getConfs();
            for (int i = 0; i < confs.size(); i++) {
                Layer layer = confs.get(i).getLayer();
                String name = layer.getLayerName() != null ? layer.getLayerName() : "layer" + i;
                checkLayer(name, layer);
                InputPreProcessor p = conf.getInputPreProcess(i);
                if (p != null) {
                    checkPreProcessor(name, p);
                }
            }
        }
    }

    private static void checkVertex(String name, GraphVertex v) {
        if (v instanceof LayerVertex) {
            LayerVertex lv = (LayerVertex) v;
            checkLayer(name, lv.getLayerConf().getLayer());
            if (lv.getPreProcessor() != null) {
                checkPreProcessor(name, lv.getPreProcessor());
            }
            return;
        }
        requireKnown(name, "graph vertex", v);
        if (v instanceof FrozenVertex) {
            checkVertex(name, ((FrozenVertex) v).getUnderlying());
        } else if (v instanceof PreprocessorVertex) {
            checkPreProcessor(name, ((PreprocessorVertex) v).getPreProcessor());
        }
    }

    private static void checkLayer(String name, Layer layer) {
        if (layer instanceof TimeDistributed) {
            throw refusal(name, "layer", layer, "DL4J 1.0.0-M2.1's TimeDistributed reshapes its feature mask in "
                    + "another row order than its activations, so one example's mask is applied to another example's "
                    + "time steps. Fix: use a layer that takes sequences natively (LoRADenseLayer, DPDenseLayer, "
                    + "Convolution1D with kernel 1) or an RnnToFeedForward pre-processor");
        }
        requireKnown(name, "layer", layer);
        if (layer instanceof FrozenLayer) {
            checkLayer(name, ((FrozenLayer) layer).getLayer());
        } else if (layer instanceof BaseWrapperLayer) {
            checkLayer(name, ((BaseWrapperLayer) layer).getUnderlying());
        } else if (layer instanceof Bidirectional) {
            checkLayer(name, ((Bidirectional) layer).getFwd());
            checkLayer(name, ((Bidirectional) layer).getBwd());
        }
        IActivation activation = activationOf(layer);
        if (activation != null && !activation.getClass().getName().startsWith(ACTIVATION_PACKAGE)
                && !(activation instanceof PerExampleComputation)) {
            throw refusal(name, "activation function", activation, "a custom activation may combine the values of "
                    + "different examples. Fix: use an ND4J activation, or implement "
                    + PerExampleComputation.class.getName() + " if it acts on each example alone");
        }
        ILossFunction loss = lossOf(layer);
        if (loss != null && !PER_ROW_LOSSES.contains(loss.getClass()) && !(loss instanceof PerExampleLoss)) {
            throw new IllegalStateException("layer '" + name + "' (" + layer.getClass().getSimpleName() + ") uses loss "
                    + loss.getClass().getName() + ", which is not known to be a sum of independent per-example "
                    + "losses: "
                    + (loss.getClass().getSimpleName().equals("LossFMeasure")
                    ? "LossFMeasure builds every row's gradient from the batch's true/false positive counts, so one "
                    + "example moves all the others' clipped gradients and the sensitivity is not C. "
                    : "its gradient for one example may depend on the other examples of the batch. ")
                    + "Fix: use a per-example loss (e.g. MCXENT, binary cross-entropy, MSE), or implement "
                    + PerExampleLoss.class.getName() + " on your own loss if its gradient for each row depends on "
                    + "that row only");
        }
    }

    private static void checkPreProcessor(String name, InputPreProcessor p) {
        requireKnown(name, "input pre-processor", p);
        if (p instanceof ComposableInputPreProcessor) {
            for (InputPreProcessor inner : ((ComposableInputPreProcessor) p).getInputPreProcessors()) {
                checkPreProcessor(name, inner);
            }
        }
    }

    private static void requireKnown(String name, String kind, Object o) {
        if (o instanceof PerExampleComputation || PER_EXAMPLE_CLASSES.contains(o.getClass())) {
            return;
        }
        String why = o.getClass().getSimpleName().equals("ReshapeVertex")
                ? "a reshape can move values of one example into the rows of another"
                : o.getClass().getSimpleName().startsWith("SameDiff")
                ? "its computation is user code that may combine the examples of a batch"
                : "it is not known to compute each example from that example alone";
        throw refusal(name, kind, o, why + ". Fix: replace it, or implement " + PerExampleComputation.class.getName()
                + " on it if its forward and backward pass treat each example independently (masks included)");
    }

    private static IllegalStateException refusal(String name, String kind, Object o, String why) {
        return new IllegalStateException(kind + " '" + name + "' (" + o.getClass().getName() + ") cannot be trained "
                + "privately: " + why);
    }

    private static IActivation activationOf(Layer layer) {
        if (layer instanceof BaseLayer) {
            return ((BaseLayer) layer).getActivationFn();
        }
        if (layer instanceof ActivationLayer) {
            return ((ActivationLayer) layer).getActivationFn();
        }
        return null;
    }

    private static ILossFunction lossOf(Layer layer) {
        if (layer instanceof BaseOutputLayer) {
            return ((BaseOutputLayer) layer).getLossFn();
        }
        if (layer instanceof LossLayer) {
            return ((LossLayer) layer).getLossFn();
        }
        if (layer instanceof RnnLossLayer) {
            return ((RnnLossLayer) layer).getLossFn();
        }
        if (layer instanceof CnnLossLayer) {
            return ((CnnLossLayer) layer).getLossFn();
        }
        if (layer instanceof Cnn3DLossLayer) {
            return ((Cnn3DLossLayer) layer).getLossFn();
        }
        return null;
    }
}
