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
     * Privacy loss distributions ({@link PldAccountant} at the default interval 1e-4): tight up to a discretisation
     * error of order 1e-4 relative, tens to hundreds of milliseconds per evaluation.
     */
    PLD {
        @Override
        public PrivacyAccountant newAccountant() {
            return new PldAccountant();
        }
    };

    /** A new, empty accountant of this type with default settings. */
    public abstract PrivacyAccountant newAccountant();
}
