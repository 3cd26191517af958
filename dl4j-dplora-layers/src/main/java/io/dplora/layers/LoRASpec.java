package io.dplora.layers;

import org.nd4j.linalg.learning.config.IUpdater;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What {@link LoRA#apply} does to a pretrained network, in the spirit of PEFT's {@code LoraConfig}:
 * <pre>
 *   LoRASpec.builder().targets("dense1", "dense2").rank(8).alpha(16).mode(LoRAMode.VANILLA).trainable("out").build()
 * </pre>
 * <ul>
 *   <li>{@code targets}: the DenseLayers that get a LoRA adapter (none for head-only DP: then give
 *       {@code trainable}), by name ({@link Builder#targets(String...)}) or by a
 *       predicate on layer names ({@link Builder#targets(Predicate)}, like PEFT's {@code target_modules});</li>
 *   <li>{@code rank}, {@code alpha}, {@code mode}, {@code aInit}, {@code loraDropout}: the adapter settings (see
 *       {@link LoRADenseLayer});</li>
 *   <li>{@code trainable}: further layers trained in full with exact per-example gradients (typically a new or
 *       re-used classification head): OutputLayer, RnnOutputLayer and DenseLayer become DPOutputLayer,
 *       DPRnnOutputLayer and DPDenseLayer with their weights kept;</li>
 *   <li>{@code updater}: optional updater for all trainable parameters (default: each layer keeps its own);</li>
 *   <li>{@code seed}: the seed from which the adapters' random A are drawn (default: the pretrained network's own
 *       configuration seed, so every conversion of one network gets the same A unless a seed is given; see
 *       {@link Builder#seed(long)}).</li>
 * </ul>
 * Every other layer is frozen. Privacy: the spec decides which parameters are trained; all of them are supplied with
 * exact per-example gradients, nothing else can change.
 */
public final class LoRASpec {

    private final Set<String> targetNames;
    private final Predicate<String> targetPredicate;
    private final int rank;
    private final double alpha;
    private final LoRAMode mode;
    private final LoRAInit aInit;
    private final double loraDropout;
    private final Set<String> trainable;
    private final IUpdater updater;
    private final Long seed;

    private LoRASpec(Builder b) {
        this.targetNames = Collections.unmodifiableSet(new LinkedHashSet<>(b.targetNames));
        this.targetPredicate = b.targetPredicate;
        this.rank = b.rank;
        this.alpha = b.alpha;
        this.mode = b.mode;
        this.aInit = b.aInit;
        this.loraDropout = b.loraDropout;
        this.trainable = Collections.unmodifiableSet(new LinkedHashSet<>(b.trainable));
        this.updater = b.updater;
        this.seed = b.seed;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** @return the explicitly named targets (empty when a predicate is used) */
    public Set<String> targetNames() {
        return targetNames;
    }

    /** @return the target predicate on layer names, or null when targets are named */
    public Predicate<String> targetPredicate() {
        return targetPredicate;
    }

    public int rank() {
        return rank;
    }

    public double alpha() {
        return alpha;
    }

    public LoRAMode mode() {
        return mode;
    }

    public LoRAInit aInit() {
        return aInit;
    }

    public double loraDropout() {
        return loraDropout;
    }

    public Set<String> trainable() {
        return trainable;
    }

    /** @return the updater for all trainable parameters, or null to keep each layer's own */
    public IUpdater updater() {
        return updater;
    }

    /**
     * @return the seed of the adapters' A, or null to use the pretrained network's configuration seed (see
     *         {@link Builder#seed(long)})
     */
    public Long seed() {
        return seed;
    }

    @Override
    public String toString() {
        return "LoRASpec(targets=" + (targetPredicate != null ? "<predicate>" : targetNames) + ", rank=" + rank
                + ", alpha=" + alpha + ", mode=" + mode + ", aInit=" + aInit + ", loraDropout=" + loraDropout
                + ", trainable=" + trainable + ", updater=" + updater + ", seed=" + (seed == null ? "<network's>" : seed)
                + ")";
    }

    /** Builder; {@link #build()} validates and throws {@link IllegalArgumentException} naming the problem. */
    public static final class Builder {
        private final Set<String> targetNames = new LinkedHashSet<>();
        private Predicate<String> targetPredicate;
        private int rank = 8;
        private double alpha = 16;
        private LoRAMode mode = LoRAMode.VANILLA;
        private LoRAInit aInit = LoRAInit.KAIMING_UNIFORM;
        private double loraDropout;
        private final Set<String> trainable = new LinkedHashSet<>();
        private IUpdater updater;
        private Long seed;

        private Builder() {
        }

        /** @param names names of the DenseLayers to adapt (each must exist and be a DenseLayer) */
        public Builder targets(String... names) {
            for (String n : names) {
                if (n == null || n.isBlank()) {
                    throw new IllegalArgumentException("LoRASpec: target names must not be null or blank");
                }
                targetNames.add(n);
            }
            return this;
        }

        /**
         * @param byName selects target layers by name; every selected layer must be a DenseLayer, and at least one
         *               layer must be selected
         */
        public Builder targets(Predicate<String> byName) {
            if (byName == null) {
                throw new IllegalArgumentException("LoRASpec: target predicate must not be null");
            }
            this.targetPredicate = byName;
            return this;
        }

        /** @param rank adapter rank r &ge; 1 (default 8) */
        public Builder rank(int rank) {
            this.rank = rank;
            return this;
        }

        /** @param alpha LoRA alpha &gt; 0, scale alpha/r (default 16) */
        public Builder alpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        /** @param mode VANILLA (train A and B, default) or FFA (train B only) */
        public Builder mode(LoRAMode mode) {
            this.mode = mode;
            return this;
        }

        /** @param aInit initialisation of A (default Kaiming-uniform) */
        public Builder aInit(LoRAInit aInit) {
            this.aInit = aInit;
            return this;
        }

        /** @param dropProbability dropout probability on the LoRA path (default 0) */
        public Builder loraDropout(double dropProbability) {
            this.loraDropout = dropProbability;
            return this;
        }

        /** @param names layers trained in full (converted to their DP-capable equivalents) */
        public Builder trainable(String... names) {
            for (String n : names) {
                if (n == null || n.isBlank()) {
                    throw new IllegalArgumentException("LoRASpec: trainable layer names must not be null or blank");
                }
                trainable.add(n);
            }
            return this;
        }

        /** @param updater updater for every trainable parameter (default: each layer keeps its own) */
        public Builder updater(IUpdater updater) {
            this.updater = updater;
            return this;
        }

        /**
         * The seed from which {@link LoRA#apply} draws the random initialisation of every adapter's A ({@link LoRAInit};
         * B always starts at zero). {@code apply} seeds ND4J's generator with
         * {@link io.dplora.layers.lora.Nd4jSeeds#forNd4j(long) Nd4jSeeds.forNd4j(seed)} (never 0: ND4J's native
         * generator ignores a seed of 0) through the converted network's configuration, whose initialisation then
         * draws A; the converted configuration carries that derived seed. Equal seeds give equal A on the same network
         * architecture, different seeds different A; any seed, 0 included, is reproducible.
         *
         * <p>Default (no seed given): the pretrained network's configuration seed (a ComputationGraph's default
         * configuration, a MultiLayerNetwork's first layer), passed through the same derivation, so repeated
         * conversions of one network get the same A. Give each run its own seed to vary A between runs.
         *
         * <p>Privacy: A's initialisation is data-independent, so the seed carries no private information; in
         * {@link LoRAMode#FFA} A stays at this random projection.
         *
         * @param seed any long, including 0
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public LoRASpec build() {
            if (targetNames.isEmpty() && targetPredicate == null && trainable.isEmpty()) {
                throw new IllegalArgumentException("LoRASpec: nothing to train; name LoRA targets with "
                        + "targets(String...) or targets(Predicate), and/or layers to train in full (head-only DP) "
                        + "with trainable(String...)");
            }
            if (!targetNames.isEmpty() && targetPredicate != null) {
                throw new IllegalArgumentException("LoRASpec: give targets either by name or by predicate, not both");
            }
            if (rank < 1) {
                throw new IllegalArgumentException("LoRASpec: rank must be >= 1, got " + rank);
            }
            if (!(alpha > 0) || Double.isInfinite(alpha)) {
                throw new IllegalArgumentException("LoRASpec: alpha must be a finite value > 0, got " + alpha);
            }
            if (mode == null || aInit == null) {
                throw new IllegalArgumentException("LoRASpec: mode and aInit must not be null");
            }
            if (!(loraDropout >= 0 && loraDropout < 1)) {
                throw new IllegalArgumentException("LoRASpec: loraDropout is a drop probability in [0, 1), got "
                        + loraDropout);
            }
            for (String t : trainable) {
                if (targetNames.contains(t)) {
                    throw new IllegalArgumentException("LoRASpec: layer '" + t + "' is both a LoRA target and "
                            + "trainable in full; choose one");
                }
            }
            return new LoRASpec(this);
        }
    }
}
