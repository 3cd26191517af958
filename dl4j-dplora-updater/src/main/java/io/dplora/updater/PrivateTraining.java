package io.dplora.updater;

import io.dplora.accounting.PrivacyLedger;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;

/**
 * The handle of a private training run made by {@link DPLoRA#makePrivate}: the network with the {@link DPUpdater}
 * and the {@link PrivacyBudgetListener} installed, the {@link PoissonSamplingIterator} that feeds it, and the run's
 * {@link PrivacyBudget} and ledger.
 *
 * <p>{@link #fit()} runs the planned epochs (ceil(epochs&middot;N/E) logical steps in all) and stops at the budget;
 * a call when nothing is left does nothing and says so. The network can also be trained by DL4J directly with
 * {@code net.fit(training.iterator())} (one epoch per call) or an {@code EarlyStoppingGraphTrainer} over
 * {@link #iterator()} (add {@link #terminationCondition()} so it ends when the budget is spent).
 */
public final class PrivateTraining {

    private static final Logger log = LoggerFactory.getLogger(PrivateTraining.class);

    private final Model network;
    private final DPConfig config;
    private final PoissonSamplingIterator iterator;
    private final DPUpdater updater;
    private final PrivacyBudgetListener listener;
    private final PrivacyBudget budget;
    private PoissonMultiDataSetIterator multiIterator;
    private SamplingChannel channel;

    PrivateTraining(Model network, DPConfig config, PoissonSamplingIterator iterator, DPUpdater updater,
                    PrivacyBudgetListener listener, PrivacyBudget budget) {
        this.network = network;
        this.config = config;
        this.iterator = iterator;
        this.updater = updater;
        this.listener = listener;
        this.budget = budget;
    }

    /**
     * Trains until the plan is complete or the privacy budget is spent, one DL4J epoch (ceil(N/E) logical steps) at
     * a time.
     *
     * @return logical steps taken by this call (0 when nothing was left)
     */
    public long fit() {
        long before = budget.stepsTaken();
        if (!iterator.hasRemainingSteps()) {
            log.warn("fit() did nothing: {} of {} planned logical steps taken, epsilon = {} at delta = {}; {}",
                    before, budget.plannedSteps(), PrivacyReport.formatEpsilon(budget.epsilon()), budget.delta(),
                    budget.budgetExhausted() ? "the privacy budget is spent" : "the plan is complete");
            return 0;
        }
        updater.checkInstalled();
        while (iterator.hasRemainingSteps()) {
            long s = budget.stepsTaken();
            boolean pending = iterator.hasNext();
            if (multiIterator != null) {
                ((ComputationGraph) network).fit(multiIterator);
            } else if (network instanceof ComputationGraph) {
                ((ComputationGraph) network).fit(iterator);
            } else {
                ((MultiLayerNetwork) network).fit(iterator);
            }
            if (budget.stepsTaken() == s && !pending && !iterator.hasNext() && iterator.hasRemainingSteps()) {
                throw new IllegalStateException("an epoch made no progress although steps remain; stopping");
            }
        }
        long taken = budget.stepsTaken() - before;
        log.info("private training stopped after {} logical steps ({} in this call): epsilon = {} at delta = {}{}",
                budget.stepsTaken(), taken, PrivacyReport.formatEpsilon(budget.epsilon()), budget.delta(),
                budget.budgetExhausted() && budget.budgetStepLimit() < budget.plannedSteps()
                        ? " (privacy budget spent before the plan was complete)" : "");
        return taken;
    }

    /** @return epsilon at the run's delta of all logical steps taken (restored ones included). */
    public double epsilon() {
        return budget.epsilon();
    }

    /** @return delta of the run's guarantee. */
    public double delta() {
        return budget.delta();
    }

    /** @return a copy of the run's ledger (every accounted step). */
    public PrivacyLedger ledger() {
        return budget.ledger().copy();
    }

    /** @return the noise multiplier sigma of every step (calibrated, or as configured). */
    public double noiseMultiplier() {
        return budget.noiseMultiplier();
    }

    /** @return the Poisson sampling rate q = E/N. */
    public double samplingRate() {
        return budget.samplingRate();
    }

    /** @return logical steps taken in this run (restored ones included). */
    public long stepsTaken() {
        return budget.stepsTaken();
    }

    /** @return the logical step count at which training stops (plan or budget, whichever comes first). */
    public long stepLimit() {
        return budget.stepLimit();
    }

    /** @return whether one more step would exceed the epsilon budget. */
    public boolean isBudgetExhausted() {
        return budget.budgetExhausted();
    }

    void setChannel(SamplingChannel channel) {
        this.channel = channel;
    }

    SamplingChannel channel() {
        return channel;
    }

    /** Makes this run feed the network MultiDataSets (set up by DPLoRA for multi-input/-output data). */
    void useMultiDataSets(PoissonMultiDataSetIterator multi) {
        this.multiIterator = multi;
    }

    /**
     * @return the iterator that feeds a network trained on MultiDataSets ({@code net.fit(it)} runs one epoch)
     * @throws IllegalStateException if this run was set up with DataSets (use {@link #iterator()})
     */
    public PoissonMultiDataSetIterator multiDataSetIterator() {
        if (multiIterator == null) {
            throw new IllegalStateException("this run was set up with DataSets: use iterator()");
        }
        return multiIterator;
    }

    /** @return the Poisson sampling iterator that feeds the network (for MultiDataSet runs: the index sampler). */
    public PoissonSamplingIterator iterator() {
        return iterator;
    }

    /** @return the listener reporting epsilon. */
    public PrivacyBudgetListener listener() {
        return listener;
    }

    /** @return the DP step. */
    public DPUpdater updater() {
        return updater;
    }

    /** @return the run's budget. */
    public PrivacyBudget budget() {
        return budget;
    }

    /** @return the configuration. */
    public DPConfig config() {
        return config;
    }

    /** @return the network being trained. */
    public Model network() {
        return network;
    }

    /**
     * @return an early-stopping epoch condition that ends training once no logical step is left (use it with
     * {@code EarlyStoppingGraphTrainer} / {@code EarlyStoppingTrainer} over {@link #iterator()})
     */
    public PrivacyBudgetTerminationCondition terminationCondition() {
        return new PrivacyBudgetTerminationCondition(iterator);
    }

    /**
     * Saves the model (with optimiser state) and the ledger in one zip, atomically ({@link DPCheckpoint}).
     *
     * @param file the checkpoint file
     * @throws IOException if it cannot be written (a previous checkpoint at that path is then left intact)
     */
    public void save(File file) throws IOException {
        DPCheckpoint.save(network, budget.ledger(), file);
    }
}
