package io.dplora.updater;

import io.dplora.accounting.PrivacyLedger;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;

/**
 * The driver side of a data-parallel DP-SGD run whose data lives elsewhere (on Spark executors, on other machines):
 * the driver holds the network, the budget and ledger, the sampling stream and the noise stream; workers hold the
 * examples and compute clipped sums ({@link ClippedSumWorker}). Per logical step:
 * <ol>
 *   <li>{@link #nextLogicalBatch()} draws the step's Poisson sample exactly as the single-machine
 *       {@link PoissonSamplingIterator} does (same stream, same epochs, same stop at the budget): with the same seed
 *       and settings, a distributed run samples the same examples as {@link DPLoRA#makePrivate} would. With
 *       {@link SamplingScheme#KEYED} sampling the driver draws nothing: the workers decide membership with the
 *       run's {@link #keyedSampler()} (the same decisions as the single-machine keyed run);</li>
 *   <li>the caller ships {@link #trainableParameters()} and the batch to the workers, each adds the clipped
 *       per-example gradients of the sampled examples it holds, and the caller sums the worker sums;</li>
 *   <li>{@link #release(LogicalBatch, double[])} adds the Gaussian noise once, here, divides by E, runs the
 *       configured DL4J updater, records the step in the ledger and reports like {@link PrivacyBudgetListener}.</li>
 * </ol>
 * Privacy meaning: identical to the single-machine run (each example enters the sum at most once per step, clipped to
 * C; noise N(0, &sigma;<sup>2</sup>C<sup>2</sup>) once per step; every step, also an empty one, accounted). The
 * guarantee assumes that the caller adds each worker's sum exactly once (a retried worker must not be counted twice)
 * and that the workers hold the N examples of the plan, each once.
 */
public final class DistributedPrivateTraining {

    private static final Logger log = LoggerFactory.getLogger(DistributedPrivateTraining.class);

    private final PrivateTraining training;
    private final ParameterLayout layout;
    private LogicalBatch pending;

    private DistributedPrivateTraining(PrivateTraining training) {
        this.training = training;
        this.layout = training.updater().layout();
    }

    /**
     * Sets up the driver of a distributed run: the same calibration, budget, ledger, guard and streams as
     * {@link DPLoRA#setup}, over N examples that the driver does not hold.
     *
     * @param net         the driver's network (ComputationGraph or MultiLayerNetwork with DP layers)
     * @param datasetSize N, the number of private examples the workers hold together (public)
     * @param config      the run's settings (a configured dataset size must equal N)
     * @param priorLedger the run's ledger so far (resuming from a checkpoint), or null for a fresh run
     * @return the driver
     */
    public static DistributedPrivateTraining create(Model net, int datasetSize, DPConfig config,
                                                    PrivacyLedger priorLedger) {
        if (datasetSize < 1) {
            throw new IllegalArgumentException("the data set size N must be >= 1, got " + datasetSize);
        }
        return new DistributedPrivateTraining(DPLoRA.setup(net, PoissonMultiDataSetIterator.indexSource(datasetSize),
                config, priorLedger));
    }

    /**
     * Draws the next logical step's Poisson sample (starting the next epoch when one ends).
     *
     * @return the batch, or null when the plan is complete or the budget is spent
     * @throws IllegalStateException if the previous batch has not been released
     */
    public synchronized LogicalBatch nextLogicalBatch() {
        if (pending != null) {
            throw new IllegalStateException("logical step " + pending.step() + " was drawn but not released; release "
                    + "it (an abandoned sample would leave the ledger behind the sampler)");
        }
        PoissonSamplingIterator it = training.iterator();
        if (!it.hasRemainingSteps()) {
            return null;
        }
        if (it.keyedSampler() != null) {
            long step = training.budget().stepsTaken();
            pending = new LogicalBatch(step, (int) (step / it.stepsPerEpoch()), null);
            return pending;
        }
        if (!it.hasNext()) {
            it.reset();
        }
        SamplingChannel channel = training.channel();
        int[] indices = new int[0];
        int n = 0;
        long step = -1;
        while (true) {
            DataSet ds = it.next();
            MicroBatch mb = channel.take();
            step = mb.logicalStep();
            if (!mb.padding()) {
                double[] ids = ds.getFeatures().castTo(DataType.DOUBLE).toDoubleVector();
                indices = Arrays.copyOf(indices, n + ids.length);
                for (double id : ids) {
                    indices[n++] = (int) id;
                }
            }
            if (mb.isLast()) {
                break;
            }
        }
        pending = new LogicalBatch(step, (int) (step / it.stepsPerEpoch()), indices);
        return pending;
    }

