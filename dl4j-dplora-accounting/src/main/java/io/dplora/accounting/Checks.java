package io.dplora.accounting;

/** Argument checks shared by the accountants, the calibration and the ledger, with messages that name the value. */
final class Checks {

    private Checks() {
    }

    /** delta must be in the open interval (0, 1). */
    static void requireDelta(double delta) {
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
        }
    }

    /** epsilon must be finite and non-negative. */
    static void requireEpsilon(double epsilon) {
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be finite and >= 0, got " + epsilon);
        }
    }
}
