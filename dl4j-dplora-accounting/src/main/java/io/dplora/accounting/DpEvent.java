package io.dplora.accounting;

import java.util.List;
import java.util.Objects;

/**
 * A differentially private operation, described as plain immutable data. Accountants
 * ({@link RdpAccountant}, {@link PldAccountant}) interpret events; events never compute anything themselves.
 * The vocabulary follows Google's dp_accounting library.
 *
 * <p>One DP-SGD step on a Poisson-sampled batch with sampling rate {@code q} and noise multiplier {@code sigma}
 * is {@code DpEvent.poissonSampled(q, DpEvent.gaussian(sigma))}; a training run of {@code T} such steps is
 * {@code DpEvent.selfComposed(step, T)}.
 *
 * <p>Sensitivity is always 1: the noise multiplier is the ratio of the Gaussian noise standard deviation to the
 * L2 sensitivity (the clipping norm in DP-SGD). Neighbouring data sets differ by adding or removing one record.
 */
public sealed interface DpEvent permits DpEvent.Gaussian, DpEvent.PoissonSampled, DpEvent.SelfComposed,
        DpEvent.Composed {

    /**
     * The Gaussian mechanism: a sensitivity-1 query released with additive noise N(0, sigma^2).
     *
     * @param noiseMultiplier sigma, the noise standard deviation in units of the sensitivity; finite, {@code >= 0}.
     *                        Zero means no noise: the release is not private at all.
     */
    static Gaussian gaussian(double noiseMultiplier) {
        return new Gaussian(noiseMultiplier);
    }

    /**
     * Poisson subsampling: every record enters the mechanism's input independently with probability q, and the
     * inner event is run on that subsample. This is the sampling that DP-SGD's accounting assumes; shuffled
     * fixed-size batches are a different mechanism and must not be described by this event.
     *
     * @param samplingProbability q in [0, 1]
     * @param event               the mechanism applied to the subsample
     */
    static PoissonSampled poissonSampled(double samplingProbability, DpEvent event) {
        return new PoissonSampled(samplingProbability, event);
    }

    /**
     * The adaptive composition of {@code count} runs of the same event (for example T training steps).
     *
     * @param count number of runs, {@code >= 0}; 0 is the empty composition (no privacy cost)
     */
    static SelfComposed selfComposed(DpEvent event, long count) {
        return new SelfComposed(event, count);
    }

    /** The adaptive composition of the given events, in order. An empty list costs no privacy. */
    static Composed composed(List<? extends DpEvent> events) {
        return new Composed(List.copyOf(Objects.requireNonNull(events, "events")));
    }

    /** Gaussian mechanism with noise multiplier sigma (see {@link DpEvent#gaussian(double)}). */
    record Gaussian(double noiseMultiplier) implements DpEvent {
        public Gaussian {
            if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
                throw new IllegalArgumentException(
                        "noise multiplier must be finite and >= 0, got " + noiseMultiplier);
            }
        }
    }

    /** Poisson subsampling with probability q (see {@link DpEvent#poissonSampled(double, DpEvent)}). */
    record PoissonSampled(double samplingProbability, DpEvent event) implements DpEvent {
        public PoissonSampled {
            if (!(samplingProbability >= 0 && samplingProbability <= 1)) {
                throw new IllegalArgumentException(
                        "sampling probability must be in [0, 1], got " + samplingProbability);
            }
            Objects.requireNonNull(event, "event");
        }
    }

    /** {@code count}-fold composition of one event (see {@link DpEvent#selfComposed(DpEvent, long)}). */
    record SelfComposed(DpEvent event, long count) implements DpEvent {
        public SelfComposed {
            Objects.requireNonNull(event, "event");
            if (count < 0) {
                throw new IllegalArgumentException("count must be >= 0, got " + count);
            }
        }
    }

    /** Composition of a list of events (see {@link DpEvent#composed(List)}). */
    record Composed(List<DpEvent> events) implements DpEvent {
        public Composed {
            events = List.copyOf(events);
        }
    }
}
