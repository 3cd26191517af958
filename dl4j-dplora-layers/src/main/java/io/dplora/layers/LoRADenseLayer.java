package io.dplora.layers;

import io.dplora.layers.impl.LoRADenseLayerImpl;
import io.dplora.layers.params.LoRAParamInitializer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Objects;

/**
 * Dense layer with a low-rank adapter (LoRA, Hu et al. 2021):
 * <pre>
 *     h = act( x W<sub>0</sub> + b + (alpha / r) (x' A) B )
 * </pre>
 * with the pretrained weight W<sub>0</sub> [nIn, nOut] and bias b [nOut] frozen, A [nIn, r] and B [r, nOut]
 * trainable (in {@link LoRAMode#FFA} A is frozen as well), x' = x or, with {@link Builder#loraDropout(double)}, x with
 * dropout applied on the LoRA path only. B starts at zero, so before training the layer computes exactly the
 * pretrained map. The adapter is stored transposed with respect to the paper because DL4J computes x W.
 *
 * <p>Input: [mb, nIn] or sequences [mb, nIn, T] / [mb, T, nIn] natively, with feature masks.
 *
 * <p>Parameters (keys, in this order in the network's parameter vector): {@code W}, {@code b} (if hasBias),
 * {@code loraA}, {@code loraB}. Frozen parameters have a NoOp updater, no regularisation (whatever is configured
 * globally) and a gradient slice that stays zero.
 *
 * <p>Privacy: the implementation supplies exact per-example gradients of A and B (see
 * {@link PerExampleGradientLayer}); alpha/r is a fixed public constant and scales the gradient of B and of A
 * (through v = (alpha/r) delta B<sup>T</sup>), which a DP step accounts for automatically because it clips the actual
 * per-example gradients.
 */
public class LoRADenseLayer extends BaseDPDenseLayer {

    private int rank;
    private double alpha;
    private LoRAMode mode = LoRAMode.VANILLA;
    private LoRAInit loraInit = LoRAInit.KAIMING_UNIFORM;
    private double loraDropout;

    /** For JSON deserialisation only. */
    public LoRADenseLayer() {
    }

    private LoRADenseLayer(Builder builder) {
        this(builder, builder.rank, builder.alpha, builder.mode, builder.loraInit, builder.loraDropout);
    }

    /** For layers that apply the same adapter to other rows (e.g. {@link LoRAConvolutionLayer}'s patches). */
    protected LoRADenseLayer(BaseDPDenseLayer.Builder<?> builder, int rank, double alpha, LoRAMode mode,
                             LoRAInit loraInit, double loraDropout) {
        super(builder);
        this.rank = rank;
        this.alpha = alpha;
        this.mode = mode;
        this.loraInit = loraInit;
        this.loraDropout = loraDropout;
        initializeConstraints(builder);
    }

    /** @return the LoRA scaling s = alpha / r. */
    public double scaling() {
        return alpha / rank;
    }

    @Override
    public boolean isFrozenParam(String paramKey) {
        return LoRAParamInitializer.WEIGHT_KEY.equals(paramKey) || LoRAParamInitializer.BIAS_KEY.equals(paramKey)
                || (mode == LoRAMode.FFA && LoRAParamInitializer.LORA_A_KEY.equals(paramKey));
    }

