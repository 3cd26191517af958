package io.dplora.layers.lora;

import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import io.dplora.layers.LoRAConvolutionLayer;
import io.dplora.layers.BaseDPDenseLayer;
import io.dplora.layers.BaseDPOutputLayer;
import io.dplora.layers.DPDenseLayer;
import io.dplora.layers.DPOutputLayer;
import io.dplora.layers.DPRnnOutputLayer;
import io.dplora.layers.LoRADenseLayer;
import io.dplora.layers.LoRASpec;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import io.dplora.layers.FastGlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.ArrayList;

/**
 * Configuration-level conversions between DL4J layers and the layers of this library: LoRA targets, DP-capable
 * trainable layers, safely frozen layers, and back to stock DL4J layers for merging.
 */
final class LayerConversions {

    private LayerConversions() {
    }

    /** @return the layer inside DL4J's frozen wrappers (or the layer itself) */
    static Layer unwrapFrozen(Layer l) {
        if (l instanceof FrozenLayer) {
            return unwrapFrozen(((FrozenLayer) l).getLayer());
        }
        if (l instanceof FrozenLayerWithBackprop) {
            return unwrapFrozen(((FrozenLayerWithBackprop) l).getUnderlying());
        }
        return l;
    }

    static long numParams(Layer l) {
        return l.initializer().numParams(l);
    }

    /**
     * @return whether the layer is DL4J's DenseLayer (or a user's subclass of it), not one of this library's dense
     * layers (which extend DenseLayer so that DL4J infers nIn after them)
     */
    static boolean isStockDense(Layer l) {
        return l instanceof DenseLayer && !(l instanceof BaseDPDenseLayer);
    }

    /** @return whether the layer is a plain 2D ConvolutionLayer (not a subclass: depthwise, 1D, 3D, ...) */
    static boolean isPlainConvolution(Layer l) {
        return l != null && l.getClass() == ConvolutionLayer.class;
    }

    /**
     * A DenseLayer as a LoRADenseLayer, or a 2D ConvolutionLayer as a LoRAConvolutionLayer, carrying its (to be
     * copied) W and b frozen.
     */
    static LoRADenseLayer toLoRA(Layer layer, LoRASpec spec, String name, RNNFormat sequenceFormat) {
        Layer l = unwrapFrozen(layer);
        if (isPlainConvolution(l)) {
            ConvolutionLayer c = (ConvolutionLayer) l;
            LoRAConvolutionLayer lora = new LoRAConvolutionLayer.Builder(c.getKernelSize()).name(name)
                    .stride(c.getStride()).padding(c.getPadding()).dilation(c.getDilation())
                    .convolutionMode(c.getConvolutionMode() == null ? ConvolutionMode.Truncate
                            : c.getConvolutionMode())
                    .dataFormat(c.getCnn2dDataFormat() == null ? CNN2DFormat.NCHW : c.getCnn2dDataFormat())
                    .nIn(c.getNIn()).nOut(c.getNOut()).rank(spec.rank()).alpha(spec.alpha()).mode(spec.mode())
                    .aInit(spec.aInit()).hasBias(c.hasBias()).build();
            if (spec.loraDropout() != 0) {
                throw new IllegalArgumentException("LoRA target '" + name + "' is a convolution: loraDropout is "
                        + "supported on dense targets only");
            }
            TrainingSettings.copy(c, lora, spec.updater());
            lora.setGradientNormalization(GradientNormalization.None);
            return lora;
        }
        if (l instanceof DPDenseLayer) {
            // this library's sequence-native dense layers (e.g. the projections of an imported transformer)
            DPDenseLayer d = (DPDenseLayer) l;
            LoRADenseLayer lora = new LoRADenseLayer.Builder().name(name).nIn(d.getNIn()).nOut(d.getNOut())
                    .rank(spec.rank()).alpha(spec.alpha()).mode(spec.mode()).aInit(spec.aInit())
                    .loraDropout(spec.loraDropout()).hasBias(d.hasBias())
                    .dataFormat(sequenceFormat != null ? sequenceFormat : d.getRnnDataFormat()).build();
            TrainingSettings.copy(d, lora, spec.updater());
            requireUpdater(lora, name);
            lora.setGradientNormalization(GradientNormalization.None);
            return lora;
        }
        if (!isStockDense(l)) {
            throw new IllegalArgumentException("LoRA target '" + name + "' is a " + l.getClass().getSimpleName()
                    + ", not a DenseLayer or a 2D ConvolutionLayer");
        }
        DenseLayer d = (DenseLayer) l;
        if (d.hasLayerNorm()) {
            throw new IllegalArgumentException("LoRA target '" + name + "' uses layer normalisation, which "
                    + "LoRADenseLayer does not support");
        }
        LoRADenseLayer lora = new LoRADenseLayer.Builder().name(name).nIn(d.getNIn()).nOut(d.getNOut())
                .rank(spec.rank()).alpha(spec.alpha()).mode(spec.mode()).aInit(spec.aInit())
                .loraDropout(spec.loraDropout()).hasBias(d.hasBias()).dataFormat(sequenceFormat).build();
        TrainingSettings.copy(d, lora, spec.updater());
        lora.setGradientNormalization(GradientNormalization.None);
        return lora;
    }

