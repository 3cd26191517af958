package io.dplora.accounting;

/**
 * What the accountants of this package can interpret, shared by {@link RdpAccountant} and {@link PldAccountant}.
 *
 * <p>Supported: {@link DpEvent.Gaussian}; {@link DpEvent.PoissonSampled} whose inner event is
 * <em>Gaussian-equivalent</em> (a Gaussian, or any composition / self-composition of Gaussians, which together
 * release a sensitivity-1 query with effective noise multiplier {@code (sum_i 1/sigma_i^2)^(-1/2)}: the adaptive
 * composition of Gaussian mechanisms is exactly a Gaussian mechanism with that parameter: in the language of Dong,
 * Roth and Su 2022, "Gaussian differential privacy", mu_i-GDP mechanisms compose to sqrt(sum mu_i^2)-GDP); and
 * compositions / self-compositions of supported events. Anything else, for example Poisson
 * sampling nested inside Poisson sampling, is refused.
 */
final class EventSupport {

    private EventSupport() {
    }

    /**
     * The effective noise multiplier of a Gaussian-equivalent event: 0 if some Gaussian without noise is run at
     * least once, +infinity if nothing is released (empty composition, zero counts), or NaN if the event is not
     * Gaussian-equivalent.
     */
    static double gaussianEquivalentNoise(DpEvent event) {
        double precision = gaussianPrecision(event);
        if (Double.isNaN(precision)) {
            return Double.NaN;
        }
        if (precision == Double.POSITIVE_INFINITY) {
            return 0.0;
        }
        return precision == 0 ? Double.POSITIVE_INFINITY : 1.0 / Math.sqrt(precision);
    }

    /** sum of count / sigma^2 over the Gaussians of the event, or NaN when it contains anything else. */
    private static double gaussianPrecision(DpEvent event) {
        if (event instanceof DpEvent.Gaussian g) {
            double s = g.noiseMultiplier();
            return s == 0 ? Double.POSITIVE_INFINITY : 1.0 / (s * s);
        }
        if (event instanceof DpEvent.SelfComposed sc) {
            if (sc.count() == 0) {
                return 0.0;
            }
            double inner = gaussianPrecision(sc.event());
            return inner * sc.count();
        }
        if (event instanceof DpEvent.Composed c) {
            double total = 0;
            for (DpEvent e : c.events()) {
                total += gaussianPrecision(e);
            }
            return total;
        }
        return Double.NaN;
    }

    /** Null when the event is supported, otherwise a message naming the first unsupported sub-event. */
    static String unsupportedReason(DpEvent event) {
        if (event == null) {
            return "event is null";
        }
        if (event instanceof DpEvent.Gaussian) {
            return null;
        }
        if (event instanceof DpEvent.PoissonSampled ps) {
            if (Double.isNaN(gaussianEquivalentNoise(ps.event()))) {
                return "unsupported event " + event + ": Poisson sampling is supported only around a Gaussian "
                        + "mechanism (or a composition of Gaussians), found " + ps.event();
            }
            return null;
        }
        if (event instanceof DpEvent.SelfComposed sc) {
            return unsupportedReason(sc.event());
        }
        if (event instanceof DpEvent.Composed c) {
            for (DpEvent e : c.events()) {
                String reason = unsupportedReason(e);
                if (reason != null) {
                    return reason;
                }
            }
            return null;
        }
        return "unsupported event " + event;
    }

    /** Throws an {@link IllegalArgumentException} naming the unsupported sub-event, if any. */
    static void requireSupported(DpEvent event) {
        String reason = unsupportedReason(event);
        if (reason != null) {
            throw new IllegalArgumentException(reason);
        }
    }
}
