package io.dplora.accounting;

/**
 * Privacy accountant based on privacy loss distributions (PLDs): the distribution of the privacy loss of the
 * composed mechanism is tracked directly, for both directions of add-or-remove adjacency (epsilon is the larger of
 * the two), so that the reported (epsilon, delta) is tight up to the discretisation of the loss. This follows
 * Koskela, Jalko and Honkela (2020, FFT accountant), Meiser and Mohammadi (2018, privacy buckets) and Google's
 * dp_accounting PLD library.
 *
 * <p>Events are turned into discrete PLDs by {@link SubsampledGaussianPld} (connect-the-dots discretisation with
 * value interval {@code valueDiscretizationInterval}: pessimistic, exact at grid points), composed by FFT
 * convolution, and {@code count} repetitions by one FFT power. Gaussian events (and compositions of them) are merged
 * exactly into one Gaussian first, since {@code k} Gaussians with noise multipliers {@code sigma_i} compose to one
 * with {@code (sum 1/sigma_i^2)^(-1/2)}.
 *
 * <p><b>Guarantee.</b> The reported epsilon is never below the true epsilon of the composed events: the
 * discretisation is pessimistic, truncated tails are moved up or to +infinity, and estimates of FFT wrap-around and
 * round-off are added to the infinity mass (see {@link PrivacyLossDistribution}). It exceeds the true value by the
 * discretisation error, which at the default interval 1e-4 was measured at 2e-7 to 4e-5 relative on DP-SGD workloads
 * of 120 to 14,063 steps (against exact values without discretisation; it shrinks about as the square of the
 * interval). On such workloads the PLD epsilon is typically 7 to 60% below the RDP epsilon.
 *
 * <p>Cost: the work grows with the spread of the composed privacy loss divided by the interval. A mechanism whose
 * loss is too spread for the interval (an FFT longer than 2^23, e.g. a noise multiplier far below 0.1 over many
 * steps, where epsilon is enormous anyway) makes {@link #compose} throw an {@link IllegalStateException} that says
 * so, and leaves the accountant unchanged; use a coarser interval or {@link RdpAccountant} there.
 *
 * <p>A noise multiplier of 0 with a positive sampling probability is treated as non-private: epsilon is +infinity
 * and delta is 1 (as dp_accounting does; a valid, if loose, bound).
 *
 * <p>Thread-safe. A compose call that fails leaves the accountant unchanged.
 */
public final class PldAccountant implements PrivacyAccountant {

    /** Default value discretisation interval, as dp_accounting's PLD accountant. */
    public static final double DEFAULT_VALUE_DISCRETIZATION_INTERVAL = 1e-4;

    private final double interval;
    private final int maxFftSize;
    private PldPair state;

    /** An accountant with value discretisation interval 1e-4. */
    public PldAccountant() {
        this(DEFAULT_VALUE_DISCRETIZATION_INTERVAL);
    }

    /**
     * An accountant with the given value discretisation interval: privacy losses are put on the grid
     * {@code k * interval}. Smaller is more accurate and slower (the work grows roughly as 1/interval).
     *
     * @param valueDiscretizationInterval finite, in (0, 1]
     */
    public PldAccountant(double valueDiscretizationInterval) {
        this(valueDiscretizationInterval, PrivacyLossDistribution.MAX_FFT_SIZE);
    }

    /**
     * An accountant that refuses (IllegalStateException, accountant unchanged) any composition needing an FFT longer
     * than {@code maxFftSize}: a bound on the time and memory of one composition.
     *
     * @param valueDiscretizationInterval finite, in (0, 1]
     * @param maxFftSize                  a power of two, at most 2^23
     */
    public PldAccountant(double valueDiscretizationInterval, int maxFftSize) {
        if (!(valueDiscretizationInterval > 0 && valueDiscretizationInterval <= 1)) {
            throw new IllegalArgumentException(
                    "value discretisation interval must be in (0, 1], got " + valueDiscretizationInterval);
        }
        if (maxFftSize < 2 || maxFftSize > PrivacyLossDistribution.MAX_FFT_SIZE || Integer.bitCount(maxFftSize) != 1) {
            throw new IllegalArgumentException("maxFftSize must be a power of two in [2, 2^23], got " + maxFftSize);
        }
        this.interval = valueDiscretizationInterval;
        this.maxFftSize = maxFftSize;
        this.state = PldPair.identity(interval);
    }

    private PldAccountant(double interval, int maxFftSize, PldPair state) {
        this.interval = interval;
        this.maxFftSize = maxFftSize;
        this.state = state;
    }