    /** A layer listed as trainable, as its DP-capable equivalent with the same parameters. */
    static Layer toTrainable(Layer layer, LoRASpec spec, String name, RNNFormat sequenceFormat) {
        Layer l = unwrapFrozen(layer);
        Layer out;
        if (l instanceof BaseDPOutputLayer) {
            BaseDPOutputLayer dp = (BaseDPOutputLayer) l.clone();
            dp.setTrainable(true);
            out = dp;
        } else if (l instanceof io.dplora.layers.FrozenDenseLayer) {
            DPDenseLayer f = (DPDenseLayer) l;
            DPDenseLayer dp = new DPDenseLayer.Builder().name(name).nIn(f.getNIn()).nOut(f.getNOut())
                    .hasBias(f.hasBias()).dataFormat(sequenceFormat != null ? sequenceFormat : f.getRnnDataFormat())
                    .build();
            TrainingSettings.copy(f, dp, null);
            if (spec.updater() == null) {
                requireUpdater(dp, name);
            }
            out = dp;
        } else if (l instanceof DPDenseLayer) {
            DPDenseLayer dp = (DPDenseLayer) l.clone();
            if (sequenceFormat != null) {
                dp.setRnnDataFormat(sequenceFormat);
            }
            out = dp;
        } else if (l instanceof io.dplora.layers.DPEmbeddingSequenceLayer
                || l instanceof io.dplora.layers.DPEmbeddingLayer) {
            out = l.clone();
        } else if (l.getClass() == org.deeplearning4j.nn.conf.layers.EmbeddingLayer.class) {
            out = io.dplora.layers.DPEmbeddingLayer.of((org.deeplearning4j.nn.conf.layers.EmbeddingLayer) l);
        } else if (l.getClass() == org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer.class) {
            out = io.dplora.layers.DPEmbeddingSequenceLayer.of(
                    (org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer) l);
        } else if (l.getClass() == OutputLayer.class) {
            out = toDPOutput((OutputLayer) l, true);
        } else if (l.getClass() == RnnOutputLayer.class) {
            out = toDPRnnOutput((RnnOutputLayer) l, true);
        } else if (l.getClass() == DenseLayer.class && !((DenseLayer) l).hasLayerNorm()) {
            DenseLayer d = (DenseLayer) l;
            DPDenseLayer dp = new DPDenseLayer.Builder().name(name).nIn(d.getNIn()).nOut(d.getNOut())
                    .hasBias(d.hasBias()).dataFormat(sequenceFormat).build();
            TrainingSettings.copy(d, dp, null);
            dp.setWeightNoise(d.getWeightNoise());
            dp.setConstraints(d.getConstraints());
            out = dp;
        } else {
            throw new IllegalArgumentException("Layer '" + name + "' (" + l.getClass().getSimpleName() + ") cannot "
                    + "be trained with exact per-example gradients; supported as trainable: OutputLayer, "
                    + "RnnOutputLayer, DenseLayer (without layer norm), EmbeddingSequenceLayer, "
                    + "EmbeddingLayer and this library's DP layers");
        }
        if (spec.updater() != null) {
            ((BaseLayer) out).setIUpdater(spec.updater().clone());
            ((BaseLayer) out).setBiasUpdater(null);
        }
        // DL4J would apply gradient normalisation to the batch gradient after the DP step, changing the calibrated
        // noise scale; per-example clipping replaces it
        ((BaseLayer) out).setGradientNormalization(GradientNormalization.None);
        out.setLayerName(name);
        return out;
    }

