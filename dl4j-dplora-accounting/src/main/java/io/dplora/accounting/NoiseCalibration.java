package io.dplora.accounting;

import java.util.Objects;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongPredicate;
import java.util.function.LongToDoubleFunction;

/**
 * Turns a privacy budget into training parameters for DP-SGD with Poisson sampling: the noise multiplier that
 * meets a target epsilon ({@link #noiseMultiplier}), the number of further steps a budget allows
 * ({@link #maxSteps}), and the epsilon of a plan ({@link #epsilon}).
 *
 * <p>Every answer is on the safe side: a calibrated sigma is one whose epsilon has been evaluated and found
 * {@code <= target} (a bracketing root finder that only ever returns its upper end), and a step limit k is one for
 * which the epsilon of the prior ledger plus k steps has been evaluated and found {@code <= target}.
 */
public final class NoiseCalibration {

    /** Relative width of the final sigma bracket with the RDP accountant. */
    static final double RDP_SIGMA_TOLERANCE = 1e-6;
    /** Relative width of the final sigma bracket with the PLD accountant (each evaluation costs a composition). */
    static final double PLD_SIGMA_TOLERANCE = 1e-5;
    /** PLD interval of {@link #noiseMultiplierForSetup}. */
    static final double SETUP_INTERVAL = 1e-3;
    /** Relative width of the final sigma bracket of {@link #noiseMultiplierForSetup}. */
    static final double SETUP_SIGMA_TOLERANCE = 1e-4;
    private static final double MAX_SIGMA = 1e8;
    private static final double MIN_SIGMA = 1e-6;

    private NoiseCalibration() {
    }

    /**
     * The epsilon, at the given delta, of {@code steps} DP-SGD steps with Poisson sampling probability q and noise
     * multiplier sigma (one Poisson-subsampled Gaussian mechanism per step).
     */
    public static double epsilon(double noiseMultiplier, double samplingProbability, long steps, double delta,
                                 AccountantType type) {
        Objects.requireNonNull(type, "accountant type");
        Checks.requireDelta(delta);
        DpEvent event = plan(noiseMultiplier, samplingProbability, steps);
        return type.newAccountant().compose(event).getEpsilon(delta);
    }

    /**
     * The smallest noise multiplier sigma whose {@code steps} steps at sampling probability q are
     * (targetEpsilon, delta)-DP by the given accountant, to a relative precision of 1e-6 (RDP) or 1e-5 (PLD). The
     * returned sigma has itself been evaluated: its epsilon is {@code <= targetEpsilon}, and that of
     * {@code sigma / (1 + tolerance)} was found above the target.
     *
     * <p>0 when q = 0 or steps = 0 (nothing is released, so no noise is needed).
     *
     * @throws IllegalArgumentException for a target that is negative or not finite, delta outside (0, 1), q outside
     *                                  [0, 1], negative steps, or a target no sigma up to 1e8 reaches
     */
    public static double noiseMultiplier(double targetEpsilon, double delta, double samplingProbability, long steps,
                                         AccountantType type) {
        Objects.requireNonNull(type, "accountant type");
        return type == AccountantType.RDP
                ? calibrate(targetEpsilon, delta, samplingProbability, steps, RdpAccountant::new, 1.0, 2.0,
                RDP_SIGMA_TOLERANCE)
                : calibrate(targetEpsilon, delta, samplingProbability, steps, type::newAccountant,
                noiseMultiplier(targetEpsilon, delta, samplingProbability, steps, AccountantType.RDP), 1.25,
                PLD_SIGMA_TOLERANCE);
    }

