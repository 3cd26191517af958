package io.dplora.updater;

import io.dplora.layers.PerExampleGradientLayer;
import io.dplora.layers.PrivacyRecordHolder;
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
import java.util.List;

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
    private final DPConfig config;
    private final double maxGradNorm;
    private final double expectedBatchSize;
    private final double noiseMultiplier;

    private ParameterLayout layout;
    private ClippedSumAccumulator clipped;
    private double[] accumulator;
    private List<INDArray> nonPrivatisedSegments;
    private INDArray flatGradientView;
    private List<PrivacyRecordHolder> privacyRecords;
    private Updater installed;

    private long accumulatingStep = -1;
    private int lastMicroBatchIndex = -1;
    private boolean guardPassedAtFirstStep;
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
        this.config = config;
        this.maxGradNorm = config.getMaxGradNorm();
        this.expectedBatchSize = budget.plan().expectedBatchSize();
        this.noiseMultiplier = budget.noiseMultiplier();
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
        ClippedSumAccumulator acc = ClippedSumAccumulator.of(l, config,
                flatGradient.dataType() == DataType.DOUBLE);
        INDArray flat = flatGradient.reshape(flatGradient.length());
        List<INDArray> segments = new ArrayList<>();
        for (long[] iv : l.nonPrivatisedIntervals()) {
            segments.add(flat.get(NDArrayIndex.interval(iv[0], iv[1])));
        }
        this.layout = l;
        this.clipped = acc;
        this.accumulator = acc.values();
        this.nonPrivatisedSegments = segments;
        this.flatGradientView = flat;
        this.installed = updater;
        this.privacyRecords = records;
        l.enablePerExampleGradients();
        NetworkLayers.setPrivateTrainingCheck(network, this::checkPrivateBackward);
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
        checkGuardOnce();
        MicroBatch mb;
        try {
            mb = channel.take();
            checkSameSampling(mb);
            budget.checkNextStepAllowed();
            checkSequence(mb);
            clipped.addMicroBatch(mb.rows(), mb.padding(), mb.logicalStep());
        } catch (RuntimeException e) {
            resetAccumulation();
            flatGradient.assign(0);
            throw e;
        } finally {
            clipped.clearPerExampleState();
        }
        if (!mb.isLast()) {
            flatGradient.assign(0);
            return -1;
        }
        long iteration = releaseAccumulated();
        checkBudgetListener();
        return iteration;
    }

    /** Runs the guard once, before the first step this DP step takes (the network may have changed since attach). */
    private void checkGuardOnce() {
        if (!guardPassedAtFirstStep) {
            PrivacyGuard.check(network, ((BaseMultiLayerUpdater<?>) installed).getUpdaterBlocks());
            guardPassedAtFirstStep = true;
        }
    }

    /**
     * Releases the accumulated clipped sum as one logical step: adds the noise and divides by E, writes it into the
     * DP layers' gradient views, records the step in the ledger and stamps the network's privacy records.
     *
     * @return the optimiser iteration of this step (the logical steps released before it)
     */
    private long releaseAccumulated() {
        long iteration = budget.stepsTaken();
        addNoiseAndScale();
        clipped.writeToGradientViews(accumulator);
        budget.recordStep();
        PrivacyContinuity.stamp(privacyRecords, budget.ledger().runId(), budget.stepsTaken());
        releasedSteps++;
        resetAccumulation();
        return iteration;
    }

    /**
     * Releases one logical step whose clipped sum was computed outside this network, by the
     * {@link ClippedSumWorker}s of a distributed run over replicas of it ({@link DistributedPrivateTraining}). The
     * release is the one of the single-machine step (last micro-batch): the budget must allow one more step (else
     * {@link BudgetExhaustedException}, nothing changed), noise N(0, &sigma;<sup>2</sup>C<sup>2</sup>) from this run's
     * generator is added in double to every trainable DP coordinate, the sum is divided by E, written into the
     * gradient views, the step is recorded in the ledger, the configured updater runs once with the logical step as
     * iteration and the network's parameters take the step (params -= update; constraints applied as DL4J does).
     *
     * @param clippedSum &Sigma;<sub>i</sub> c<sub>i</sub> g<sub>i</sub> over the step's Poisson sample, in the
     *                   accumulator order of {@link ClippedSumAccumulator} (length
     *                   {@link #privatisedParameterCount()}); all zeros for an empty logical batch
     * @param epoch      the epoch handed to the configured updater (schedules)
     * @throws IllegalArgumentException if the sum has the wrong length or a non-finite element (a clipped sum is
     *                                  bounded; such a sum did not come from a {@link ClippedSumWorker})
     * @throws IllegalStateException    if local micro-batches of this run are being accumulated, or the DP step is no
     *                                  longer installed
     */
    public synchronized void releaseExternalClippedSum(double[] clippedSum, int epoch) {
        checkInstalled();
        checkGuardOnce();
        if (clippedSum == null || clippedSum.length != accumulator.length) {
            throw new IllegalArgumentException("the clipped sum has " + (clippedSum == null ? "no" : clippedSum.length)
                    + " elements but this network has " + accumulator.length + " trainable DP coordinates");
        }
        for (int j = 0; j < clippedSum.length; j++) {
            if (!Double.isFinite(clippedSum[j])) {
                throw new IllegalArgumentException("element " + j + " of the clipped sum is " + clippedSum[j]
                        + ": a sum of clipped per-example gradients is finite; refusing to release it");
            }
        }
        if (lastMicroBatchIndex >= 0) {
            throw new IllegalStateException("logical step " + accumulatingStep + " of this run is being accumulated "
                    + "from local micro-batches; a distributed release now would interleave two steps");
        }
        budget.checkNextStepAllowed();
        System.arraycopy(clippedSum, 0, accumulator, 0, accumulator.length);
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            flatGradientView.assign(0);
            long iteration = releaseAccumulated();
            int it = (int) Math.min(Integer.MAX_VALUE, iteration);
            ((ReleasedStepApplier) installed).applyReleasedStep(it, epoch);
            afterOptimizer();
            network.params().subi(flatGradientView);
            network.applyConstraints(it, epoch);
        }
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
        clipped.reset();
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
        return clipped.droppedExamples();
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
        return clipped.layerThresholds();
    }

    /** @return the network's parameter layout (read at attach time). */
    ParameterLayout layout() {
        return layout;
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
