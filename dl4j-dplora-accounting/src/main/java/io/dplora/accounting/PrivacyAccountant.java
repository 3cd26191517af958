package io.dplora.accounting;

/**
 * Tracks the privacy spent by a sequence of {@link DpEvent}s and converts it to (epsilon, delta)-DP under
 * add-or-remove-one-record adjacency.
 *
 * <p>Both conversions are upper bounds on the true privacy loss: an accountant never reports an epsilon below the
 * true epsilon of the composed events (or a delta below the true delta). {@link #getEpsilon(double)} and
 * {@link #getDelta(double)} are consistent: {@code getEpsilon(d)} is the smallest epsilon whose
 * {@code getDelta(epsilon) <= d}, up to floating-point rounding.
 *
 * <p>A failed {@link #compose(DpEvent)} (unsupported event) leaves the accountant unchanged.
 */
public interface PrivacyAccountant {

    /**
     * Adds the event to the composition.
     *
     * @return this accountant, so that calls chain
     * @throws IllegalArgumentException if the event (or a sub-event) is not supported; the message names it
     */
    PrivacyAccountant compose(DpEvent event);

    /**
     * Adds {@code count} adaptive repetitions of the event: the same as {@code compose(DpEvent.selfComposed(event,
     * count))}.
     */
    default PrivacyAccountant compose(DpEvent event, long count) {
        return compose(DpEvent.selfComposed(event, count));
    }

    /**
     * The smallest epsilon (&gt;= 0) this accountant can certify for the given delta: the composed events are
     * (epsilon, delta)-DP. {@code +Infinity} when no finite epsilon is certified (for example a noise multiplier
     * of 0).
     *
     * @param delta the target delta, in (0, 1)
     */
    double getEpsilon(double delta);

    /**
     * The smallest delta this accountant can certify for the given epsilon, in [0, 1].
     *
     * @param epsilon finite, {@code >= 0}
     */
    double getDelta(double epsilon);

    /** Whether {@link #compose(DpEvent)} accepts the event (and all of its sub-events). */
    boolean supports(DpEvent event);
}
