package io.dplora.accounting;

/** The two accountants of this package, for APIs that let the caller choose one. */
public enum AccountantType {

    /**
     * Renyi DP ({@link RdpAccountant} on the default orders): fast (microseconds per evaluation once the per-step
     * RDP is known), a valid upper bound, but typically 7 to 60% above the tight epsilon.
     */
    RDP {
        @Override
        public PrivacyAccountant newAccountant() {
            return new RdpAccountant();
        }
    },

    /**
     * Privacy loss distributions, in bounded time ({@link PldWithRdpFallbackAccountant}): the PLD bound at the
     * default interval 1e-4 (tight up to a discretisation error of order 1e-4 relative), coarsened where a
     * composition would not fit in 2^20 FFT points, and never above the RDP bound, which is reported where PLD cannot
     * answer.
     */
    PLD {
        @Override
        public PrivacyAccountant newAccountant() {
            return new PldWithRdpFallbackAccountant();
        }
    };

    /** A new, empty accountant of this type with default settings. */
    public abstract PrivacyAccountant newAccountant();
}