    /**
     * Releases the pending driver-drawn logical step (see {@link #release(LogicalBatch, double[], long)}; the number of
     * examples is the batch's size).
     *
     * @throws IllegalArgumentException also when the batch is sampled by the workers (keyed sampling): pass the number
     *                                  of examples they sampled
     */
    public synchronized void release(LogicalBatch batch, double[] clippedSum) {
        if (batch != null && batch.sampledByWorkers()) {
            throw new IllegalArgumentException("step " + batch.step() + " was sampled by the workers (keyed "
                    + "sampling): release(batch, clippedSum, examples) with the number of examples they sampled");
        }
        release(batch, clippedSum, batch == null ? 0 : batch.size());
    }

    /**
     * Releases the pending logical step: noise once, divide by E, configured updater, ledger (see
     * {@link DPUpdater#releaseExternalClippedSum}), then the budget listener's report.
     *
     * <p>A tripwire against sums that were not clipped (a worker bug, a hand-written caller): every clipped example
     * contributes a vector of norm at most C, so the released sum must have norm at most {@code examples} C (with a
     * relative slack of 1e-9 for the double summation); a larger sum is refused. It cannot catch everything (the
     * guarantee still assumes each worker's {@link ClippedSumWorker} sum is added exactly once), only gross errors.
     *
     * @param batch      the batch returned by the last {@link #nextLogicalBatch()}
     * @param clippedSum the sum of all workers' clipped sums for that batch, each worker counted once
     * @param examples   the number of examples in those sums (the workers' sampled counts; the batch's size when the
     *                   driver drew it)
     * @throws IllegalArgumentException if the batch is not the pending one, the count disagrees with a driver-drawn
     *                                  batch, or the sum is malformed or too large (then the batch stays pending and
     *                                  nothing is released)
     */
    public synchronized void release(LogicalBatch batch, double[] clippedSum, long examples) {
        if (batch == null || batch != pending) {
            throw new IllegalArgumentException("release the batch returned by the last nextLogicalBatch() (step "
                    + (pending == null ? "none" : pending.step()) + ")");
        }
        if (examples < 0 || (!batch.sampledByWorkers() && examples != batch.size())) {
            throw new IllegalArgumentException("the sums hold " + examples + " examples but the driver drew "
                    + batch.size() + " for step " + batch.step());
        }
        if (clippedSum != null) {
            double sq = 0;
            for (double v : clippedSum) {
                sq += v * v;
            }
            double bound = examples * training.config().getMaxGradNorm() * (1 + 1e-9);
            if (!(Math.sqrt(sq) <= bound)) {
                throw new IllegalArgumentException("the clipped sum of step " + batch.step() + " has norm "
                        + Math.sqrt(sq) + ", more than " + examples + " examples of norm at most C = "
                        + training.config().getMaxGradNorm() + " can have: it was not clipped; nothing released");
            }
        }
        training.updater().releaseExternalClippedSum(clippedSum, batch.epoch());
        pending = null;
        Model net = training.network();
        training.listener().iterationDone(net, (int) Math.min(Integer.MAX_VALUE, batch.step()), batch.epoch());
        PoissonSamplingIterator it = training.iterator();
        if (training.budget().stepsTaken() % it.stepsPerEpoch() == 0 || !it.hasRemainingSteps()) {
            training.listener().onEpochEnd(net);
        }
    }

    /**
     * @return the trainable DP parameters of the driver's network, parameter by parameter in flat order, in double
     * (exact for float): what the workers set on their replicas before computing a step's clipped sums
     */
    public double[] trainableParameters() {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return layout.readPrivatisedParameters(training.network().params());
        }
    }

    /**
     * @return the run's keyed sampler when it samples with {@link SamplingScheme#KEYED} (then the workers decide
     * membership themselves: {@link LogicalBatch#indices()} is null), or null when the driver draws the batches
     */
    public KeyedPoissonSampler keyedSampler() {
        return training.iterator().keyedSampler();
    }

    /** @return the number of trainable DP coordinates (the length of a clipped sum and of the parameters) */
    public int trainableParameterCount() {
        return (int) layout.privatisedLength();
    }

    /** @return the single-machine handle of this run (epsilon, ledger, budget, checkpoint saving) */
    public PrivateTraining training() {
        return training;
    }

    /** @return epsilon spent so far at the run's delta */
    public double epsilon() {
        return training.epsilon();
    }

    /** @return the pending (drawn, not yet released) batch, or null */
    public synchronized LogicalBatch pending() {
        return pending;
    }

    /** Logs the end of the run. */
    public void logSummary() {
        log.info("distributed private training: {} logical steps taken, epsilon = {} at delta = {}",
                training.stepsTaken(), PrivacyReport.formatEpsilon(training.epsilon()), training.delta());
    }
}
