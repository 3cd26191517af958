package io.dplora.updater;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * A DL4J {@code TrainingListener} that reports the privacy spent: epsilon at the run's delta every {@code k} logical
 * steps and at each epoch end, through slf4j, {@link #getEpsilon()} and an optional callback.
 *
 * <p>It counts logical steps (one per released noisy update, from the ledger), not DL4J iterations, which with
 * virtual batches advance once per micro-batch. Epsilon is computed only when reported or asked for, and cached per
 * step count (RDP is cheap; PLD costs more and is never computed per iteration).
 *
 * <p>Safety: before each gradient is used it checks that the network's updater is still the run's DP updater and
 * throws otherwise (a network that dropped its DP updater would train without privacy).
 */
public class PrivacyBudgetListener extends BaseTrainingListener {

    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(PrivacyBudgetListener.class);

    private final transient PrivacyBudget budget;
    private final transient DPUpdater dpUpdater;
    private final int reportEvery;
    private transient Consumer<PrivacyReport> callback;
    private long lastReportedSteps = -1;
    private PrivacyReport lastReport;

    /**
     * @param budget      the run's budget
     * @param dpUpdater   the run's DP step (checked to be still installed; may be null to skip that check)
     * @param reportEvery report every this many logical steps (&ge; 1)
     */
    public PrivacyBudgetListener(PrivacyBudget budget, DPUpdater dpUpdater, int reportEvery) {
        if (budget == null) {
            throw new IllegalArgumentException("budget must not be null");
        }
        if (reportEvery < 1) {
            throw new IllegalArgumentException("reportEvery must be >= 1, got " + reportEvery);
        }
        this.budget = budget;
        this.dpUpdater = dpUpdater;
        this.reportEvery = reportEvery;
    }

    /** @return the budget this listener reports (for the DP step's check that the listener is still installed) */
    PrivacyBudget budget() {
        return budget;
    }

    /**
     * @param callback called with every report (null to remove)
     * @return this
     */
    public PrivacyBudgetListener setCallback(Consumer<PrivacyReport> callback) {
        this.callback = callback;
        return this;
    }

    @Override
    public void onGradientCalculation(Model model) {
        if (dpUpdater != null) {
            dpUpdater.checkInstalled();
        }
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        long steps = budget.stepsTaken();
        if (steps != lastReportedSteps && steps > 0 && steps % reportEvery == 0) {
            report(false);
        }
    }

    @Override
    public void onEpochEnd(Model model) {
        report(true);
    }

    private void report(boolean epochEnd) {
        long steps = budget.stepsTaken();
        double eps = budget.epsilon();
        lastReportedSteps = steps;
        PrivacyReport r = new PrivacyReport(steps, eps, budget.delta(), budget.epsilonLimit(), budget.stepLimit(),
                epochEnd);
        lastReport = r;
        log.info("privacy spent{}: epsilon = {} at delta = {} after {} logical steps (budget {}, stops at step {})",
                epochEnd ? " (epoch end)" : "", PrivacyReport.formatEpsilon(eps), budget.delta(), steps,
                Double.isInfinite(budget.epsilonLimit()) ? "none" : budget.epsilonLimit(), budget.stepLimit());
        if (callback != null) {
            callback.accept(r);
        }
    }

    /** @return epsilon at the run's delta of all steps taken so far (computed on demand, cached per step count). */
    public double getEpsilon() {
        return budget.epsilon();
    }

    /** @return the last report made, or null before the first. */
    public PrivacyReport getLastReport() {
        return lastReport;
    }

    /** @return the reporting interval in logical steps. */
    public int getReportEvery() {
        return reportEvery;
    }
}
