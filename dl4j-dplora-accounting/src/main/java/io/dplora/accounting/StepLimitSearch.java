package io.dplora.accounting;

import java.util.function.LongToDoubleFunction;

/**
 * The largest step count k whose epsilon is within a target, for an epsilon that grows with k and is expensive to
 * evaluate (one PLD composition per probe): a bracketing secant search on {@code h(k) = epsilon(k)^2 - target^2}.
 *
 * <p>Why the square: epsilon of k Gaussian-like compositions grows like {@code a k + b sqrt(k)}, so its square is
 * close to linear in k and a secant through two probes lands within a few steps of the answer (on epsilon itself,
 * interpolation misses by hundreds of steps on long runs). The secant uses the two most recent probes, so once two
 * probes lie close together it is a local slope, not the chord of the whole bracket.
 *
 * <p>Safety does not depend on the model: the answer is always a probe found {@code <= target} whose successor k + 1
 * was found {@code > target} (or {@link Long#MAX_VALUE}); guesses only change how many probes it takes. Rounding
 * the guess down makes each probe a candidate answer, and a bisection step follows three probes that did not halve
 * the bracket.
 */
final class StepLimitSearch {

    /**
     * Overshoot of a growth guess, as a fraction of its distance from lo, so that it usually brackets the answer
     * (the secant of a convex epsilon^2 through two probes below the answer already lands beyond it).
     */
    private static final double GROWTH_OVERSHOOT = 0.05;

    /**
     * Probes in a row that did not halve the bracket before a bisection step. Three, not two: a secant that closes
     * in from one side takes two short steps and then certifies the answer with the probe at lo + 1.
     */
    private static final int SLOW_PROBES_BEFORE_BISECTION = 3;
    /** Step counts below this are exact in double, so lo + 1.0 exceeds lo. */
    private static final long EXACT_IN_DOUBLE = 1L << 52;

    private final LongToDoubleFunction epsilon;
    private final double target;
    private long lo;
    private double epsLo;
    private long hi = -1; // -1: no probe above the target yet
    private long previousK = -1;
    private double previousH = Double.NaN;
    private long lastK;
    private double lastH;
    private int slowProbes;
    /** The next probe is the last one's neighbour (set for the first probe of {@link #largestWithinNear}). */
    private boolean neighbourNext;

    private StepLimitSearch(LongToDoubleFunction epsilon, double target, long certified, double epsCertified) {
        this.epsilon = epsilon;
        this.target = target;
        this.lo = certified;
        this.epsLo = epsCertified;
        this.lastK = certified;
        this.lastH = h(epsCertified);
    }

    /**
     * @param epsilon      epsilon after k steps (non-decreasing in k; infinite or NaN counts as over the target)
     * @param target       the epsilon budget
     * @param certified    a step count already known to be within the target (usually 0)
     * @param epsCertified its epsilon ({@code <= target})
     * @param start        the first probe (> certified), e.g. the RDP answer
     * @return the largest k >= certified with {@code epsilon(k) <= target}, by evaluation at k and k + 1
     */
    static long largestWithin(LongToDoubleFunction epsilon, double target, long certified, double epsCertified,
                              long start) {
        return search(epsilon, target, certified, epsCertified, start, false);
    }

    /**
     * As {@link #largestWithin}, for a guess that is probably the answer itself (e.g. the answer of a cheaper
     * accountant that agrees to a fraction of a step): the second probe is the guess's neighbour (guess + 1 if the
     * guess is within the target, guess - 1 if not), so a right guess costs two probes; a wrong one continues the
     * search from the two adjacent probes, whose secant is the local slope.
     */
    static long largestWithinNear(LongToDoubleFunction epsilon, double target, long certified, double epsCertified,
                                  long guess) {
        return search(epsilon, target, certified, epsCertified, guess, true);
    }

    private static long search(LongToDoubleFunction epsilon, double target, long certified, double epsCertified,
                               long start, boolean neighbourFirst) {
        if (!(epsCertified <= target) || start <= certified) {
            throw new IllegalArgumentException("need epsilon(" + certified + ") = " + epsCertified + " <= " + target
                    + " and a start above " + certified + ", got " + start);
        }
        StepLimitSearch search = new StepLimitSearch(epsilon, target, certified, epsCertified);
        search.neighbourNext = neighbourFirst;
        return search.run(start);
    }

    private long run(long start) {
        long next = start;
        while (true) {
            long widthBefore = hi < 0 ? Long.MAX_VALUE : hi - lo;
            double e = epsilon.applyAsDouble(next);
            if (e <= target) {
                lo = next;
                epsLo = e;
            } else {
                hi = next;
            }
            previousK = lastK;
            previousH = lastH;
            lastK = next;
            lastH = Double.isNaN(e) ? Double.POSITIVE_INFINITY : h(e);
            if (lo == Long.MAX_VALUE || (hi >= 0 && hi - lo <= 1)) {
                return lo;
            }
            if (hi >= 0 && widthBefore != Long.MAX_VALUE) {
                slowProbes = hi - lo > widthBefore / 2 ? slowProbes + 1 : 0;
            }
            if (neighbourNext && (lastK == lo || lastK - 1 > lo)) { // the probe's neighbour, unless already known
                neighbourNext = false;
                next = lastK == lo ? lo + 1 : lastK - 1;
                continue;
            }
            neighbourNext = false;
            next = hi < 0 ? growthProbe() : bracketProbe();
        }
    }

    private double h(double eps) {
        return eps * eps - target * target;
    }

    /** The root in k of the secant through the two most recent probes, or NaN where it is undefined. */
    private double secantRoot() {
        if (previousK < 0 || !Double.isFinite(previousH) || !Double.isFinite(lastH) || previousH == lastH) {
            return Double.NaN;
        }
        return lastK - lastH * (double) (lastK - previousK) / (lastH - previousH);
    }

    /** No probe above the target yet: a guess past the model's answer, between lo + 1 and 2 lo + 1. */
    private long growthProbe() {
        if (lo >= Long.MAX_VALUE / 2) {
            return Long.MAX_VALUE;
        }
        if (lo >= EXACT_IN_DOUBLE) {
            return 2 * lo + 1;
        }
        double r = secantRoot();
        if (!(r > lo) && epsLo > 0) {
            r = lo * (target / epsLo) * (target / epsLo); // epsilon ~ sqrt(k)
        }
        double guess = r > lo ? Math.ceil(r + GROWTH_OVERSHOOT * (r - lo)) + 1 : 2.0 * lo + 1;
        return (long) Math.max(lo + 1.0, Math.min(2.0 * lo + 1, guess));
    }

    /** A bracket lo < answer + 1 <= hi: the secant's root rounded down, or the midpoint after slow progress. */
    private long bracketProbe() {
        double r = secantRoot();
        if (slowProbes >= SLOW_PROBES_BEFORE_BISECTION || !(r == r) || hi >= EXACT_IN_DOUBLE) {
            slowProbes = 0;
            return lo + (hi - lo) / 2;
        }
        return (long) Math.max(lo + 1.0, Math.min(hi - 1.0, Math.floor(r)));
    }
}
