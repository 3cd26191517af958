package io.dplora.updater;

import io.dplora.layers.PerExampleGradientLayer;
import io.dplora.layers.PrivacyRecordHolder;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The DP-SGD step, run inside DL4J's own training loop.
 *
 * <p><b>Hook.</b> DL4J calls its network updater ({@code ComputationGraphUpdater} / {@code MultiLayerUpdater}) with
 * the raw summed gradient of a minibatch, before it divides by the minibatch size and before the configured
 * {@code IUpdater} (Adam, Sgd, ...) runs. {@link #attach(ComputationGraph, DPConfig, PrivacyBudget, SamplingChannel,
 * DPRandom)} installs a thin subclass of that updater with {@code setUpdater} (copying the existing optimiser state,
 * so restored Adam moments are kept); for every micro-batch it hands the gradient to this class first:
 * <ol>
 *   <li>the micro-batch must have been announced by the run's {@link PoissonSamplingIterator} (else
 *       {@link IllegalStateException}), and one more step must fit in the budget (else
 *       {@link BudgetExhaustedException}, before anything is changed);</li>
 *   <li>per-example squared norms are summed over the DP layers ({@link PerExampleGradientLayer}), clip factors
 *       c<sub>i</sub> = min(1, C/||g<sub>i</sub>||) (0 for a non-finite norm: dropped, counted, logged; 0 for all
 *       rows of a padding micro-batch); per-layer clipping uses C<sub>l</sub> with &Sigma;C<sub>l</sub><sup>2</sup> =
 *       C<sup>2</sup>;</li>
 *   <li>the whole flat gradient is zeroed, each DP layer writes &Sigma;<sub>i</sub> c<sub>i</sub> g<sub>i</sub> into its
 *       trainable views, and that clipped sum is added to this step's double-precision accumulator;</li>
 *   <li>not the last micro-batch of the logical batch: the gradient is left at zero and the configured updater is
 *       not called, so the parameters and the optimiser state do not move;</li>
 *   <li>last micro-batch: noise N(0, &sigma;<sup>2</sup>C<sup>2</sup>) drawn in double from the run's own generator is
 *       added to every trainable DP coordinate (and only those), the sum is divided by the public expected batch
 *       size E, written back, and the step is recorded in the ledger. The configured updater then runs once, with
 *       the logical step count as its iteration (Adam's bias correction and schedules advance once per logical
 *       batch) and minibatch size 1 (DL4J's division never touches the scale). Finally every coordinate outside
 *       the DP layers' trainable views is zeroed again, so nothing else can move (not even by stale optimiser state
 *       or regularisation).</li>
 * </ol>
 * The optimiser therefore consumes exactly g&#770; = (&Sigma;<sub>i</sub> c<sub>i</sub>g<sub>i</sub> +
 * N(0, &sigma;<sup>2</sup>C<sup>2</sup>I)) / E.
 *
 * <p>Diagnostics (dropped examples) are computed from private data and are not covered by the DP guarantee.
 */
public final class DPUpdater {

    private static final Logger log = LoggerFactory.getLogger(DPUpdater.class);

    private final Model network;
    private final PrivacyBudget budget;
    private final SamplingChannel channel;
    private final DPRandom noise;
    private final double maxGradNorm;
    private final double expectedBatchSize;
    private final double noiseMultiplier;
    private final ClippingMode clipping;
    private final Map<String, Double> perLayerWeights;
    private final double maxDroppedFraction;

    private ParameterLayout layout;
    private double[] layerThresholds;
    private double margin;
    private double[] accumulator;
    private final AccumulatorTransfer transfer = new AccumulatorTransfer();
    private List<INDArray> nonPrivatisedSegments;
    private List<PrivacyRecordHolder> privacyRecords;
    private Updater installed;

    private long accumulatingStep = -1;
    private int lastMicroBatchIndex = -1;
    private boolean guardPassedAtFirstStep;
    private long droppedExamples;
    private long examplesSeen;
    private long releasedSteps;
    private boolean budgetListenerSeen;
    private boolean listenerWarningGiven;

