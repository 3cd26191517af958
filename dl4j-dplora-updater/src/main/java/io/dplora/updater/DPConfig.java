package io.dplora.updater;

import io.dplora.accounting.AccountantType;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The settings of one differentially private training run (DP-SGD with Poisson sampling), immutable and validated
 * at {@link Builder#build()}.
 *
 * <p>The step it configures, for a logical batch S drawn with rate q = E/N:
 * <pre>
 *   c_i  = min(1, C / ||g_i||)                 (0 when ||g_i|| is not finite)
 *   g^   = ( sum_{i in S} c_i g_i + N(0, sigma^2 C^2 I) ) / E
 * </pre>
 * and the network's configured optimiser consumes g^. Privacy: each logical step is one Poisson-subsampled Gaussian
 * mechanism with noise multiplier sigma and rate q; the accountant composes exactly those events.
 *
 * <p>Settings (each validated; an {@link IllegalArgumentException} names the setting):
 * <ul>
 *   <li>{@code targetEpsilon} <em>or</em> {@code noiseMultiplier} (exactly one). With a target, sigma is calibrated
 *       once so that the planned number of steps spends at most the target; training stops before a step that would
 *       exceed it. With a fixed sigma, {@code epsilonBudget} optionally sets such a hard stop.</li>
 *   <li>{@code delta}: the delta of the (epsilon, delta) guarantee, in (0, 1), required. A warning is logged when
 *       delta &ge; 1/N (such a delta allows leaking one whole example).</li>
 *   <li>{@code maxGradNorm} C &gt; 0: the L2 bound on each example's contribution (its sensitivity).</li>
 *   <li>{@code expectedBatchSize} E: the expected logical batch size. It is a <em>public</em> constant: the noisy sum
 *       is always divided by E, never by the realised (private) batch size.</li>
 *   <li>{@code datasetSize} N: the number of training examples, treated as public (q = E/N). Optional: when not
 *       given it is taken from the training source.</li>
 *   <li>{@code epochs} <em>or</em> {@code steps} (exactly one): the plan. One epoch is N/E logical steps in
 *       expectation; {@code steps = ceil(epochs * N / E)}.</li>
 *   <li>{@code accountant}: {@link AccountantType#PLD} (default: privacy loss distributions, the tighter accountant,
 *       so the calibrated noise is smaller for the same epsilon, typically 5-10% on DP-SGD workloads; its
 *       discretisation is pessimistic) or {@link AccountantType#RDP} (Renyi DP: a valid but looser bound, and
 *       cheaper to evaluate). The same accountant calibrates sigma, sets the step limit and reports epsilon.</li>
 *   <li>{@code clipping}: {@link ClippingMode#FLAT} (default) or {@link ClippingMode#PER_LAYER}, with optional
 *       {@code perLayerClipWeights} (C<sub>l</sub><sup>2</sup> = C<sup>2</sup> w<sub>l</sub> / &Sigma;w).</li>
 *   <li>{@code maxPhysicalBatchSize}: the largest micro-batch pushed through the network at once (virtual batches);
 *       it changes memory use, never the result or the privacy.</li>
 *   <li>{@code seed}: opt-in, for reproducible experiments only. By default (no seed) the Poisson sampling and the
 *       noise are drawn from {@link java.security.SecureRandom}. A seeded run draws both from a generator derived from
 *       the seed and the run's privacy settings; it is private only while the seed stays secret, and two runs with the
 *       same seed and settings share their noise, so a seeded run logs a warning and its ledger is marked
 *       {@code seeded} (not for release). ({@code secureRandom(true)} states the default explicitly and cannot be
 *       combined with a seed.)</li>
 *   <li>{@code sampling}: how the Poisson decisions are drawn, both exact Poisson sampling at rate q (the privacy
 *       and the accounting do not depend on it): {@link SamplingScheme#KEYED} (each decision a keyed AES function of
 *       (step, example index) with a 256-bit key from SecureRandom: any machine holding the key decides for its own
 *       examples, in any order, 5-10x faster than drawing SecureRandom doubles; what a distributed run uses) or
 *       {@link SamplingScheme#SEQUENTIAL} (one draw per example from the run's sampling stream, in index order).
 *       Default: KEYED for an unseeded run, SEQUENTIAL for a seeded experiment (which so reproduces the runs made
 *       before KEYED existed); set it to choose either explicitly.</li>
 *   <li>{@code allowBudgetIncrease}: when resuming a run, a privacy budget (target epsilon or epsilon budget) larger
 *       than the one the run's ledger records is refused unless this is set: raising the budget is a new privacy
 *       decision, logged as such.</li>
 *   <li>{@code maxDroppedFraction}: examples whose gradient norm is not finite are dropped (clip factor 0); when more
 *       than this fraction of the examples seen so far (after at least {@value #DROP_CHECK_MIN_EXAMPLES}) were dropped,
 *       training stops with an error instead of spending the budget on noise-only steps (default 0.1). The decision
 *       depends on private data and, like the dropped-example counter, is not covered by the guarantee.</li>
 *   <li>{@code reportEvery}: the {@link PrivacyBudgetListener} reports epsilon every this many logical steps.</li>
 * </ul>
 */
public final class DPConfig {

    private static final Logger log = LoggerFactory.getLogger(DPConfig.class);

    private final Double targetEpsilon;
    private final Double noiseMultiplier;
    private final Double epsilonBudget;
    private final double delta;
    private final double maxGradNorm;
    private final int expectedBatchSize;
    private final Integer datasetSize;
    private final Double epochs;
    private final Long steps;
    private final AccountantType accountant;
    private final ClippingMode clipping;
    private final Map<String, Double> perLayerClipWeights;
    private final int maxPhysicalBatchSize;
    private final boolean secureRandom;
    private final SamplingScheme sampling;
    private final Long seed;
    private final int reportEvery;
    private final boolean allowBudgetIncrease;
    private final double maxDroppedFraction;

    /** Examples that must have been seen before {@code maxDroppedFraction} can stop a run. */
    public static final int DROP_CHECK_MIN_EXAMPLES = 50;

    private DPConfig(Builder b) {
        this.targetEpsilon = b.targetEpsilon;
        this.noiseMultiplier = b.noiseMultiplier;
        this.epsilonBudget = b.epsilonBudget;
        this.delta = b.delta;
        this.maxGradNorm = b.maxGradNorm;
        this.expectedBatchSize = b.expectedBatchSize;
        this.datasetSize = b.datasetSize;
        this.epochs = b.epochs;
        this.steps = b.steps;
        this.accountant = b.accountant;
        this.clipping = b.clipping;
        this.perLayerClipWeights = Collections.unmodifiableMap(new LinkedHashMap<>(b.perLayerClipWeights));
        this.maxPhysicalBatchSize = b.maxPhysicalBatchSize;
        this.secureRandom = b.secureRandom;
        this.sampling = b.sampling;
        this.seed = b.seed;
        this.reportEvery = b.reportEvery;
        this.allowBudgetIncrease = b.allowBudgetIncrease;
        this.maxDroppedFraction = b.maxDroppedFraction;
    }

    /** @return a new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding a copy of these settings (to change a few of them). */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.targetEpsilon = targetEpsilon;
        b.noiseMultiplier = noiseMultiplier;
        b.epsilonBudget = epsilonBudget;
        b.delta = delta;
        b.maxGradNorm = maxGradNorm;
        b.expectedBatchSize = expectedBatchSize;
        b.datasetSize = datasetSize;
        b.epochs = epochs;
        b.steps = steps;
        b.accountant = accountant;
        b.clipping = clipping;
        b.perLayerClipWeights = new LinkedHashMap<>(perLayerClipWeights);
        b.maxPhysicalBatchSize = maxPhysicalBatchSize;
        b.secureRandom = secureRandom;
        b.sampling = sampling;
        b.seed = seed;
        b.reportEvery = reportEvery;
        b.allowBudgetIncrease = allowBudgetIncrease;
        b.maxDroppedFraction = maxDroppedFraction;
        return b;
    }

    /** @return whether sigma is calibrated from a target epsilon (otherwise it is given). */
    public boolean hasTargetEpsilon() {
        return targetEpsilon != null;
    }

    /** @return the target epsilon; throws if the run was configured with a fixed noise multiplier. */
    public double getTargetEpsilon() {
        if (targetEpsilon == null) {
            throw new IllegalStateException("targetEpsilon is not set (this configuration fixes noiseMultiplier)");
        }
        return targetEpsilon;
    }

    /** @return whether a fixed noise multiplier was given. */
    public boolean hasNoiseMultiplier() {
        return noiseMultiplier != null;
    }

    /** @return the fixed noise multiplier sigma; throws if sigma is calibrated from a target epsilon. */
    public double getNoiseMultiplier() {
        if (noiseMultiplier == null) {
            throw new IllegalStateException("noiseMultiplier is not set (this configuration calibrates it from "
                    + "targetEpsilon)");
        }
        return noiseMultiplier;
    }

    /**
     * @return the epsilon at which training stops: the target epsilon, or the optional epsilonBudget of a fixed-sigma
     * run, or +Infinity when a fixed-sigma run has no budget.
     */
    public double getEpsilonLimit() {
        if (targetEpsilon != null) {
            return targetEpsilon;
        }
        return epsilonBudget != null ? epsilonBudget : Double.POSITIVE_INFINITY;
    }

    /** @return delta of the (epsilon, delta) guarantee. */
    public double getDelta() {
        return delta;
    }

    /** @return the clipping threshold C (L2 norm of one example's contribution). */
    public double getMaxGradNorm() {
        return maxGradNorm;
    }

    /** @return the public expected logical batch size E. */
    public int getExpectedBatchSize() {
        return expectedBatchSize;
    }

    /** @return whether N was given explicitly (otherwise it is the training source's size). */
    public boolean hasDatasetSize() {
        return datasetSize != null;
    }

    /** @return the data set size N; throws if it was not given. */
    public int getDatasetSize() {
        if (datasetSize == null) {
            throw new IllegalStateException("datasetSize is not set (it is taken from the training source)");
        }
        return datasetSize;
    }

    /** @return whether the plan is given in epochs (otherwise in steps). */
    public boolean hasEpochs() {
        return epochs != null;
    }

    /** @return the planned epochs; throws if the plan is given in steps. */
    public double getEpochs() {
        if (epochs == null) {
            throw new IllegalStateException("epochs is not set (the plan is given in steps)");
        }
        return epochs;
    }

    /**
     * @param n the data set size N
     * @return the planned number of logical steps: {@code steps}, or ceil(epochs &middot; N / E)
     */
    public long plannedSteps(int n) {
        if (steps != null) {
            return steps;
        }
        double s = Math.ceil(epochs * n / (double) expectedBatchSize - 1e-9);
        return Math.max(1L, (long) s);
    }

    /**
     * @param n the data set size N
     * @return logical steps per epoch, ceil(N / E): one epoch sees every example once in expectation
     */
    public long stepsPerEpoch(int n) {
        return Math.max(1L, (n + (long) expectedBatchSize - 1) / expectedBatchSize);
    }

    /**
     * @param n the data set size N
     * @return the Poisson sampling rate q = E / N
     */
    public double samplingRate(int n) {
        return expectedBatchSize / (double) n;
    }

    /** @return the accountant used for calibration, the budget and reports. */
    public AccountantType getAccountant() {
        return accountant;
    }

    /** @return the clipping mode. */
    public ClippingMode getClipping() {
        return clipping;
    }

    /** @return per-layer clip weights by layer name (PER_LAYER only; empty = equal split). */
    public Map<String, Double> getPerLayerClipWeights() {
        return perLayerClipWeights;
    }

    /** @return the largest physical micro-batch. */
    public int getMaxPhysicalBatchSize() {
        return maxPhysicalBatchSize;
    }

    /**
     * @return how the Poisson sampling decisions are drawn: the configured scheme, or by default KEYED without a seed
     * and SEQUENTIAL with one (see the class comment)
     */
    public SamplingScheme getSampling() {
        if (sampling != null) {
            return sampling;
        }
        return seed == null ? SamplingScheme.KEYED : SamplingScheme.SEQUENTIAL;
    }

    /** @return whether sampling and noise come from {@link java.security.SecureRandom} (true unless seeded). */
    public boolean isSecureRandom() {
        return seed == null;
    }

    /** @return whether resuming may raise the privacy budget recorded in the run's ledger. */
    public boolean isAllowBudgetIncrease() {
        return allowBudgetIncrease;
    }

    /** @return the fraction of dropped (non-finite-norm) examples above which training stops. */
    public double getMaxDroppedFraction() {
        return maxDroppedFraction;
    }

    /** @return whether a seed was given. */
    public boolean hasSeed() {
        return seed != null;
    }

    /** @return the seed; throws if none was given. */
    public long getSeed() {
        if (seed == null) {
            throw new IllegalStateException("seed is not set");
        }
        return seed;
    }

    /** @return how often (in logical steps) the budget listener reports epsilon. */
    public int getReportEvery() {
        return reportEvery;
    }

    /**
     * Checks the settings against the size of the actual training source.
     *
     * @param sourceSize number of examples in the training source
     * @return N to use: the configured datasetSize, or sourceSize if none was configured
     * @throws IllegalArgumentException if datasetSize was given and differs, or E &gt; N
     */
    public int resolveDatasetSize(int sourceSize) {
        if (sourceSize < 1) {
            throw new IllegalArgumentException("training data must hold at least one example, got " + sourceSize);
        }
        if (datasetSize != null && datasetSize != sourceSize) {
            throw new IllegalArgumentException("datasetSize (" + datasetSize + ") does not match the training data ("
                    + sourceSize + " examples): q = E/N must use the size of the data actually sampled");
        }
        int n = sourceSize;
        if (expectedBatchSize > n) {
            throw new IllegalArgumentException("expectedBatchSize (" + expectedBatchSize + ") must not exceed "
                    + "datasetSize (" + n + ")");
        }
        if (datasetSize == null) {
            warnIfDeltaTooLarge(delta, n);
        }
        return n;
    }

    private static void warnIfDeltaTooLarge(double delta, int n) {
        if (delta >= 1.0 / n) {
            log.warn("delta = {} is >= 1/N = {}: an (epsilon, delta) guarantee with such a delta permits releasing "
                    + "a whole training example; choose delta well below 1/N (e.g. 1/(10 N))", delta, 1.0 / n);
        }
    }

    /**
     * @return these settings as JSON (only the settings that are set; the seed is included if set, so treat the JSON
     * as secret for seeded runs)
     */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("targetEpsilon", targetEpsilon);
        m.put("noiseMultiplier", noiseMultiplier);
        m.put("epsilonBudget", epsilonBudget);
        m.put("delta", delta);
        m.put("maxGradNorm", maxGradNorm);
        m.put("expectedBatchSize", expectedBatchSize);
        m.put("datasetSize", datasetSize);
        m.put("epochs", epochs);
        m.put("steps", steps);
        m.put("accountant", accountant.name());
        m.put("clipping", clipping.name());
        m.put("perLayerClipWeights", perLayerClipWeights.isEmpty() ? null : perLayerClipWeights);
        m.put("maxPhysicalBatchSize", maxPhysicalBatchSize);
        m.put("secureRandom", secureRandom);
        m.put("sampling", sampling == null ? null : sampling.name());
        m.put("seed", seed);
        m.put("reportEvery", reportEvery);
        m.put("allowBudgetIncrease", allowBudgetIncrease ? Boolean.TRUE : null);
        m.put("maxDroppedFraction", maxDroppedFraction);
        m.values().removeIf(Objects::isNull);
        try {
            return new ObjectMapper().writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write DPConfig as JSON", e);
        }
    }

    private static final Set<String> JSON_KEYS = Set.of("targetEpsilon", "noiseMultiplier", "epsilonBudget", "delta",
            "maxGradNorm", "expectedBatchSize", "datasetSize", "epochs", "steps", "accountant", "clipping",
            "perLayerClipWeights", "maxPhysicalBatchSize", "secureRandom", "sampling", "seed", "reportEvery",
            "allowBudgetIncrease", "maxDroppedFraction");

    /**
     * @param json settings written by {@link #toJson()}
     * @return the configuration, validated as by {@link Builder#build()}
     * @throws IllegalArgumentException for malformed JSON, an unknown setting, or an invalid value
     */
    public static DPConfig fromJson(String json) {
        Map<?, ?> m;
        try {
            m = new ObjectMapper().readValue(json, Map.class);
        } catch (Exception e) {
            throw new IllegalArgumentException("not a DPConfig JSON object: " + e.getMessage(), e);
        }
        for (Object k : m.keySet()) {
            if (!JSON_KEYS.contains(String.valueOf(k))) {
                throw new IllegalArgumentException("unknown DPConfig setting '" + k + "'");
            }
        }
        Builder b = builder();
        try {
            if (m.containsKey("targetEpsilon")) {
                b.targetEpsilon(((Number) m.get("targetEpsilon")).doubleValue());
            }
            if (m.containsKey("noiseMultiplier")) {
                b.noiseMultiplier(((Number) m.get("noiseMultiplier")).doubleValue());
            }
            if (m.containsKey("epsilonBudget")) {
                b.epsilonBudget(((Number) m.get("epsilonBudget")).doubleValue());
            }
            if (m.containsKey("delta")) {
                b.delta(((Number) m.get("delta")).doubleValue());
            }
            if (m.containsKey("maxGradNorm")) {
                b.maxGradNorm(((Number) m.get("maxGradNorm")).doubleValue());
            }
            if (m.containsKey("expectedBatchSize")) {
                b.expectedBatchSize(((Number) m.get("expectedBatchSize")).intValue());
            }
            if (m.containsKey("datasetSize")) {
                b.datasetSize(((Number) m.get("datasetSize")).intValue());
            }
            if (m.containsKey("epochs")) {
                b.epochs(((Number) m.get("epochs")).doubleValue());
            }
            if (m.containsKey("steps")) {
                b.steps(((Number) m.get("steps")).longValue());
            }
            if (m.containsKey("accountant")) {
                b.accountant(AccountantType.valueOf(String.valueOf(m.get("accountant"))));
            }
            if (m.containsKey("clipping")) {
                b.clipping(ClippingMode.valueOf(String.valueOf(m.get("clipping"))));
            }
            if (m.containsKey("perLayerClipWeights")) {
                for (Map.Entry<?, ?> e : ((Map<?, ?>) m.get("perLayerClipWeights")).entrySet()) {
                    b.perLayerClipWeight(String.valueOf(e.getKey()), ((Number) e.getValue()).doubleValue());
                }
            }
            if (m.containsKey("maxPhysicalBatchSize")) {
                b.maxPhysicalBatchSize(((Number) m.get("maxPhysicalBatchSize")).intValue());
            }
            if (m.containsKey("secureRandom")) {
                b.secureRandom((Boolean) m.get("secureRandom"));
            }
            if (m.containsKey("sampling")) {
                b.sampling(SamplingScheme.valueOf(String.valueOf(m.get("sampling"))));
            }
            if (m.containsKey("seed")) {
                b.seed(((Number) m.get("seed")).longValue());
            }
            if (m.containsKey("reportEvery")) {
                b.reportEvery(((Number) m.get("reportEvery")).intValue());
            }
            if (m.containsKey("allowBudgetIncrease")) {
                b.allowBudgetIncrease((Boolean) m.get("allowBudgetIncrease"));
            }
            if (m.containsKey("maxDroppedFraction")) {
                b.maxDroppedFraction(((Number) m.get("maxDroppedFraction")).doubleValue());
            }
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException("a DPConfig setting has the wrong JSON type: " + e.getMessage(), e);
        }
        return b.build();
    }

    @Override
    public String toString() {
        return "DPConfig{" + (targetEpsilon != null ? "targetEpsilon=" + targetEpsilon
                : "noiseMultiplier=" + noiseMultiplier + (epsilonBudget != null ? ", epsilonBudget=" + epsilonBudget : ""))
                + ", delta=" + delta + ", maxGradNorm=" + maxGradNorm + ", expectedBatchSize=" + expectedBatchSize
                + (datasetSize != null ? ", datasetSize=" + datasetSize : "")
                + (epochs != null ? ", epochs=" + epochs : ", steps=" + steps)
                + ", accountant=" + accountant + ", clipping=" + clipping
                + (perLayerClipWeights.isEmpty() ? "" : ", perLayerClipWeights=" + perLayerClipWeights)
                + ", maxPhysicalBatchSize=" + maxPhysicalBatchSize + ", secureRandom=" + secureRandom
                + ", sampling=" + getSampling()
                + (seed != null ? ", seed=" + seed : "") + ", reportEvery=" + reportEvery
                + (allowBudgetIncrease ? ", allowBudgetIncrease" : "") + ", maxDroppedFraction=" + maxDroppedFraction
                + '}';
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof DPConfig)) {
            return false;
        }
        DPConfig c = (DPConfig) o;
        return Double.compare(delta, c.delta) == 0 && Double.compare(maxGradNorm, c.maxGradNorm) == 0
                && expectedBatchSize == c.expectedBatchSize && maxPhysicalBatchSize == c.maxPhysicalBatchSize
                && secureRandom == c.secureRandom && sampling == c.sampling && reportEvery == c.reportEvery
                && Objects.equals(targetEpsilon, c.targetEpsilon) && Objects.equals(noiseMultiplier, c.noiseMultiplier)
                && Objects.equals(epsilonBudget, c.epsilonBudget) && Objects.equals(datasetSize, c.datasetSize)
                && Objects.equals(epochs, c.epochs) && Objects.equals(steps, c.steps) && accountant == c.accountant
                && clipping == c.clipping && perLayerClipWeights.equals(c.perLayerClipWeights)
                && Objects.equals(seed, c.seed) && allowBudgetIncrease == c.allowBudgetIncrease
                && Double.compare(maxDroppedFraction, c.maxDroppedFraction) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(targetEpsilon, noiseMultiplier, epsilonBudget, delta, maxGradNorm, expectedBatchSize,
                datasetSize, epochs, steps, accountant, clipping, perLayerClipWeights, maxPhysicalBatchSize,
                secureRandom, sampling, seed, reportEvery, allowBudgetIncrease, maxDroppedFraction);
    }

    /** Builder for {@link DPConfig}; every setter records a value, {@link #build()} validates them all. */
    public static final class Builder {
        private Double targetEpsilon;
        private Double noiseMultiplier;
        private Double epsilonBudget;
        private double delta = Double.NaN;
        private double maxGradNorm = Double.NaN;
        private int expectedBatchSize = 0;
        private Integer datasetSize;
        private Double epochs;
        private Long steps;
        private AccountantType accountant = AccountantType.PLD;
        private ClippingMode clipping = ClippingMode.FLAT;
        private Map<String, Double> perLayerClipWeights = new LinkedHashMap<>();
        private int maxPhysicalBatchSize = Integer.MAX_VALUE;
        private boolean secureRandom = false;
        private SamplingScheme sampling;
        private Long seed;
        private int reportEvery = 50;
        private boolean allowBudgetIncrease;
        private double maxDroppedFraction = 0.1;

        private Builder() {
        }

        /** Target epsilon at {@link #delta(double)}: sigma is calibrated so the planned steps spend at most this. */
        public Builder targetEpsilon(double targetEpsilon) {
            this.targetEpsilon = targetEpsilon;
            return this;
        }

        /** Fixed noise multiplier sigma (noise std sigma&middot;C on the clipped sum). */
        public Builder noiseMultiplier(double noiseMultiplier) {
            this.noiseMultiplier = noiseMultiplier;
            return this;
        }

        /** With a fixed noise multiplier: stop before the first step whose epsilon would exceed this budget. */
        public Builder epsilonBudget(double epsilonBudget) {
            this.epsilonBudget = epsilonBudget;
            return this;
        }

        /** delta of the guarantee, in (0, 1); should be well below 1/N. */
        public Builder delta(double delta) {
            this.delta = delta;
            return this;
        }

        /** Clipping threshold C &gt; 0 on each example's gradient L2 norm. */
        public Builder maxGradNorm(double maxGradNorm) {
            this.maxGradNorm = maxGradNorm;
            return this;
        }

        /** Public expected logical batch size E (1 &le; E &le; N); q = E/N. */
        public Builder expectedBatchSize(int expectedBatchSize) {
            this.expectedBatchSize = expectedBatchSize;
            return this;
        }

        /** Public data set size N (optional; defaults to the training source's size). */
        public Builder datasetSize(int datasetSize) {
            this.datasetSize = datasetSize;
            return this;
        }

        /** Planned epochs (&gt; 0); steps = ceil(epochs &middot; N / E). */
        public Builder epochs(double epochs) {
            this.epochs = epochs;
            return this;
        }

        /** Planned logical steps (&ge; 1). */
        public Builder steps(long steps) {
            this.steps = steps;
            return this;
        }

        /** Accountant used for calibration, the budget and reports. */
        public Builder accountant(AccountantType accountant) {
            this.accountant = accountant;
            return this;
        }

        /** Clipping mode (FLAT by default). */
        public Builder clipping(ClippingMode clipping) {
            this.clipping = clipping;
            return this;
        }

        /**
         * PER_LAYER only: relative weight w<sub>l</sub> &gt; 0 of a DP layer (by layer name) in the split
         * C<sub>l</sub><sup>2</sup> = C<sup>2</sup> w<sub>l</sub>/&Sigma;w; unlisted DP layers get weight 1.
         */
        public Builder perLayerClipWeight(String layerName, double weight) {
            this.perLayerClipWeights.put(layerName, weight);
            return this;
        }

        /** Largest physical micro-batch (&ge; 1; default unlimited). */
        public Builder maxPhysicalBatchSize(int maxPhysicalBatchSize) {
            this.maxPhysicalBatchSize = maxPhysicalBatchSize;
            return this;
        }

        /**
         * Draw sampling and noise from SecureRandom: the default whenever no seed is given; {@code true} states it
         * explicitly (and refuses a seed), {@code false} changes nothing by itself.
         */
        public Builder secureRandom(boolean secureRandom) {
            this.secureRandom = secureRandom;
            return this;
        }

        /**
         * How the Poisson decisions are drawn (default: KEYED unseeded, SEQUENTIAL seeded); both sample exactly at
         * rate q, so privacy and accounting are the same.
         */
        public Builder sampling(SamplingScheme sampling) {
            if (sampling == null) {
                throw new IllegalArgumentException("sampling must not be null");
            }
            this.sampling = sampling;
            return this;
        }

        /**
         * Opt-in seed for reproducible experiments: sampling and noise come from a generator derived from it (and the
         * privacy settings). Not for released models: private only while the seed is secret; the run logs a warning
         * and its ledger is marked seeded.
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Allow a resumed run to raise the budget its ledger records (a new privacy decision; logged). */
        public Builder allowBudgetIncrease(boolean allow) {
            this.allowBudgetIncrease = allow;
            return this;
        }

        /**
         * Stop with an error once more than this fraction (in (0, 1]) of the examples seen were dropped for a
         * non-finite gradient norm (checked after {@value DPConfig#DROP_CHECK_MIN_EXAMPLES} examples); 1 disables it.
         */
        public Builder maxDroppedFraction(double fraction) {
            this.maxDroppedFraction = fraction;
            return this;
        }

        /** Report epsilon every this many logical steps (&ge; 1, default 50). */
        public Builder reportEvery(int reportEvery) {
            this.reportEvery = reportEvery;
            return this;
        }

        /**
         * @return the validated configuration
         * @throws IllegalArgumentException naming the first invalid setting
         */
        public DPConfig build() {
            if ((targetEpsilon == null) == (noiseMultiplier == null)) {
                throw new IllegalArgumentException("exactly one of targetEpsilon and noiseMultiplier must be set, got "
                        + (targetEpsilon == null ? "neither" : "both"));
            }
            if (targetEpsilon != null && !(targetEpsilon > 0 && Double.isFinite(targetEpsilon))) {
                throw new IllegalArgumentException("targetEpsilon must be finite and > 0, got " + targetEpsilon);
            }
            if (noiseMultiplier != null && !(noiseMultiplier >= 0 && Double.isFinite(noiseMultiplier))) {
                throw new IllegalArgumentException("noiseMultiplier must be finite and >= 0, got " + noiseMultiplier);
            }
            if (epsilonBudget != null) {
                if (targetEpsilon != null) {
                    throw new IllegalArgumentException("epsilonBudget applies only with a fixed noiseMultiplier; with "
                            + "targetEpsilon the budget is the target itself");
                }
                if (!(epsilonBudget > 0) || Double.isNaN(epsilonBudget)) {
                    throw new IllegalArgumentException("epsilonBudget must be > 0, got " + epsilonBudget);
                }
            }
            if (!(delta > 0 && delta < 1)) {
                throw new IllegalArgumentException("delta must be set and lie in (0, 1), got "
                        + (Double.isNaN(delta) ? "nothing" : String.valueOf(delta)));
            }
            if (!(maxGradNorm > 0 && Double.isFinite(maxGradNorm))) {
                throw new IllegalArgumentException("maxGradNorm (clipping threshold C) must be set, finite and > 0, got "
                        + (Double.isNaN(maxGradNorm) ? "nothing" : String.valueOf(maxGradNorm)));
            }
            if (expectedBatchSize < 1) {
                throw new IllegalArgumentException("expectedBatchSize (E) must be set and >= 1, got " + expectedBatchSize);
            }
            if (datasetSize != null) {
                if (datasetSize < 1) {
                    throw new IllegalArgumentException("datasetSize (N) must be >= 1, got " + datasetSize);
                }
                if (expectedBatchSize > datasetSize) {
                    throw new IllegalArgumentException("expectedBatchSize (" + expectedBatchSize
                            + ") must not exceed datasetSize (" + datasetSize + ")");
                }
            }
            if ((epochs == null) == (steps == null)) {
                throw new IllegalArgumentException("exactly one of epochs and steps must be set, got "
                        + (epochs == null ? "neither" : "both"));
            }
            if (epochs != null && !(epochs > 0 && Double.isFinite(epochs))) {
                throw new IllegalArgumentException("epochs must be finite and > 0, got " + epochs);
            }
            if (steps != null && steps < 1) {
                throw new IllegalArgumentException("steps must be >= 1, got " + steps);
            }
            if (accountant == null) {
                throw new IllegalArgumentException("accountant must not be null (RDP or PLD)");
            }
            if (clipping == null) {
                throw new IllegalArgumentException("clipping must not be null (FLAT or PER_LAYER)");
            }
            if (!perLayerClipWeights.isEmpty() && clipping != ClippingMode.PER_LAYER) {
                throw new IllegalArgumentException("perLayerClipWeight applies only with clipping PER_LAYER, got "
                        + clipping);
            }
            for (Map.Entry<String, Double> e : perLayerClipWeights.entrySet()) {
                if (e.getKey() == null || e.getValue() == null || !(e.getValue() > 0 && Double.isFinite(e.getValue()))) {
                    throw new IllegalArgumentException("perLayerClipWeight for layer " + e.getKey()
                            + " must be finite and > 0, got " + e.getValue());
                }
            }
            if (maxPhysicalBatchSize < 1) {
                throw new IllegalArgumentException("maxPhysicalBatchSize must be >= 1, got " + maxPhysicalBatchSize);
            }
            if (secureRandom && seed != null) {
                throw new IllegalArgumentException("seed cannot be combined with secureRandom: a seeded generator is "
                        + "reproducible by design, SecureRandom is not");
            }
            if (reportEvery < 1) {
                throw new IllegalArgumentException("reportEvery must be >= 1, got " + reportEvery);
            }
            if (!(maxDroppedFraction > 0 && maxDroppedFraction <= 1)) {
                throw new IllegalArgumentException("maxDroppedFraction must lie in (0, 1], got " + maxDroppedFraction);
            }
            if (datasetSize != null) {
                warnIfDeltaTooLarge(delta, datasetSize);
            }
            return new DPConfig(this);
        }
    }
}