    @Override
    public long numTrainableParams() {
        return (mode == LoRAMode.FFA ? 0 : nIn * rank) + (long) rank * nOut;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners,
                                                       int layerIndex, INDArray layerParamsView,
                                                       boolean initializeParams, DataType networkDataType) {
        checkInstantiable("LoRADenseLayer '" + layerName + "'");
        validate("LoRADenseLayer '" + layerName + "'", nIn, nOut, rank, alpha, loraDropout);
        if (getWeightNoise() != null) {
            throw new IllegalArgumentException("LoRADenseLayer '" + layerName + "': weight noise (DropConnect) is not "
                    + "supported; use loraDropout for regularisation of the adapter");
        }
        return LayerInstantiation.wire(new LoRADenseLayerImpl(conf, networkDataType), conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return LoRAParamInitializer.getInstance();
    }

    /**
     * Checks the LoRA options; the rank against min(nIn, nOut) once both are known (nIn may be left to DL4J's
     * inference from the previous layer or the input type, as for a DenseLayer).
     */
    static void validate(String what, long nIn, long nOut, int rank, double alpha, double loraDropout) {
        if (nOut <= 0) {
            throw new IllegalArgumentException(what + ": nOut must be set to a positive value, got " + nOut);
        }
        if (rank < 1) {
            throw new IllegalArgumentException(what + ": rank must be >= 1, got " + rank);
        }
        if (nIn > 0 && rank > Math.min(nIn, nOut)) {
            throw new IllegalArgumentException(what + ": rank must be <= min(nIn, nOut) = " + Math.min(nIn, nOut)
                    + ", got " + rank);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException(what + ": alpha must be a finite value > 0, got " + alpha);
        }
        if (!(loraDropout >= 0 && loraDropout < 1)) {
            throw new IllegalArgumentException(what + ": loraDropout is a drop probability in [0, 1), got "
                    + loraDropout);
        }
    }

    public int getRank() {
        return rank;
    }

    public void setRank(int rank) {
        this.rank = rank;
    }

    public double getAlpha() {
        return alpha;
    }

    public void setAlpha(double alpha) {
        this.alpha = alpha;
    }

    public LoRAMode getMode() {
        return mode;
    }

    public void setMode(LoRAMode mode) {
        this.mode = mode;
    }

    public LoRAInit getLoraInit() {
        return loraInit;
    }

    public void setLoraInit(LoRAInit loraInit) {
        this.loraInit = loraInit;
    }

    public double getLoraDropout() {
        return loraDropout;
    }

    public void setLoraDropout(double loraDropout) {
        this.loraDropout = loraDropout;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof LoRADenseLayer) || !super.equals(o)) {
            return false;
        }
        LoRADenseLayer other = (LoRADenseLayer) o;
        return rank == other.rank && Double.compare(alpha, other.alpha) == 0 && mode == other.mode
                && loraInit == other.loraInit && Double.compare(loraDropout, other.loraDropout) == 0;
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof LoRADenseLayer;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), rank, alpha, mode, loraInit, loraDropout);
    }

    @Override
    public String toString() {
        return "LoRADenseLayer(name=" + layerName + ", nIn=" + nIn + ", nOut=" + nOut + ", rank=" + rank
                + ", alpha=" + alpha + ", mode=" + mode + ", loraInit=" + loraInit + ", loraDropout=" + loraDropout
                + ", hasBias=" + hasBias() + ", activation=" + activationFn + ")";
    }

    /**
     * Builder in the DL4J style: {@code new LoRADenseLayer.Builder().nIn(512).nOut(512).rank(8).alpha(16)
     * .mode(LoRAMode.VANILLA).activation(Activation.RELU).build()}. {@link #build()} validates nIn, nOut, rank and
     * alpha and throws {@link IllegalArgumentException} naming the wrong value.
     */
    public static class Builder extends BaseDPDenseLayer.Builder<Builder> {
        private int rank = 8;
        private double alpha = 16;
        private LoRAMode mode = LoRAMode.VANILLA;
        private LoRAInit loraInit = LoRAInit.KAIMING_UNIFORM;
        private double loraDropout;

        /** @param rank the adapter rank r, 1 <= r <= min(nIn, nOut) (default 8) */
        public Builder rank(int rank) {
            this.rank = rank;
            return this;
        }

        /** @param alpha the LoRA alpha &gt; 0; the adapter output is scaled by alpha / r (default 16) */
        public Builder alpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        /** @param mode {@link LoRAMode#VANILLA} (train A and B, default) or {@link LoRAMode#FFA} (train B only) */
        public Builder mode(LoRAMode mode) {
            if (mode == null) {
                throw new IllegalArgumentException("LoRADenseLayer: mode must not be null");
            }
            this.mode = mode;
            return this;
        }

        /** @param init initialisation of A (default {@link LoRAInit#KAIMING_UNIFORM}, as PEFT) */
        public Builder aInit(LoRAInit init) {
            if (init == null) {
                throw new IllegalArgumentException("LoRADenseLayer: aInit must not be null");
            }
            this.loraInit = init;
            return this;
        }

        /**
         * Dropout on the LoRA path only, as PEFT's {@code lora_dropout}: each input coordinate entering x A is dropped
         * with this <em>probability</em> (note: DL4J's own {@code dropOut(x)} takes a retain probability) and the
         * kept ones are scaled by 1/(1-p). Default 0 (off).
         */
        public Builder loraDropout(double dropProbability) {
            this.loraDropout = dropProbability;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public LoRADenseLayer build() {
            validate("LoRADenseLayer" + (layerName == null ? "" : " '" + layerName + "'"), nIn, nOut, rank, alpha,
                    loraDropout);
            return new LoRADenseLayer(this);
        }
    }
}
