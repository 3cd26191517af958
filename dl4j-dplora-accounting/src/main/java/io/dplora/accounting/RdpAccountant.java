package io.dplora.accounting;

import java.util.Arrays;

/**
 * Privacy accountant based on Renyi differential privacy (Mironov 2017).
 *
 * <p>The accountant keeps one RDP value per order; composition adds them (RDP composes additively, so T steps cost
 * T times the per-step RDP). Per-step values of the Poisson-subsampled Gaussian are exact (see
 * {@link SubsampledGaussianRdp}: the binomial sum at integer orders, the signed series at fractional orders); the
 * plain Gaussian has RDP {@code alpha / (2 sigma^2)}. The conversion to (epsilon, delta) uses the bound of Canonne,
 * Kamath and Steinke (2020) minimised over the orders (see {@link RdpConversion}), so the reported epsilon is an
 * upper bound on the true epsilon; it is typically 7 to 60% above the tight value that {@link PldAccountant}
 * approaches.
 *
 * <p>Thread-safe. A compose call that fails (unsupported event) leaves the accountant unchanged.
 */
public final class RdpAccountant implements PrivacyAccountant {

    private static final double[] DEFAULT_ORDERS = buildDefaultOrders();

    private final double[] orders;
    private final double[] rdp;

    /**
     * An accountant on the default orders of Google's dp_accounting: {@code 1 + x/10} for x = 1..99, the integers
     * 11 to 63, and 128, 256, 512, 1024 (see {@link #defaultOrders()}).
     */
    public RdpAccountant() {
        this(DEFAULT_ORDERS);
    }

    /**
     * An accountant on the given orders.
     *
     * @param orders RDP orders, each finite and {@code > 1}; at least one. Integer orders are computed by the exact
     *               binomial sum, others by the signed series.
     */
    public RdpAccountant(double[] orders) {
        if (orders == null || orders.length == 0) {
            throw new IllegalArgumentException("at least one RDP order is required");
        }
        for (double a : orders) {
            if (!(a > 1) || Double.isInfinite(a)) {
                throw new IllegalArgumentException("RDP orders must be finite and > 1, got " + a);
            }
        }
        this.orders = orders.clone();
        this.rdp = new double[orders.length];
    }

    /** The default orders (a fresh copy): 1.1, 1.2, ..., 10.9, 11, 12, ..., 63, 128, 256, 512, 1024. */
    public static double[] defaultOrders() {
        return DEFAULT_ORDERS.clone();
    }

    private static double[] buildDefaultOrders() {
        double[] o = new double[99 + 53 + 4];
        int k = 0;
        for (int x = 1; x <= 99; x++) {
            o[k++] = 1 + x / 10.0;
        }
        for (int a = 11; a <= 63; a++) {
            o[k++] = a;
        }
        for (int a : new int[] {128, 256, 512, 1024}) {
            o[k++] = a;
        }
        return o;
    }

    @Override
    public RdpAccountant compose(DpEvent event) {
        double[] increment = rdpOf(event, orders);
        synchronized (this) {
            for (int k = 0; k < rdp.length; k++) {
                rdp[k] += increment[k];
            }
        }
        return this;
    }

    @Override
    public RdpAccountant compose(DpEvent event, long count) {
        return compose(DpEvent.selfComposed(event, count));
    }

    /**
     * The RDP of an event at the given orders, without touching any accountant.
     *
     * @throws IllegalArgumentException if the event is not supported
     */
    static double[] rdpOf(DpEvent event, double[] orders) {
        EventSupport.requireSupported(event);
        return rdpOfSupported(event, orders);
    }

    private static double[] rdpOfSupported(DpEvent event, double[] orders) {
        double[] out = new double[orders.length];
        if (event instanceof DpEvent.Gaussian g) {
            double s = g.noiseMultiplier();
            for (int k = 0; k < orders.length; k++) {
                out[k] = s == 0 ? Double.POSITIVE_INFINITY : orders[k] / (2 * s * s);
            }
        } else if (event instanceof DpEvent.PoissonSampled ps) {
            double sigma = EventSupport.gaussianEquivalentNoise(ps.event());
            out = SubsampledGaussianRdp.rdp(ps.samplingProbability(), sigma, orders);
        } else if (event instanceof DpEvent.SelfComposed sc) {
            if (sc.count() > 0) {
                double[] inner = rdpOfSupported(sc.event(), orders);
                for (int k = 0; k < orders.length; k++) {
                    out[k] = inner[k] * sc.count();
                }
            }
        } else if (event instanceof DpEvent.Composed c) {
            for (DpEvent e : c.events()) {
                double[] inner = rdpOfSupported(e, orders);
                for (int k = 0; k < orders.length; k++) {
                    out[k] += inner[k];
                }
            }
        }
        return out;
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code min over alpha of rdp_alpha + log(1 - 1/alpha) - (log(delta) + log(alpha)) / (alpha - 1)}, and 0
     * when {@code delta^2 >= 1 - exp(-rdp_alpha)} for some order.
     */
    @Override
    public synchronized double getEpsilon(double delta) {
        Checks.requireDelta(delta);
        return RdpConversion.epsilon(orders, rdp, delta).value();
    }

    /**
     * The order at which {@link #getEpsilon(double)} attains its minimum (NaN if epsilon is infinite at every
     * order). An optimum at the smallest or largest order suggests that a wider range of orders would give a smaller
     * epsilon.
     */
    public synchronized double getOptimalOrder(double delta) {
        Checks.requireDelta(delta);
        return RdpConversion.epsilon(orders, rdp, delta).order();
    }

    @Override
    public synchronized double getDelta(double epsilon) {
        Checks.requireEpsilon(epsilon);
        return RdpConversion.delta(orders, rdp, epsilon).value();
    }

    @Override
    public boolean supports(DpEvent event) {
        return EventSupport.unsupportedReason(event) == null;
    }

    /** The orders of this accountant (a copy). */
    public double[] getOrders() {
        return orders.clone();
    }

    /** The accumulated RDP at each order (a copy), in the same order as {@link #getOrders()}. */
    public synchronized double[] getRdp() {
        return rdp.clone();
    }

    @Override
    public synchronized String toString() {
        return "RdpAccountant{orders=" + orders.length + ", rdp=" + Arrays.toString(rdp) + "}";
    }
}