    /**
     * The noise multiplier for setting up a training run, in a fraction of the time of {@link #noiseMultiplier}: with
     * PLD the search runs on the PLD grid of interval 1e-3 (about 10x cheaper than 1e-4, and still an upper bound,
     * so the returned sigma meets the target) to a relative precision of 1e-4; the sigma is at most about 0.1% above
     * the smallest one of the 1e-4 grid, and the epsilon reported during training (1e-4 grid) comes out slightly
     * below the target. With RDP it equals {@link #noiseMultiplier}.
     */
    public static double noiseMultiplierForSetup(double targetEpsilon, double delta, double samplingProbability,
                                                 long steps, AccountantType type) {
        Objects.requireNonNull(type, "accountant type");
        if (type == AccountantType.RDP) {
            return noiseMultiplier(targetEpsilon, delta, samplingProbability, steps, type);
        }
        return calibrate(targetEpsilon, delta, samplingProbability, steps,
                () -> new PldWithRdpFallbackAccountant(SETUP_INTERVAL),
                noiseMultiplier(targetEpsilon, delta, samplingProbability, steps, AccountantType.RDP), 1.25,
                SETUP_SIGMA_TOLERANCE);
    }

    /**
     * Whether {@code steps} further steps after {@code prior} stay within {@code targetEpsilon}, decided with one
     * evaluation of a cheap upper bound (PLD on the 1e-3 grid, never above RDP; RDP for RDP): {@code true} is
     * certain, {@code false} may be pessimistic (then use {@link #maxSteps}).
     */
    public static boolean certainlyWithin(PrivacyLedger prior, double noiseMultiplier, double samplingProbability,
                                          long steps, double targetEpsilon, double delta, AccountantType type) {
        Objects.requireNonNull(prior, "prior ledger");
        requireTarget(targetEpsilon);
        Checks.requireDelta(delta);
        PrivacyAccountant a = type == AccountantType.RDP ? new RdpAccountant()
                : new PldWithRdpFallbackAccountant(SETUP_INTERVAL);
        a.compose(prior.toDpEvent());
        a.compose(plan(noiseMultiplier, samplingProbability, steps));
        return a.getEpsilon(delta) <= targetEpsilon;
    }

    /**
     * @param accountant a fresh accountant per evaluation
     * @param start      the first sigma tried
     * @param factor     the bracketing factor
     */
    private static double calibrate(double targetEpsilon, double delta, double samplingProbability, long steps,
                                    java.util.function.Supplier<PrivacyAccountant> accountant, double start,
                                    double factor, double tolerance) {
        requireTarget(targetEpsilon);
        Checks.requireDelta(delta);
        plan(1.0, samplingProbability, steps); // validates q and steps
        if (samplingProbability == 0 || steps == 0) {
            return 0.0;
        }
        if (targetEpsilon == 0) {
            throw new IllegalArgumentException("epsilon 0 cannot be reached with q > 0 and steps > 0");
        }
        DoubleUnaryOperator excess = sigma -> accountant.get().compose(plan(sigma, samplingProbability, steps))
                .getEpsilon(delta) - targetEpsilon;
        // Bracket [lo, hi] with excess(lo) > 0 >= excess(hi), growing or shrinking by `factor`.
        double hi = start;
        double fHi = excess.applyAsDouble(hi);
        double lo;
        double fLo;
        if (fHi > 0) {
            do {
                lo = hi;
                fLo = fHi;
                hi *= factor;
                if (hi > MAX_SIGMA) {
                    throw new IllegalArgumentException("epsilon " + targetEpsilon + " at delta " + delta
                            + " is not reached by any noise multiplier up to " + MAX_SIGMA);
                }
                fHi = excess.applyAsDouble(hi);
            } while (fHi > 0);
        } else {
            lo = hi;
            do {
                lo /= factor;
                if (lo < MIN_SIGMA) {
                    return hi; // still within budget at sigma ~ 1e-6: hi is a valid (and practically minimal) answer
                }
                fLo = excess.applyAsDouble(lo);
                if (fLo <= 0) {
                    hi = lo;
                    fHi = fLo;
                }
            } while (fLo <= 0);
        }
        return bracketedRoot(excess, lo, fLo, hi, fHi, tolerance);
    }

