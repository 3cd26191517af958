package io.dplora.accounting;

import java.util.ArrayList;
import java.util.List;

/**
 * The default accountant ({@link AccountantType#PLD}): the tighter of a PLD and an RDP bound, in bounded time,
 * whatever the parameters.
 *
 * <p>Every event is composed into an {@link RdpAccountant} (microseconds) and into a {@link PldAccountant} whose
 * compositions may use FFTs of at most {@value #MAX_FFT_SIZE} points (a bound on time and memory per composition).
 * When a composition does not fit at the current value discretisation interval (very small sigma, or very many
 * steps), the PLD is rebuilt from all events at the next coarser interval of {@code 1e-4, 1e-3, 1e-2, 1e-1}
 * (a coarser grid is still pessimistic, so still a valid upper bound, only looser); when none fits, PLD is given up
 * and {@link #note()} says so.
 *
 * <p>{@link #getEpsilon} is the smaller of the two epsilons and {@link #getDelta} the smaller of the two deltas:
 * both accountants report upper bounds of the same mechanism's privacy loss, so the smaller one is an upper bound
 * too. This covers the cases where PLD cannot answer (its tail truncation at 10^9 steps gives infinity where RDP gives
 * 1054.6) or is looser than RDP (a coarsened grid).
 *
 * <p>Thread-safe.
 */
public final class PldWithRdpFallbackAccountant implements PrivacyAccountant {

    /** Longest FFT one PLD composition may use (2^20 points: about 0.1-0.3 s per composition). */
    public static final int MAX_FFT_SIZE = 1 << 20;
    /** Largest one-step PLD built (grid points); a finer grid than this is skipped without building it. */
    private static final double MAX_STEP_GRID = 1 << 18;
    private static final double[] INTERVALS = {PldAccountant.DEFAULT_VALUE_DISCRETIZATION_INTERVAL, 1e-3, 1e-2, 1e-1};

    private final RdpAccountant rdp = new RdpAccountant();
    private final List<DpEvent> events = new ArrayList<>();
    private final int firstIntervalIndex;
    private PldAccountant pld;
    private int intervalIndex;
    private String pldFailure;

    /** The default accountant: PLD starting at the interval 1e-4. */
    public PldWithRdpFallbackAccountant() {
        this(PldAccountant.DEFAULT_VALUE_DISCRETIZATION_INTERVAL);
    }

    /**
     * @param firstInterval the finest value discretisation interval to try: 1e-4 (default), 1e-3, 1e-2 or 1e-1. A
     *                      coarser grid is about 10x cheaper per step of 10 and still an upper bound (used by
     *                      calibration at setup, see {@link NoiseCalibration#noiseMultiplierForSetup})
     */
    public PldWithRdpFallbackAccountant(double firstInterval) {
        int index = -1;
        for (int i = 0; i < INTERVALS.length; i++) {
            if (INTERVALS[i] == firstInterval) {
                index = i;
            }
        }
        if (index < 0) {
            throw new IllegalArgumentException("first interval must be one of " + java.util.Arrays.toString(INTERVALS)
                    + ", got " + firstInterval);
        }
        this.firstIntervalIndex = index;
        this.intervalIndex = index;
        this.pld = new PldAccountant(INTERVALS[index], MAX_FFT_SIZE);
    }

    @Override
    public synchronized PldWithRdpFallbackAccountant compose(DpEvent event) {
        EventSupport.requireSupported(event);
        rdp.compose(event);
        events.add(event);
        if (pld != null && intervalIndex < INTERVALS.length) {
            int needed = intervalIndex;
            while (needed < INTERVALS.length && largestStepGrid(event, INTERVALS[needed]) > MAX_STEP_GRID) {
                needed++;
            }
            if (needed != intervalIndex) {
                intervalIndex = needed - 1;
                coarsen("one step's PLD needs more than " + MAX_STEP_GRID + " grid points");
                return this;
            }
            try {
                pld.compose(event);
            } catch (IllegalStateException tooWide) {
                coarsen(tooWide.getMessage());
            }
        }
        return this;
    }

    @Override
    public PldWithRdpFallbackAccountant compose(DpEvent event, long count) {
        return compose(DpEvent.selfComposed(event, count));
    }

    /** @return the largest one-step PLD grid (points) of the Poisson-subsampled Gaussians in the event */
    private static double largestStepGrid(DpEvent event, double interval) {
        if (event instanceof DpEvent.PoissonSampled ps) {
            double sigma = EventSupport.gaussianEquivalentNoise(ps.event());
            return Double.isNaN(sigma) || sigma == 0 || Double.isInfinite(sigma) || ps.samplingProbability() == 0 ? 0
                    : SubsampledGaussianPld.gridPoints(ps.samplingProbability(), sigma, interval);
        }
        if (event instanceof DpEvent.SelfComposed sc) {
            return largestStepGrid(sc.event(), interval);
        }
        if (event instanceof DpEvent.Composed c) {
            double m = 0;
            for (DpEvent e : c.events()) {
                m = Math.max(m, largestStepGrid(e, interval));
            }
            return m;
        }
        double sigma = EventSupport.gaussianEquivalentNoise(event);
        return Double.isNaN(sigma) || sigma == 0 || Double.isInfinite(sigma) ? 0
                : SubsampledGaussianPld.gridPoints(1.0, sigma, interval);
    }

    private void coarsen(String reason) {
        for (int i = intervalIndex + 1; i < INTERVALS.length; i++) {
            PldAccountant p = new PldAccountant(INTERVALS[i], MAX_FFT_SIZE);
            try {
                for (DpEvent e : events) {
                    p.compose(e);
                }
                pld = p;
                intervalIndex = i;
                return;
            } catch (IllegalStateException tooWide) {
                reason = tooWide.getMessage();
            }
        }
        pld = null;
        pldFailure = reason;
    }

    @Override
    public synchronized double getEpsilon(double delta) {
        double r = rdp.getEpsilon(delta);
        return pld == null ? r : Math.min(r, pld.getEpsilon(delta));
    }

    @Override
    public synchronized double getDelta(double epsilon) {
        double r = rdp.getDelta(epsilon);
        return pld == null ? r : Math.min(r, pld.getDelta(epsilon));
    }

    @Override
    public boolean supports(DpEvent event) {
        return EventSupport.unsupportedReason(event) == null;
    }

    /**
     * @param delta the delta of the report
     * @return which bound {@link #getEpsilon} reports at this delta, and why, e.g. "PLD (interval 1e-4)" or
     * "RDP (PLD could not be evaluated: ...)"
     */
    public synchronized String source(double delta) {
        if (pld == null) {
            return "RDP (PLD could not be evaluated within " + MAX_FFT_SIZE + " FFT points even at interval "
                    + INTERVALS[INTERVALS.length - 1] + ": " + pldFailure + ")";
        }
        String grid = "interval " + INTERVALS[intervalIndex];
        return pld.getEpsilon(delta) <= rdp.getEpsilon(delta) ? "PLD (" + grid + ")"
                : "RDP (tighter than PLD at " + grid + ")";
    }

    /** @return null while PLD answers at the default interval; otherwise what changed (coarser grid or RDP only) */
    public synchronized String note() {
        if (pld == null) {
            return "PLD gave up (" + pldFailure + "); epsilon is the RDP bound";
        }
        return intervalIndex == firstIntervalIndex ? null : "PLD evaluated at the coarser interval " + INTERVALS[intervalIndex]
                + " (still an upper bound); epsilon is the smaller of it and the RDP bound";
    }
}