    /**
     * A layer that is not trained: parameters can never move (NoOp updaters, no regularisation, zero gradient) and,
     * when {@code needsBackprop}, the error signal still flows through it to trainable layers below.
     */
    static Layer freeze(Layer layer, String name, boolean needsBackprop) {
        if (layer.getClass() == GlobalPoolingLayer.class) {
            // same configuration and results; its sequence AVG/SUM pooling is about 10x faster (no parameters)
            return FastGlobalPoolingLayer.of((GlobalPoolingLayer) layer);
        }
        Layer l = unwrapFrozen(layer);
        if (numParams(l) == 0 || layer instanceof io.dplora.layers.FrozenParameters) {
            return layer;
        }
        if (l instanceof BaseOutputLayer) {
            BaseDPOutputLayer head;
            if (l instanceof BaseDPOutputLayer) {
                head = (BaseDPOutputLayer) l.clone();
                head.setTrainable(false);
            } else if (l.getClass() == OutputLayer.class) {
                head = toDPOutput((OutputLayer) l, false);
            } else if (l.getClass() == RnnOutputLayer.class) {
                head = toDPRnnOutput((RnnOutputLayer) l, false);
            } else {
                throw new IllegalArgumentException("Output layer '" + name + "' (" + l.getClass().getSimpleName()
                        + ") cannot be frozen safely; list it as trainable if it is an OutputLayer/RnnOutputLayer, or "
                        + "replace it by one");
            }
            head.setIDropout(null);
            head.setConstraints(null);
            head.setLayerName(name);
            return head;
        }
        if (l instanceof BaseDPDenseLayer) {
            BaseDPDenseLayer dp = (BaseDPDenseLayer) l;
            if (dp.getRnnDataFormat() != null && dp instanceof DPDenseLayer) {
                // DL4J's DenseLayer cannot take sequences natively: the sequence-native frozen dense layer
                io.dplora.layers.FrozenDenseLayer f = new io.dplora.layers.FrozenDenseLayer.Builder().name(name)
                        .nIn(dp.getNIn()).nOut(dp.getNOut()).hasBias(dp.hasBias()).dataFormat(dp.getRnnDataFormat())
                        .activation(dp.getActivationFn()).build();
                f.setIUpdater(new NoOp());
                f.setBiasUpdater(new NoOp());
                return f;
            }
            if (dp.getRnnDataFormat() != null) {
                throw new IllegalArgumentException("Layer '" + name + "' is a " + l.getClass().getSimpleName()
                        + " on sequences; list it as trainable or merge it before freezing it");
            }
            l = toDense(dp);
        }
        if (needsBackprop && l instanceof BatchNormalization) {
            throw new IllegalArgumentException("BatchNormalization layer '" + name + "' lies above a trainable layer: "
                    + "DL4J's frozen wrapper runs it in inference mode but its backward pass assumes batch statistics, "
                    + "so gradients below it would be wrong. Fold it into the neighbouring weights, or make all "
                    + "layers below it frozen");
        }
        Layer inner = l.clone();
        strip(inner, name);
        inner.setLayerName(name);
        Layer frozen = needsBackprop ? new FrozenLayerWithBackprop(inner) : new FrozenLayer(inner);
        frozen.setLayerName(name);
        return frozen;
    }

    /** A pretrained layer frozen by construction carries no usable updater: the trained copy needs one. */
    private static void requireUpdater(BaseLayer trained, String name) {
        if (trained.getIUpdater() == null || trained.getIUpdater() instanceof NoOp) {
            throw new IllegalArgumentException("Layer '" + name + "' is a frozen pretrained layer with no updater "
                    + "to train it: give one with LoRASpec.Builder.updater(...)");
        }
    }

    /** Removes everything that could move a parameter or make the frozen forward/backward inconsistent. */
    private static void strip(Layer l, String name) {
        if (l instanceof BaseLayer) {
            BaseLayer b = (BaseLayer) l;
            b.setIUpdater(new NoOp());
            b.setBiasUpdater(new NoOp());
            b.setRegularization(new ArrayList<>());
            b.setRegularizationBias(new ArrayList<>());
            b.setWeightNoise(null);
            b.setGradientNormalization(GradientNormalization.None);
        } else if (l instanceof AbstractSameDiffLayer) {
            AbstractSameDiffLayer s = (AbstractSameDiffLayer) l;
            s.setUpdater(new NoOp());
            s.setBiasUpdater(new NoOp());
            s.setRegularization(new ArrayList<>());
            s.setRegularizationBias(new ArrayList<>());
            s.setGradientNormalization(GradientNormalization.None);
        } else if (l instanceof Bidirectional) {
            strip(((Bidirectional) l).getFwd(), name);
            strip(((Bidirectional) l).getBwd(), name);
        } else if (l instanceof BaseWrapperLayer) {
            strip(((BaseWrapperLayer) l).getUnderlying(), name);
        } else if (numParams(l) > 0) {
            throw new IllegalArgumentException("Layer '" + name + "' (" + l.getClass().getSimpleName() + ") has "
                    + "parameters but no known way to freeze it safely");
        }
        // dropout would be applied in the backward pass only (DL4J's frozen wrappers run the forward pass in
        // inference mode), giving wrong gradients below
        l.setIDropout(null);
        l.setConstraints(null);
    }