    /**
     * A root of a decreasing f on log sigma, keeping {@code f(lo) > 0 >= f(hi)}; returns hi once
     * {@code hi / lo <= 1 + tolerance}. Each probe is the root of the secant through the two most recent probes (a
     * local slope once they are close), moved by half the tolerance away from the side of the most recent probe, so
     * that a good guess lands on the other side of the root and closes the bracket at once (one-sided secant steps
     * are what make plain regula falsi slow). Bisection after three probes in a row that did not halve the bracket,
     * or when a value is infinite.
     */
    private static double bracketedRoot(DoubleUnaryOperator f, double lo, double fLo, double hi, double fHi,
                                         double tolerance) {
        double xLo = Math.log(lo);
        double xHi = Math.log(hi);
        double tolX = Math.log1p(tolerance);
        double xA = xLo; // the probe before the most recent one
        double gA = fLo;
        double xB = xHi; // the most recent probe
        double gB = fHi;
        int slow = 0;
        while (hi > lo * (1 + tolerance)) {
            double width = xHi - xLo;
            double x = Double.NaN;
            if (slow < 3 && Double.isFinite(gA) && Double.isFinite(gB) && gA != gB) {
                double root = xB - gB * (xB - xA) / (gB - gA);
                x = root + (gB > 0 ? 0.5 : -0.5) * tolX;
                if (!(x > xLo && x < xHi)) {
                    x = Math.min(Math.max(root, xLo + 0.01 * width), xHi - 0.01 * width);
                }
            }
            if (!(x > xLo && x < xHi)) {
                x = 0.5 * (xLo + xHi);
                slow = 0;
            }
            double sigma = Math.exp(x);
            double fx = f.applyAsDouble(sigma);
            if (fx > 0) {
                xLo = x;
                lo = sigma;
            } else {
                xHi = x;
                hi = sigma;
            }
            xA = xB;
            gA = gB;
            xB = x;
            gB = fx;
            slow = xHi - xLo > 0.5 * width ? slow + 1 : 0;
        }
        return hi;
    }

    /**
     * The largest number k &gt;= 0 of further DP-SGD steps, with noise multiplier sigma and sampling probability q,
     * such that the events of {@code prior} followed by those k steps are (targetEpsilon, delta)-DP by the given
     * accountant. 0 if even the prior alone (or the prior plus one step) exceeds the target; {@link Long#MAX_VALUE}
     * if the steps cost nothing (q = 0).
     *
     * <p>With RDP this is solved per order in closed form (the per-step RDP is computed once; epsilon at k steps is
     * {@code min over alpha of prior_alpha + k rdp_alpha + conversion_alpha}) and then checked by direct evaluation at
     * k and k + 1. With PLD it is a search over k (a bracketing secant on epsilon squared with bisection safeguards,
     * {@link StepLimitSearch}), first on the cheap set-up grid from the RDP answer, then on the default grid from the
     * set-up grid's answer, one composition per probe; only the default grid's probes decide the answer, and a probe
     * whose composition is too wide to evaluate counts as over budget.
     *
     * @param prior the privacy already spent (not modified)
     */
    public static long maxSteps(PrivacyLedger prior, double noiseMultiplier, double samplingProbability,
                                double targetEpsilon, double delta, AccountantType type) {
        Objects.requireNonNull(prior, "prior ledger");
        Objects.requireNonNull(type, "accountant type");
        requireTarget(targetEpsilon);
        Checks.requireDelta(delta);
        DpEvent step = plan(noiseMultiplier, samplingProbability, 1);
        DpEvent priorEvent = prior.toDpEvent();
        long rdpSteps = maxStepsRdp(priorEvent, step, targetEpsilon, delta);
        if (type == AccountantType.RDP) {
            return rdpSteps;
        }
        return maxStepsPld(priorEvent, step, noiseMultiplier, samplingProbability, targetEpsilon, delta, rdpSteps);
    }