    private DPUpdater(Model network, DPConfig config, PrivacyBudget budget, SamplingChannel channel, DPRandom noise) {
        this.network = network;
        this.budget = budget;
        this.channel = channel;
        this.noise = noise;
        if (config.getExpectedBatchSize() != budget.plan().expectedBatchSize()) {
            throw new IllegalArgumentException("the configuration's expected batch size E = "
                    + config.getExpectedBatchSize() + " differs from the budget's sampling plan (E = "
                    + budget.plan().expectedBatchSize() + ", N = " + budget.plan().datasetSize() + "): the noisy sum "
                    + "must be divided by the E the steps are accounted with. Build the budget from this configuration "
                    + "(DPLoRA.makePrivate does)");
        }
        this.maxGradNorm = config.getMaxGradNorm();
        this.expectedBatchSize = budget.plan().expectedBatchSize();
        this.noiseMultiplier = budget.noiseMultiplier();
        this.clipping = config.getClipping();
        this.perLayerWeights = config.getPerLayerClipWeights();
        this.maxDroppedFraction = config.getMaxDroppedFraction();
    }

    /**
     * Installs the DP step on a ComputationGraph (see the class comment). The network is left unchanged if the
     * {@link PrivacyGuard} refuses it.
     *
     * @param net     an initialised network
     * @param config  the run's configuration (C, E, clipping)
     * @param budget  the run's budget and ledger (sigma, q)
     * @param channel the channel its PoissonSamplingIterator announces micro-batches on
     * @param noise   the run's noise stream
     * @return the DP step
     * @throws IllegalStateException if the guard refuses the network or DP is already attached
     */
    public static DPUpdater attach(ComputationGraph net, DPConfig config, PrivacyBudget budget,
                                   SamplingChannel channel, DPRandom noise) {
        if (net.getUpdater(false) instanceof DPComputationGraphUpdater) {
            throw new IllegalStateException("a DP updater is already attached to this ComputationGraph");
        }
        DPUpdater dp = new DPUpdater(net, config, budget, channel, noise);
        INDArray state = net.getUpdater(true).getStateViewArray();
        DPComputationGraphUpdater u;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            u = new DPComputationGraphUpdater(net, state, dp);
        }
        dp.bind(u.getUpdaterBlocks(), u.getFlattenedGradientsView(), u);
        net.setUpdater(u);
        return dp;
    }

    /**
     * Installs the DP step on a MultiLayerNetwork (see {@link #attach(ComputationGraph, DPConfig, PrivacyBudget,
     * SamplingChannel, DPRandom)}).
     */
    public static DPUpdater attach(MultiLayerNetwork net, DPConfig config, PrivacyBudget budget,
                                   SamplingChannel channel, DPRandom noise) {
        if (net.getUpdater(false) instanceof DPMultiLayerUpdater) {
            throw new IllegalStateException("a DP updater is already attached to this MultiLayerNetwork");
        }
        DPUpdater dp = new DPUpdater(net, config, budget, channel, noise);
        INDArray state = net.getUpdater(true).getStateViewArray();
        DPMultiLayerUpdater u;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            u = new DPMultiLayerUpdater(net, state, dp);
        }
        dp.bind(u.getUpdaterBlocks(), u.getFlattenedGradientsView(), u);
        net.setUpdater(u);
        return dp;
    }

    private void bind(List<UpdaterBlock> blocks, INDArray flatGradient, Updater updater) {
        ParameterLayout l = PrivacyGuard.check(network, blocks);
        List<PrivacyRecordHolder> records = PrivacyContinuity.holders(network);
        PrivacyContinuity.check(records, budget.ledger());
        List<ParameterLayout.DPLayer> dps = l.dpLayers();
        double[] thresholds = new double[dps.size()];
        if (clipping == ClippingMode.PER_LAYER) {
            Set<String> names = new HashSet<>();
            double[] w = new double[dps.size()];
            for (int i = 0; i < w.length; i++) {
                names.add(dps.get(i).name());
                w[i] = perLayerWeights.getOrDefault(dps.get(i).name(), 1.0);
            }
            for (String k : perLayerWeights.keySet()) {
                if (!names.contains(k)) {
                    throw new IllegalArgumentException("perLayerClipWeight names layer '" + k + "', which is not a "
                            + "DP layer with trainable parameters; DP layers: " + names);
                }
            }
            thresholds = ClipFactors.perLayerThresholds(maxGradNorm, w);
        } else {
            Arrays.fill(thresholds, maxGradNorm);
        }
        if (l.privatisedLength() > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("too many trainable DP parameters for one accumulator: "
                    + l.privatisedLength());
        }
        INDArray flat = flatGradient.reshape(flatGradient.length());
        List<INDArray> segments = new ArrayList<>();
        for (long[] iv : l.nonPrivatisedIntervals()) {
            segments.add(flat.get(NDArrayIndex.interval(iv[0], iv[1])));
        }
        this.layout = l;
        this.layerThresholds = thresholds;
        this.margin = ClipFactors.marginFor(flatGradient.dataType() == DataType.DOUBLE);
        this.accumulator = new double[(int) l.privatisedLength()];
        this.nonPrivatisedSegments = segments;
        this.installed = updater;
        this.privacyRecords = records;
        for (ParameterLayout.DPLayer d : dps) {
            d.layer().setPerExampleGradientsEnabled(true);
        }
        for (Layer layer : NetworkLayers.allLayersUnwrapped(network)) {
            if (layer instanceof PerExampleGradientLayer) {
                ((PerExampleGradientLayer) layer).setPrivateTrainingCheck(this::checkPrivateBackward);
            }
        }
        PrivacyContinuity.stamp(records, budget.ledger().runId(), budget.stepsTaken());
        if (noiseMultiplier == 0.0) {
            log.warn("noise multiplier is 0: training is NOT differentially private (epsilon = infinity); use this "
                    + "only to test clipping");
        }
    }

    /**
     * Privatises the gradient of one micro-batch in place (called by the installed updater).
     *
     * @param flatGradient the network's flattened gradient view (raw sum over the micro-batch)
     * @return the optimiser iteration to pass to the configured updater (the number of logical steps released
     * before this one) when this micro-batch completes a logical batch, or -1 when it does not (the gradient is then
     * all zero and the configured updater must not run)
     */
    synchronized long beforeOptimizer(INDArray flatGradient) {
        if (!guardPassedAtFirstStep) {
            PrivacyGuard.check(network, ((BaseMultiLayerUpdater<?>) installed).getUpdaterBlocks());
            guardPassedAtFirstStep = true;
        }
        List<ParameterLayout.DPLayer> dps = layout.dpLayers();
        MicroBatch mb;
        try {
            mb = channel.take();
            checkSameSampling(mb);
            budget.checkNextStepAllowed();
            checkSequence(mb);
            int m = mb.rows();
            for (ParameterLayout.DPLayer d : dps) {
                int have = d.layer().perExampleCount();
                if (have != m) {
                    throw new IllegalStateException("DP layer '" + d.name() + "' holds per-example state for " + have
                            + " examples, but the announced micro-batch has " + m);
                }
            }
            double[][] factors = clipFactors(mb, m);
            // Only the privatised views are cleared here, not the whole flat gradient (mostly frozen base weights):
            // no privatised value depends on the other coordinates (the configured updater treats parameters on
            // their own, and the guard refuses normalisation or regularisation that could couple them), and
            // afterOptimizer() zeroes them before the step function; a micro-batch that releases nothing, or a
            // failure, zeroes the whole gradient below.
            int off = 0;
            for (int l = 0; l < dps.size(); l++) {
                ParameterLayout.DPLayer d = dps.get(l);
                Map<String, INDArray> views = d.layer().trainableGradientViews();
                for (String key : d.keys()) {
                    transfer.zero(views.get(key));
                }
                d.layer().writeClippedSum(factors[clipping == ClippingMode.PER_LAYER ? l : 0]);
                for (String key : d.keys()) {
                    off = transfer.add(views.get(key), accumulator, off);
                }
            }
        } catch (RuntimeException e) {
            resetAccumulation();
            flatGradient.assign(0);
            throw e;
        } finally {
            for (ParameterLayout.DPLayer d : dps) {
                d.layer().clearPerExampleState();
            }
        }
        if (!mb.isLast()) {
            flatGradient.assign(0);
            return -1;
        }
        long iteration = budget.stepsTaken();
        addNoiseAndScale();
        int off = 0;
        for (ParameterLayout.DPLayer d : dps) {
            Map<String, INDArray> views = d.layer().trainableGradientViews();
            for (String key : d.keys()) {
                off = transfer.write(accumulator, off, views.get(key));
            }
        }
        budget.recordStep();
        PrivacyContinuity.stamp(privacyRecords, budget.ledger().runId(), budget.stepsTaken());
        releasedSteps++;
        checkBudgetListener();
        resetAccumulation();
        return iteration;
    }

    /**
     * Called after the configured updater ran: zeroes every coordinate outside the DP layers' trainable views, so
     * the step function cannot move any other parameter.
     */
    synchronized void afterOptimizer() {
        for (INDArray seg : nonPrivatisedSegments) {
            seg.assign(0);
        }
    }

    /**
     * Refuses a gradient that was not computed on the announced micro-batch of this run's Poisson sampling: the
     * announcement must come from an iterator of this very budget (one q, N, E), and the network must have been given
     * exactly the announced arrays (by identity), not another DataSet of the same size (which would be accounted as a
     * Poisson step although it is not one).
     */
    private void checkSameSampling(MicroBatch mb) {
        if (mb.budget() != budget) {
            throw new IllegalStateException("DP step refused: the micro-batch was announced by a PoissonSamplingIterator "
                    + "of another PrivacyBudget (q = " + mb.budget().samplingRate() + ") than this DP step's (q = "
                    + budget.samplingRate() + "); the sampler and the DP step must share one budget, or the steps are "
                    + "accounted at a rate that was not sampled");
        }
        if (!sameArrays(mb.features(), TrainedArrays.features(network))
                || !sameArrays(mb.labels(), TrainedArrays.labels(network))) {
            throw new IllegalStateException("DP step refused: the network was trained on arrays other than the "
                    + "micro-batch the run's PoissonSamplingIterator just handed out (step " + mb.logicalStep()
                    + ", micro-batch " + mb.index() + "); only the sampled micro-batch may be trained, as returned by "
                    + "iterator.next(), or the step would be accounted as Poisson sampling although it is not. Train "
                    + "with PrivateTraining.fit() or net.fit(privateTraining.iterator())");
        }
    }

    private static boolean sameArrays(INDArray[] announced, INDArray[] given) {
        if (given == null || given.length != announced.length) {
            return false;
        }
        for (int k = 0; k < announced.length; k++) {
            if (given[k] != announced[k]) {
                return false;
            }
        }
        return true;
    }

    private void checkSequence(MicroBatch mb) {
        if (mb.index() == 0) {
            if (lastMicroBatchIndex >= 0) {
                log.warn("logical step {} was abandoned after {} micro-batch(es); its clipped sum was never released "
                        + "and is discarded", accumulatingStep, lastMicroBatchIndex + 1);
            }
            Arrays.fill(accumulator, 0.0);
            accumulatingStep = mb.logicalStep();
            lastMicroBatchIndex = 0;
            return;
        }
        if (mb.logicalStep() != accumulatingStep || mb.index() != lastMicroBatchIndex + 1) {
            throw new IllegalStateException("micro-batch " + mb.index() + " of logical step " + mb.logicalStep()
                    + " arrived out of order (expected micro-batch " + (lastMicroBatchIndex + 1) + " of step "
                    + accumulatingStep + "): every micro-batch of a logical batch must be trained, in order");
        }
        lastMicroBatchIndex = mb.index();
    }

    private double[][] clipFactors(MicroBatch mb, int m) {
        List<ParameterLayout.DPLayer> dps = layout.dpLayers();
        int groups = clipping == ClippingMode.PER_LAYER ? dps.size() : 1;
        double[][] c = new double[groups][m];
        if (mb.padding()) {
            return c;
        }
        double[][] sq = new double[groups][m];
        for (int l = 0; l < dps.size(); l++) {
            dps.get(l).layer().accumulateSquaredNorms(sq[groups == 1 ? 0 : l]);
        }
        int dropped = 0;
        for (int i = 0; i < m; i++) {
            boolean finite = true;
            for (int g = 0; g < groups; g++) {
                finite &= Double.isFinite(sq[g][i]) && sq[g][i] >= 0;
            }
            if (!finite) {
                dropped++;
                continue;
            }
            for (int g = 0; g < groups; g++) {
                double threshold = groups == 1 ? maxGradNorm : layerThresholds[g];
                c[g][i] = ClipFactors.clipFactor(sq[g][i], threshold, margin);
            }
        }
        examplesSeen += m;
        if (dropped > 0) {
            droppedExamples += dropped;
            log.warn("{} example(s) with a non-finite gradient norm dropped from logical step {} (clip factor 0); "
                    + "{} dropped so far", dropped, mb.logicalStep(), droppedExamples);
            if (examplesSeen >= DPConfig.DROP_CHECK_MIN_EXAMPLES
                    && droppedExamples > maxDroppedFraction * examplesSeen) {
                throw new IllegalStateException("training stopped: " + droppedExamples + " of the " + examplesSeen
                        + " examples seen had a non-finite gradient norm (NaN or infinite features, labels or "
                        + "weights?) and were dropped, more than maxDroppedFraction = " + maxDroppedFraction
                        + ". Continuing would spend the privacy budget on steps that are mostly noise. Fix the data "
                        + "or the model, or raise DPConfig.Builder.maxDroppedFraction. This step was not released");
            }
        }
        return c;
    }

    private void addNoiseAndScale() {
        double std = noiseMultiplier * maxGradNorm;
        double inv = 1.0 / expectedBatchSize;
        for (int j = 0; j < accumulator.length; j++) {
            double x = accumulator[j];
            if (std > 0) {
                x += std * noise.nextGaussian();
            }
            accumulator[j] = x * inv;
        }
    }

    private void resetAccumulation() {
        Arrays.fill(accumulator, 0.0);
        accumulatingStep = -1;
        lastMicroBatchIndex = -1;
    }

    /** @return whether this DP step is still the network's updater (it is lost if the network drops its solver). */
    public boolean isInstalled() {
        Updater current;
        if (network instanceof ComputationGraph) {
            current = ((ComputationGraph) network).getUpdater(false);
        } else {
            current = ((MultiLayerNetwork) network).getUpdater(false);
        }
        return current == installed;
    }

    /**
     * Warns once when the {@link PrivacyBudgetListener} that reported this run has been removed from the network (for
     * example by {@code net.setListeners(...)} after {@code makePrivate}, which replaces all listeners). The budget is
     * still enforced here, step by step; only the reports and the listener-side stop are lost.
     */
    private void checkBudgetListener() {
        boolean present = false;
        for (Object l : NetworkLayers.listenersOf(network)) {
            if (l instanceof PrivacyBudgetListener && ((PrivacyBudgetListener) l).budget() == budget) {
                present = true;
                break;
            }
        }
        if (present) {
            budgetListenerSeen = true;
        } else if (budgetListenerSeen && !listenerWarningGiven) {
            listenerWarningGiven = true;
            log.warn("the PrivacyBudgetListener of this private run is no longer on the network (net.setListeners "
                    + "replaces all listeners; use net.addListeners to keep it): epsilon is no longer reported. The "
                    + "DP step still refuses any step beyond the budget");
        }
    }

    /** @return whether the budget-listener warning has been given (for tests). */
    boolean listenerWarningGiven() {
        return listenerWarningGiven;
    }

    /**
     * @throws IllegalStateException if the network's updater is no longer this DP step (e.g. replaced by setUpdater
     * or dropped by MultiLayerNetwork.clear()): a further fit would train without privacy
     */
    public void checkInstalled() {
        if (!isInstalled()) {
            throw new IllegalStateException("the DP updater is no longer installed on the network (its updater was "
                    + "replaced, or MultiLayerNetwork.clear() dropped it): training now would not be private. Attach "
                    + "DP again with DPLoRA.makePrivate");
        }
    }

    /**
     * The check each DP layer runs at the start of its backward pass: the DP step is still installed and a micro-batch
     * of the run's sampler is pending (so the gradient is computed for this DP step, not for layer-wise training).
     *
     * @throws IllegalStateException otherwise
     */
    void checkPrivateBackward() {
        checkInstalled();
        if (channel.peek() == null) {
            throw new IllegalStateException("a DP layer of a private network is computing training gradients, but no "
                    + "micro-batch of the run's PoissonSamplingIterator is pending: layer-wise training (Layer.fit, "
                    + "pretrain), a ParallelWrapper worker or a fit on other data would bypass the DP step. Train "
                    + "with PrivateTraining.fit() or net.fit(privateTraining.iterator())");
        }
    }

    /** @return examples dropped because their gradient norm was not finite (a private-data diagnostic). */
    public synchronized long droppedExamples() {
        return droppedExamples;
    }

    /** @return logical steps released by this DP step (not counting restored ones). */
    public synchronized long releasedSteps() {
        return releasedSteps;
    }

    /** @return the run's budget. */
    public PrivacyBudget budget() {
        return budget;
    }

    /** @return the noise multiplier sigma. */
    public double noiseMultiplier() {
        return noiseMultiplier;
    }

    /** @return the number of trainable coordinates that receive noise. */
    public long privatisedParameterCount() {
        return layout.privatisedLength();
    }

    /** @return the names of the DP layers with trainable parameters, in flat order. */
    public List<String> dpLayerNames() {
        List<String> out = new ArrayList<>();
        for (ParameterLayout.DPLayer d : layout.dpLayers()) {
            out.add(d.name());
        }
        return out;
    }

    /** @return the per-layer clip thresholds C<sub>l</sub> (all equal to C in FLAT mode). */
    public double[] layerThresholds() {
        return layerThresholds.clone();
    }

    /** @return the channel on which the run's iterator announces micro-batches. */
    SamplingChannel channel() {
        return channel;
    }

    /** @return the network this DP step trains. */
    public Model network() {
        return network;
    }
}