    /** An independent accountant with the same composed events (the PLDs are immutable and shared). */
    PldAccountant copy() {
        return new PldAccountant(interval, maxFftSize, snapshot());
    }

    /** The value discretisation interval of this accountant. */
    public double getValueDiscretizationInterval() {
        return interval;
    }

    @Override
    public PldAccountant compose(DpEvent event) {
        EventSupport.requireSupported(event);
        PldPair increment = pldOf(event);
        synchronized (this) {
            state = state.compose(increment, maxFftSize);
        }
        return this;
    }

    @Override
    public PldAccountant compose(DpEvent event, long count) {
        return compose(DpEvent.selfComposed(event, count));
    }

    private PldPair pldOf(DpEvent event) {
        double gaussianSigma = EventSupport.gaussianEquivalentNoise(event);
        if (!Double.isNaN(gaussianSigma)) {
            return gaussian(1.0, gaussianSigma);
        }
        if (event instanceof DpEvent.PoissonSampled ps) {
            return gaussian(ps.samplingProbability(), EventSupport.gaussianEquivalentNoise(ps.event()));
        }
        if (event instanceof DpEvent.SelfComposed sc) {
            return pldOf(sc.event()).selfCompose(sc.count(), maxFftSize);
        }
        if (event instanceof DpEvent.Composed c) {
            PldPair total = PldPair.identity(interval);
            for (DpEvent e : c.events()) {
                total = total.compose(pldOf(e), maxFftSize);
            }
            return total;
        }
        throw new IllegalArgumentException("unsupported event " + event);
    }

    private PldPair gaussian(double q, double sigma) {
        if (q == 0 || sigma == Double.POSITIVE_INFINITY) {
            return PldPair.identity(interval);
        }
        if (sigma == 0) {
            return PldPair.nonPrivate(interval);
        }
        PrivacyLossDistribution remove = SubsampledGaussianPld.remove(q, sigma, interval);
        PrivacyLossDistribution add = q == 1 ? remove : SubsampledGaussianPld.add(q, sigma, interval);
        return new PldPair(remove, add, false);
    }

    /** The larger of the two directions' epsilons (see {@link PrivacyAccountant#getEpsilon(double)}). */
    @Override
    public double getEpsilon(double delta) {
        Checks.requireDelta(delta);
        PldPair s = snapshot();
        if (s.nonPrivate()) {
            return Double.POSITIVE_INFINITY;
        }
        double e = s.remove().getEpsilon(delta);
        return s.add() == s.remove() ? e : Math.max(e, s.add().getEpsilon(delta));
    }

    /** The larger of the two directions' deltas (see {@link PrivacyAccountant#getDelta(double)}). */
    @Override
    public double getDelta(double epsilon) {
        Checks.requireEpsilon(epsilon);
        PldPair s = snapshot();
        if (s.nonPrivate()) {
            return 1.0;
        }
        double d = s.remove().getDelta(epsilon);
        return s.add() == s.remove() ? d : Math.max(d, s.add().getDelta(epsilon));
    }

    @Override
    public boolean supports(DpEvent event) {
        return EventSupport.unsupportedReason(event) == null;
    }

    private synchronized PldPair snapshot() {
        return state;
    }

    /** The PLDs of the two directions; the same object when the mechanism is symmetric (q = 1). */
    private record PldPair(PrivacyLossDistribution remove, PrivacyLossDistribution add, boolean nonPrivate) {

        static PldPair identity(double interval) {
            PrivacyLossDistribution id = PrivacyLossDistribution.identity(interval);
            return new PldPair(id, id, false);
        }

        static PldPair nonPrivate(double interval) {
            PldPair id = identity(interval);
            return new PldPair(id.remove(), id.add(), true);
        }

        PldPair compose(PldPair other, int maxFftSize) {
            if (nonPrivate || other.nonPrivate) {
                return new PldPair(remove, add, true);
            }
            PrivacyLossDistribution r = remove.compose(other.remove, maxFftSize);
            PrivacyLossDistribution a = (add == remove && other.add == other.remove) ? r
                    : add.compose(other.add, maxFftSize);
            return new PldPair(r, a, false);
        }

        PldPair selfCompose(long count, int maxFftSize) {
            if (nonPrivate) {
                return count == 0 ? identity(remove.interval()) : this;
            }
            PrivacyLossDistribution r = remove.selfCompose(count, maxFftSize);
            PrivacyLossDistribution a = add == remove ? r : add.selfCompose(count, maxFftSize);
            return new PldPair(r, a, false);
        }
    }
}
