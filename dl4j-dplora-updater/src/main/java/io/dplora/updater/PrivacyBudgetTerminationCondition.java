package io.dplora.updater;

import org.deeplearning4j.earlystopping.termination.EpochTerminationCondition;

/**
 * An early-stopping {@link EpochTerminationCondition} that ends training once the run's
 * {@link PoissonSamplingIterator} has no logical step left (plan complete or privacy budget spent). Without it an
 * early-stopping trainer would keep running empty epochs. Not meant for JSON: it holds the live iterator.
 */
public class PrivacyBudgetTerminationCondition implements EpochTerminationCondition {

    private static final long serialVersionUID = 1L;

    private final transient PoissonSamplingIterator iterator;

    /** @param iterator the run's sampling iterator */
    public PrivacyBudgetTerminationCondition(PoissonSamplingIterator iterator) {
        if (iterator == null) {
            throw new IllegalArgumentException("iterator must not be null");
        }
        this.iterator = iterator;
    }

    @Override
    public void initialize() {
        // nothing to initialise: the budget lives in the iterator's PrivacyBudget
    }

    @Override
    public boolean terminate(int epochNum, double score, boolean minimize) {
        return !iterator.hasRemainingSteps();
    }

    @Override
    public String toString() {
        return "PrivacyBudgetTerminationCondition(no logical step left: plan complete or privacy budget spent)";
    }
}