    /** The stock DL4J layer equivalent to one of this library's layers, for merging; null when there is none. */
    static Layer toStock(Layer l) {
        if (l instanceof FastGlobalPoolingLayer) {
            return ((FastGlobalPoolingLayer) l).toStock();
        }
        if (l instanceof LoRAConvolutionLayer) {
            LoRAConvolutionLayer c = (LoRAConvolutionLayer) l;
            ConvolutionLayer conv = new ConvolutionLayer.Builder(c.getKernelSize()).name(c.getLayerName())
                    .stride(c.getStride()).padding(c.getPadding()).dilation(c.getDilation())
                    .convolutionMode(c.getConvolutionMode()).dataFormat(c.getCnn2dDataFormat())
                    .nIn(c.getInChannels()).nOut(c.getNOut()).hasBias(c.hasBias()).build();
            TrainingSettings.copy(c, conv, null);
            return conv;
        }
        if (l instanceof LoRADenseLayer || l instanceof DPDenseLayer) {
            BaseDPDenseLayer dp = (BaseDPDenseLayer) l;
            if (dp.getRnnDataFormat() != null) {
                // DL4J's DenseLayer cannot take sequences natively: keep a plain full-rank dense of this library
                DPDenseLayer dense = new DPDenseLayer.Builder().name(dp.getLayerName()).nIn(dp.getNIn())
                        .nOut(dp.getNOut()).hasBias(dp.hasBias()).dataFormat(dp.getRnnDataFormat()).build();
                TrainingSettings.copy(dp, dense, null);
                return dense;
            }
            return toDense(dp);
        }
        if (l instanceof DPOutputLayer) {
            DPOutputLayer dp = (DPOutputLayer) l;
            OutputLayer out = new OutputLayer.Builder(dp.getLossFn()).name(dp.getLayerName()).nIn(dp.getNIn())
                    .nOut(dp.getNOut()).hasBias(dp.hasBias()).build();
            TrainingSettings.copy(dp, out, null);
            out.setWeightNoise(dp.getWeightNoise());
            return out;
        }
        if (l instanceof DPRnnOutputLayer) {
            DPRnnOutputLayer dp = (DPRnnOutputLayer) l;
            RnnOutputLayer out = new RnnOutputLayer.Builder(dp.getLossFn()).name(dp.getLayerName()).nIn(dp.getNIn())
                    .nOut(dp.getNOut()).hasBias(dp.hasBias()).dataFormat(dp.getRnnDataFormat()).build();
            TrainingSettings.copy(dp, out, null);
            out.setWeightNoise(dp.getWeightNoise());
            return out;
        }
        return null;
    }

    private static DenseLayer toDense(BaseDPDenseLayer dp) {
        DenseLayer d = new DenseLayer.Builder().name(dp.getLayerName()).nIn(dp.getNIn()).nOut(dp.getNOut())
                .hasBias(dp.hasBias()).build();
        TrainingSettings.copy(dp, d, null);
        return d;
    }

    private static DPOutputLayer toDPOutput(OutputLayer o, boolean trainable) {
        DPOutputLayer dp = new DPOutputLayer.Builder(o.getLossFn()).name(o.getLayerName()).nIn(o.getNIn())
                .nOut(o.getNOut()).hasBias(o.hasBias()).trainable(trainable).build();
        TrainingSettings.copy(o, dp, null);
        dp.setWeightNoise(o.getWeightNoise());
        dp.setConstraints(o.getConstraints());
        return dp;
    }

    private static DPRnnOutputLayer toDPRnnOutput(RnnOutputLayer o, boolean trainable) {
        DPRnnOutputLayer dp = new DPRnnOutputLayer.Builder(o.getLossFn()).name(o.getLayerName()).nIn(o.getNIn())
                .nOut(o.getNOut()).hasBias(o.hasBias()).dataFormat(o.getRnnDataFormat()).trainable(trainable).build();
        TrainingSettings.copy(o, dp, null);
        dp.setWeightNoise(o.getWeightNoise());
        dp.setConstraints(o.getConstraints());
        return dp;
    }
}
