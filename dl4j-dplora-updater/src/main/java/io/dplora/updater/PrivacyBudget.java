package io.dplora.updater;

import io.dplora.accounting.AccountantType;
import io.dplora.accounting.NoiseCalibration;
import io.dplora.accounting.PrivacyLedger;

/**
 * The privacy state of one run: its {@link PrivacyLedger} (every logical step taken, restored ones included), the
 * noise multiplier and sampling rate of its steps, and the step limit that keeps epsilon within the budget.
 *
 * <p>The limit is computed once, when the budget is created (at setup or resume), with
 * {@link NoiseCalibration#maxSteps}: the largest k such that the ledger so far plus k more steps (same sigma and q)
 * has epsilon &le; the limit at delta. The sampling iterator ends there and the DP step refuses to release a step
 * beyond it ({@link BudgetExhaustedException}). One ledger entry is recorded per logical step, when its noisy
 * gradient is released.
 */
public final class PrivacyBudget {

    private final PrivacyLedger ledger;
    private final double noiseMultiplier;
    private final SamplingPlan plan;
    private final double samplingRate;
    private final double delta;
    private final double epsilonLimit;
    private final AccountantType accountant;
    private final long stepsAtStart;
    private long budgetStepLimit;
    private final PrivacyLedger ledgerAtStart;
    private final long plannedSteps;

    private long cachedAtSteps = -1;
    private double cachedEpsilon;

    /**
     * @param ledger          the run's ledger so far (used and appended to, not copied)
     * @param noiseMultiplier sigma of every step of this run
     * @param plan            N and E of this run: every step is accounted at q = E / N
     * @param delta           delta at which epsilon is reported and limited
     * @param epsilonLimit    epsilon budget (+Infinity for none)
     * @param accountant      accountant for the limit and the reports
     * @param plannedSteps    total logical steps planned for the run, counting the ledger's steps
     */
    public PrivacyBudget(PrivacyLedger ledger, double noiseMultiplier, SamplingPlan plan, double delta,
                         double epsilonLimit, AccountantType accountant, long plannedSteps) {
        if (ledger == null || accountant == null || plan == null) {
            throw new IllegalArgumentException("ledger, sampling plan and accountant must not be null");
        }
        double samplingRate = plan.samplingRate();
        if (!(noiseMultiplier >= 0) || !(samplingRate > 0 && samplingRate <= 1) || !(delta > 0 && delta < 1)
                || !(epsilonLimit > 0) || plannedSteps < 0) {
            throw new IllegalArgumentException("invalid budget: sigma " + noiseMultiplier + ", q " + samplingRate
                    + ", delta " + delta + ", epsilon limit " + epsilonLimit + ", planned steps " + plannedSteps);
        }
        this.ledger = ledger;
        this.noiseMultiplier = noiseMultiplier;
        this.plan = plan;
        this.samplingRate = samplingRate;
        this.delta = delta;
        this.epsilonLimit = epsilonLimit;
        this.accountant = accountant;
        this.plannedSteps = plannedSteps;
        this.stepsAtStart = ledger.totalSteps();
        this.ledgerAtStart = ledger.copy();
        if (Double.isInfinite(epsilonLimit)) {
            this.budgetStepLimit = Long.MAX_VALUE;
        } else if (plannedSteps > stepsAtStart && NoiseCalibration.certainlyWithin(ledger, noiseMultiplier,
                samplingRate, plannedSteps - stepsAtStart, epsilonLimit, delta, accountant)) {
            // the whole plan fits (one cheap upper-bound evaluation): the exact limit is only needed if asked for
            this.budgetStepLimit = UNKNOWN;
        } else {
            this.budgetStepLimit = computeBudgetStepLimit();
        }
    }

    private static final long UNKNOWN = -1;

    private long computeBudgetStepLimit() {
        long more = NoiseCalibration.maxSteps(ledgerAtStart, noiseMultiplier, samplingRate, epsilonLimit, delta,
                accountant);
        return saturatedAdd(stepsAtStart, Math.max(0L, more));
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return (r < a) ? Long.MAX_VALUE : r;
    }

