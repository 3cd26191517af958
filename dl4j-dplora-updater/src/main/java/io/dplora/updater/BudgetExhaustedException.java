package io.dplora.updater;

/**
 * Thrown by the DP step when one more logical step would take epsilon past the run's budget. It is thrown before the
 * step is privatised or applied: the parameters, the optimiser state and the ledger are unchanged.
 */
public class BudgetExhaustedException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** @param message what was refused and why */
    public BudgetExhaustedException(String message) {
        super(message);
    }
}