    private static long maxStepsRdp(DpEvent priorEvent, DpEvent step, double target, double delta) {
        double[] orders = RdpAccountant.defaultOrders();
        double[] base = RdpAccountant.rdpOf(priorEvent, orders);
        double[] perStep = RdpAccountant.rdpOf(step, orders);
        LongPredicate within = k -> {
            double[] total = new double[orders.length];
            for (int i = 0; i < orders.length; i++) {
                total[i] = k == 0 ? base[i] : base[i] + k * perStep[i];
            }
            return RdpConversion.epsilon(orders, total, delta).value() <= target;
        };
        if (!within.test(0)) {
            return 0;
        }
        double best = 0;
        double logDelta = Math.log(delta);
        double klLimit = -Math.log1p(-delta * delta); // rdp below this: epsilon 0 by the KL bound
        boolean free = true;
        for (int i = 0; i < orders.length; i++) {
            double a = orders[i];
            double r = perStep[i];
            if (r == 0) {
                if (base[i] < Double.POSITIVE_INFINITY) {
                    double eps0 = RdpConversion.epsilon(new double[] {a}, new double[] {base[i]}, delta).value();
                    if (eps0 <= target) {
                        best = Double.POSITIVE_INFINITY;
                    }
                }
                continue;
            }
            free = false;
            if (!(r < Double.POSITIVE_INFINITY) || !(base[i] < Double.POSITIVE_INFINITY)) {
                continue;
            }
            double conversion = Math.log1p(-1 / a) - (logDelta + Math.log(a)) / (a - 1);
            double k = Math.floor((target - conversion - base[i]) / r);
            double kKl = Math.ceil((klLimit - base[i]) / r) - 1;
            best = Math.max(best, Math.max(k, kKl));
        }
        if (free || best >= 9.0e18) {
            return Long.MAX_VALUE;
        }
        long k = (long) Math.max(0, best);
        while (k > 0 && !within.test(k)) {
            k--;
        }
        while (k < Long.MAX_VALUE && within.test(k + 1)) {
            k++;
        }
        return k;
    }

    private static long maxStepsPld(DpEvent priorEvent, DpEvent step, double sigma, double q, double target,
                                    double delta, long rdpSteps) {
        double priorEpsilon = AccountantType.PLD.newAccountant().compose(priorEvent).getEpsilon(delta);
        if (priorEpsilon > target) {
            return 0;
        }
        if (q == 0) {
            return Long.MAX_VALUE;
        }
        if (sigma == 0) {
            return 0;
        }
        // epsilon(prior + k steps) by the default accountant, and on the set-up grid (about 10x cheaper per probe)
        LongToDoubleFunction epsilonAfter = k -> AccountantType.PLD.newAccountant()
                .compose(priorEvent).compose(step, k).getEpsilon(delta);
        LongToDoubleFunction coarseEpsilonAfter = k -> new PldWithRdpFallbackAccountant(SETUP_INTERVAL)
                .compose(priorEvent).compose(step, k).getEpsilon(delta);
        // Search on the set-up grid first (its epsilon agrees with the default grid's to about 1e-4, a fraction of a
        // step), starting from the RDP answer (within the budget by PLD too, usually close below the answer); then
        // certify on the default grid from that guess: two probes when the grids agree on k. Only the default
        // grid's probes decide the answer.
        long start = Math.max(1, rdpSteps);
        double coarsePrior = new PldWithRdpFallbackAccountant(SETUP_INTERVAL).compose(priorEvent).getEpsilon(delta);
        if (!(coarsePrior <= target)) {
            return StepLimitSearch.largestWithin(epsilonAfter, target, 0, priorEpsilon, start);
        }
        long guess = StepLimitSearch.largestWithin(coarseEpsilonAfter, target, 0, coarsePrior, start);
        return StepLimitSearch.largestWithinNear(epsilonAfter, target, 0, priorEpsilon, Math.max(1, guess));
    }

    private static DpEvent plan(double noiseMultiplier, double samplingProbability, long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        }
        return DpEvent.selfComposed(DpEvent.poissonSampled(samplingProbability, DpEvent.gaussian(noiseMultiplier)),
                steps);
    }

    private static void requireTarget(double targetEpsilon) {
        if (!(targetEpsilon >= 0) || Double.isInfinite(targetEpsilon)) {
            throw new IllegalArgumentException("target epsilon must be finite and >= 0, got " + targetEpsilon);
        }
    }
}