    /** @return logical steps recorded in the ledger (restored ones included). */
    public synchronized long stepsTaken() {
        return ledger.totalSteps();
    }

    /** @return logical steps the ledger held when this budget was created. */
    public long stepsAtStart() {
        return stepsAtStart;
    }

    /**
     * @return the absolute step count the epsilon budget allows (Long.MAX_VALUE without a budget); computed on first
     * call when setup found that the whole plan fits (a search with the run's accountant)
     */
    public synchronized long budgetStepLimit() {
        if (budgetStepLimit == UNKNOWN) {
            budgetStepLimit = computeBudgetStepLimit();
        }
        return budgetStepLimit;
    }

    /** @return the absolute planned step count of the run. */
    public long plannedSteps() {
        return plannedSteps;
    }

    /** @return the absolute step count training stops at: min(planned, budget). */
    public synchronized long stepLimit() {
        return budgetStepLimit == UNKNOWN ? plannedSteps : Math.min(plannedSteps, budgetStepLimit);
    }

    /** @return logical steps still allowed (0 when the plan is done or the budget spent). */
    public synchronized long remainingSteps() {
        return Math.max(0L, stepLimit() - ledger.totalSteps());
    }

    /** @return whether one more step would exceed the epsilon budget. */
    public synchronized boolean budgetExhausted() {
        long taken = ledger.totalSteps();
        return taken >= budgetLimitCovering(taken);
    }

    /** @return a step count up to which steps are certainly within the budget, at least {@code taken + 1} if any */
    private long budgetLimitCovering(long taken) {
        if (budgetStepLimit == UNKNOWN && taken < plannedSteps) {
            return plannedSteps; // setup certified the whole plan
        }
        return budgetStepLimit();
    }

    /**
     * Throws unless one more logical step fits in the epsilon budget. Called by the DP step before it privatises.
     *
     * @throws BudgetExhaustedException if the next step would exceed the budget
     */
    public synchronized void checkNextStepAllowed() {
        long taken = ledger.totalSteps();
        if (taken >= budgetLimitCovering(taken)) {
            throw new BudgetExhaustedException("privacy budget exhausted: " + taken + " steps taken, epsilon "
                    + epsilon() + " at delta " + delta + "; one more step (sigma " + noiseMultiplier + ", q "
                    + samplingRate + ") would exceed the limit " + epsilonLimit + ". The step was not applied");
        }
    }

    /** Records one released logical step (sigma, q) in the ledger. */
    public synchronized void recordStep() {
        ledger.record(noiseMultiplier, samplingRate, 1);
    }

    /**
     * @return epsilon at {@link #delta()} of all steps in the ledger, by the configured accountant (cached per step
     * count, so calling it repeatedly between steps is free)
     */
    public synchronized double epsilon() {
        long taken = ledger.totalSteps();
        if (taken != cachedAtSteps) {
            cachedEpsilon = taken == 0 ? 0.0 : ledger.epsilon(delta, accountant);
            cachedAtSteps = taken;
        }
        return cachedEpsilon;
    }

    /** @return the ledger (live; copy it to keep a snapshot). */
    public PrivacyLedger ledger() {
        return ledger;
    }

    /** @return sigma of this run's steps. */
    public double noiseMultiplier() {
        return noiseMultiplier;
    }

    /** @return q = E / N of this run's steps. */
    public double samplingRate() {
        return samplingRate;
    }

    /** @return the run's sampling plan (N, E, q): the only source of these numbers for the sampler and the DP step. */
    public SamplingPlan plan() {
        return plan;
    }

    /** @return delta of the reports and limit. */
    public double delta() {
        return delta;
    }

    /** @return the epsilon budget (+Infinity for none). */
    public double epsilonLimit() {
        return epsilonLimit;
    }

    /** @return the accountant type. */
    public AccountantType accountant() {
        return accountant;
    }
}
