package io.dplora.updater;

/**
 * The privacy spent so far by a run, as reported by {@link PrivacyBudgetListener}.
 *
 * @param steps        logical steps in the ledger (restored ones included)
 * @param epsilon      epsilon of those steps at {@code delta}
 * @param delta        the run's delta
 * @param epsilonLimit the run's epsilon budget (+Infinity for none)
 * @param stepLimit    the step at which training stops (plan or budget)
 * @param epochEnd     whether the report was made at the end of an epoch
 */
public record PrivacyReport(long steps, double epsilon, double delta, double epsilonLimit, long stepLimit,
                            boolean epochEnd) {
}
