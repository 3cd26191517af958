package io.dplora.accounting;

import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The exact record of the DP events a training run has composed: for each entry a noise multiplier sigma, a
 * Poisson sampling probability q, the number of steps run with them, and the time stamps of the first and last of
 * those steps. Each step is one Poisson-subsampled Gaussian mechanism, {@code DpEvent.poissonSampled(q,
 * DpEvent.gaussian(sigma))}; the ledger is their composition, in order.
 *
 * <p>It is what a model checkpoint carries, so that a resumed run continues from the privacy already spent:
 * {@link #toJson()} and {@link #fromJson(String)} round-trip it losslessly (doubles are written with
 * {@link Double#toString(double)} and read back bit for bit; time stamps are ISO-8601 instants with nanoseconds).
 * {@link #toAccountant(AccountantType)} rebuilds an accountant of either type from the entries.
 *
 * <p>Consecutive {@link #record} calls with the same sigma and q (bit for bit) are coalesced into one entry whose
 * count grows and whose last time stamp moves. Invalid input never changes the ledger. Thread-safe.
 *
 * <p>Besides the events, a ledger carries: a random <b>run id</b> (a UUID from a cryptographic generator, kept by
 * {@link #copy()} and the JSON form), which a network trained with it records so that a later run can continue this
 * ledger but not start a fresh one on the same weights; whether the run was <b>seeded</b> (reproducible sampling and
 * noise: not for release, see {@link #markSeeded()}); and optionally the delta and accountant its epsilon is reported
 * with ({@link #setReporting}).
 */
public final class PrivacyLedger {

    /** The value of the "format" field of the JSON form. */
    public static final String FORMAT = "dplora-privacy-ledger";
    /** The version of the JSON form written by {@link #toJson()} (version 1, without run id, is still read). */
    public static final int VERSION = 2;

    private static final Set<String> ROOT_KEYS_V1 = Set.of("format", "version", "entries");
    private static final Set<String> ENTRY_KEYS_V1 = Set.of("noiseMultiplier", "samplingProbability", "count",
            "firstTimestamp", "lastTimestamp");
    private static final Set<String> ROOT_KEYS = Set.of("format", "version", "run_id", "seeded", "delta",
            "accountant", "epsilon_budget", "entries");
    private static final Set<String> ENTRY_KEYS = Set.of("noise_multiplier", "sampling_probability", "count",
            "first_timestamp", "last_timestamp");

    /**
     * One run of {@code count} identical DP-SGD steps.
     *
     * @param noiseMultiplier     sigma, the noise standard deviation over the clipping norm; finite, {@code >= 0}
     * @param samplingProbability q, the Poisson sampling probability of each record, in [0, 1]
     * @param count               the number of steps, {@code >= 1}
     * @param firstTimestamp      when the first of these steps was recorded
     * @param lastTimestamp       when the last of these steps was recorded, not before the first
     */
    public record Entry(double noiseMultiplier, double samplingProbability, long count, Instant firstTimestamp,
                        Instant lastTimestamp) {

        public Entry {
            validateStep(noiseMultiplier, samplingProbability);
            if (count < 1) {
                throw new IllegalArgumentException("entry count must be >= 1, got " + count);
            }
            Objects.requireNonNull(firstTimestamp, "firstTimestamp");
            Objects.requireNonNull(lastTimestamp, "lastTimestamp");
            if (lastTimestamp.isBefore(firstTimestamp)) {
                throw new IllegalArgumentException("lastTimestamp " + lastTimestamp
                        + " is before firstTimestamp " + firstTimestamp);
            }
        }

        /** {@code count} compositions of the Poisson-subsampled Gaussian with this sigma and q. */
        public DpEvent toDpEvent() {
            return DpEvent.selfComposed(DpEvent.poissonSampled(samplingProbability,
                    DpEvent.gaussian(noiseMultiplier)), count);
        }
    }

    private final Clock clock;
    private final List<Entry> entries;
    private final String runId;
    private boolean seeded;
    private double reportingDelta = Double.NaN;
    private AccountantType reportingAccountant;
    private double epsilonBudget = Double.NaN;

    /** An empty ledger with a new random run id that time-stamps with the system UTC clock. */
    public PrivacyLedger() {
        this(Clock.systemUTC());
    }

    /** An empty ledger with a new random run id that time-stamps with the given clock. */
    public PrivacyLedger(Clock clock) {
        this(clock, new ArrayList<>(), UUID.randomUUID().toString());
    }

    private PrivacyLedger(Clock clock, List<Entry> entries, String runId) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.entries = entries;
        this.runId = Objects.requireNonNull(runId, "runId");
    }

    /** @return the run id: random per new ledger, kept by copies and the JSON form */
    public String runId() {
        return runId;
    }

    /** @return whether the run was seeded (reproducible sampling and noise: not for release) */
    public synchronized boolean isSeeded() {
        return seeded;
    }

    /**
     * Marks the run as seeded: its sampling and noise came from a reproducible generator, so the guarantee holds only
     * while the seed stays secret, and two runs with the same seed share noise. Such a model is not for release. The
     * mark is permanent for this ledger.
     */
    public synchronized void markSeeded() {
        seeded = true;
    }

    /**
     * Records the delta and accountant the run's epsilon is reported with (informational; the events above are what
     * any accountant composes).
     *
     * @throws IllegalArgumentException if delta is not in (0, 1) or the accountant is null
     */
    public synchronized void setReporting(double delta, AccountantType accountant) {
        if (!(delta > 0 && delta < 1) || accountant == null) {
            throw new IllegalArgumentException("reporting needs delta in (0, 1) and an accountant, got " + delta
                    + ", " + accountant);
        }
        this.reportingDelta = delta;
        this.reportingAccountant = accountant;
    }

    /** @return the delta of the reports, or NaN when none was set */
    public synchronized double reportingDelta() {
        return reportingDelta;
    }

    /** @return the accountant of the reports, or null when none was set */
    public synchronized AccountantType reportingAccountant() {
        return reportingAccountant;
    }

    /**
     * Records the epsilon budget the run stops at (+Infinity: no budget), so that a resumed run cannot silently
     * raise it.
     *
     * @throws IllegalArgumentException if it is not &gt; 0
     */
    public synchronized void setEpsilonBudget(double epsilonBudget) {
        if (!(epsilonBudget > 0)) {
            throw new IllegalArgumentException("the epsilon budget must be > 0 (or +Infinity), got " + epsilonBudget);
        }
        this.epsilonBudget = epsilonBudget;
    }

    /** @return the recorded epsilon budget (+Infinity: none), or NaN when none was recorded */
    public synchronized double epsilonBudget() {
        return epsilonBudget;
    }

    /**
     * Appends {@code steps} DP-SGD steps run with noise multiplier sigma and sampling probability q (time stamp:
     * now). Zero steps change nothing. Merged into the last entry when sigma and q are identical.
     *
     * @throws IllegalArgumentException if sigma is negative, NaN or infinite, q is outside [0, 1], steps is
     *                                  negative, or the total step count would overflow; the ledger is unchanged
     */
    public synchronized void record(double noiseMultiplier, double samplingProbability, long steps) {
        validateStep(noiseMultiplier, samplingProbability);
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        }
        if (steps == 0) {
            return;
        }
        long total = totalSteps();
        if (total > Long.MAX_VALUE - steps) {
            throw new IllegalArgumentException("the ledger's step count would overflow (" + total + " + " + steps
                    + ")");
        }
        Instant now = clock.instant();
        if (!entries.isEmpty()) {
            Entry last = entries.get(entries.size() - 1);
            if (Double.compare(last.noiseMultiplier(), noiseMultiplier) == 0
                    && Double.compare(last.samplingProbability(), samplingProbability) == 0) {
                Instant end = now.isBefore(last.lastTimestamp()) ? last.lastTimestamp() : now;
                entries.set(entries.size() - 1, new Entry(noiseMultiplier, samplingProbability,
                        last.count() + steps, last.firstTimestamp(), end));
                return;
            }
        }
        entries.add(new Entry(noiseMultiplier, samplingProbability, steps, now, now));
    }

    /** An immutable snapshot of the entries, oldest first. */
    public synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** The total number of steps recorded. */
    public synchronized long totalSteps() {
        long total = 0;
        for (Entry e : entries) {
            total += e.count();
        }
        return total;
    }

    /** The composition of all entries, in order (an empty composition for an empty ledger). */
    public DpEvent toDpEvent() {
        List<DpEvent> events = new ArrayList<>();
        for (Entry e : entries()) {
            events.add(e.toDpEvent());
        }
        return DpEvent.composed(events);
    }

    /** A new accountant of the given type that has composed every entry. */
    public PrivacyAccountant toAccountant(AccountantType type) {
        Objects.requireNonNull(type, "type");
        PrivacyAccountant accountant = type.newAccountant();
        accountant.compose(toDpEvent());
        return accountant;
    }

    /** The epsilon spent so far at the given delta, by the given accountant type. */
    public double epsilon(double delta, AccountantType type) {
        Checks.requireDelta(delta);
        return toAccountant(type).getEpsilon(delta);
    }

    /** An independent copy (same clock, same run id, seeded mark and reporting settings). */
    public synchronized PrivacyLedger copy() {
        PrivacyLedger c = new PrivacyLedger(clock, new ArrayList<>(entries), runId);
        c.seeded = seeded;
        c.reportingDelta = reportingDelta;
        c.reportingAccountant = reportingAccountant;
        c.epsilonBudget = epsilonBudget;
        return c;
    }

    /**
     * The JSON form (version 2, snake_case keys):
     * <pre>
     * {"format": "dplora-privacy-ledger", "version": 2, "run_id": "0b6f...", "seeded": false, "delta": 1.0E-5,
     *  "accountant": "PLD", "epsilon_budget": 8.0, "entries": [
     *   {"noise_multiplier": 1.1, "sampling_probability": 0.004, "count": 14063,
     *    "first_timestamp": "2025-01-01T10:00:00Z", "last_timestamp": "2025-01-01T12:00:00.5Z"}, ...]}
     * </pre>
     * {@code delta} and {@code accountant} are null when no reporting settings were recorded; {@code epsilon_budget} is
 * the budget the run stops at ({@code "none"} without one, null when not recorded).
     */
    public synchronized String toJson() {
        StringBuilder b = new StringBuilder();
        b.append("{\n  \"format\": ").append(Json.quote(FORMAT)).append(",\n  \"version\": ").append(VERSION)
                .append(",\n  \"run_id\": ").append(Json.quote(runId))
                .append(",\n  \"seeded\": ").append(seeded)
                .append(",\n  \"delta\": ").append(Double.isNaN(reportingDelta) ? "null"
                        : Double.toString(reportingDelta))
                .append(",\n  \"accountant\": ").append(reportingAccountant == null ? "null"
                        : Json.quote(reportingAccountant.name()))
                .append(",\n  \"epsilon_budget\": ").append(Double.isNaN(epsilonBudget) ? "null"
                        : Double.isInfinite(epsilonBudget) ? "\"none\"" : Double.toString(epsilonBudget))
                .append(",\n  \"entries\": [");
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            b.append(i == 0 ? "\n" : ",\n");
            b.append("    {\"noise_multiplier\": ").append(Double.toString(e.noiseMultiplier()))
                    .append(", \"sampling_probability\": ").append(Double.toString(e.samplingProbability()))
                    .append(", \"count\": ").append(e.count())
                    .append(", \"first_timestamp\": ").append(Json.quote(e.firstTimestamp().toString()))
                    .append(", \"last_timestamp\": ").append(Json.quote(e.lastTimestamp().toString()))
                    .append('}');
        }
        b.append(entries.isEmpty() ? "]\n}\n" : "\n  ]\n}\n");
        return b.toString();
    }

    /**
     * Reads the form written by {@link #toJson()}, and version 1 (camelCase keys, no run id: such a ledger gets a new
     * run id). The returned ledger time-stamps new records with the system UTC clock.
     *
     * @throws IllegalArgumentException if the text is not JSON, not a ledger of a known version, has missing,
     *                                  unknown or ill-typed fields, or holds an invalid entry; the message says which
     */
    public static PrivacyLedger fromJson(String json) {
        Object root = Json.parse(json);
        Map<String, Object> map = requireObject(root, "the ledger");
        if (!FORMAT.equals(map.get("format"))) {
            throw new IllegalArgumentException("not a privacy ledger: \"format\" must be \"" + FORMAT + "\", got "
                    + describe(map.get("format")));
        }
        long version = parseLong(map.get("version"), "version");
        if (version != VERSION && version != 1) {
            throw new IllegalArgumentException("unsupported privacy ledger version " + version + " (this library "
                    + "reads versions 1 and " + VERSION + ")");
        }
        boolean v1 = version == 1;
        requireKeys(map, v1 ? ROOT_KEYS_V1 : ROOT_KEYS, "the ledger");
        if (!(map.get("entries") instanceof List<?> list)) {
            throw new IllegalArgumentException("\"entries\" must be an array, got " + describe(map.get("entries")));
        }
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String where = "entry " + i;
            Map<String, Object> e = requireObject(list.get(i), where);
            requireKeys(e, v1 ? ENTRY_KEYS_V1 : ENTRY_KEYS, where);
            try {
                entries.add(new Entry(
                        parseDouble(e.get(v1 ? "noiseMultiplier" : "noise_multiplier"), where + " noise multiplier"),
                        parseDouble(e.get(v1 ? "samplingProbability" : "sampling_probability"),
                                where + " sampling probability"),
                        parseLong(e.get("count"), where + " count"),
                        parseInstant(e.get(v1 ? "firstTimestamp" : "first_timestamp"), where + " first time stamp"),
                        parseInstant(e.get(v1 ? "lastTimestamp" : "last_timestamp"), where + " last time stamp")));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("invalid " + where + ": " + ex.getMessage(), ex);
            }
        }
        long total = 0;
        for (Entry e : entries) {
            if (total > Long.MAX_VALUE - e.count()) {
                throw new IllegalArgumentException("the ledger's total step count overflows a long");
            }
            total += e.count();
        }
        if (v1) {
            return new PrivacyLedger(Clock.systemUTC(), entries, UUID.randomUUID().toString());
        }
        if (!(map.get("run_id") instanceof String id) || id.isBlank()) {
            throw new IllegalArgumentException("\"run_id\" must be a non-empty string, got " + describe(map.get(
                    "run_id")));
        }
        if (!(map.get("seeded") instanceof Boolean seeded)) {
            throw new IllegalArgumentException("\"seeded\" must be true or false, got " + describe(map.get("seeded")));
        }
        PrivacyLedger ledger = new PrivacyLedger(Clock.systemUTC(), entries, id);
        ledger.seeded = seeded;
        Object delta = map.get("delta");
        Object accountant = map.get("accountant");
        if ((delta == Json.NULL) != (accountant == Json.NULL)) {
            throw new IllegalArgumentException("\"delta\" and \"accountant\" must both be set or both be null");
        }
        if (delta != Json.NULL) {
            if (!(accountant instanceof String a)) {
                throw new IllegalArgumentException("\"accountant\" must be a string, got " + describe(accountant));
            }
            AccountantType type;
            try {
                type = AccountantType.valueOf(a);
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("unknown accountant \"" + a + "\"", ex);
            }
            ledger.setReporting(parseDouble(delta, "delta"), type);
        }
        Object budget = map.get("epsilon_budget");
        if ("none".equals(budget)) {
            ledger.setEpsilonBudget(Double.POSITIVE_INFINITY);
        } else if (budget != Json.NULL) {
            ledger.setEpsilonBudget(parseDouble(budget, "epsilon_budget"));
        }
        return ledger;
    }

    @Override
    public synchronized String toString() {
        return "PrivacyLedger{runId=" + runId + (seeded ? ", seeded" : "") + ", entries=" + entries + "}";
    }

    /** The events' own validation: sigma finite and >= 0, q in [0, 1]. */
    private static void validateStep(double noiseMultiplier, double samplingProbability) {
        DpEvent.poissonSampled(samplingProbability, DpEvent.gaussian(noiseMultiplier));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> requireObject(Object o, String what) {
        if (!(o instanceof Map<?, ?>)) {
            throw new IllegalArgumentException(what + " must be a JSON object, got " + describe(o));
        }
        return (Map<String, Object>) o;
    }

    private static void requireKeys(Map<String, Object> map, Set<String> keys, String what) {
        for (String k : map.keySet()) {
            if (!keys.contains(k)) {
                throw new IllegalArgumentException(what + " has an unknown field \"" + k + "\" (expected "
                        + keys.stream().sorted().toList() + ")");
            }
        }
        for (String k : keys) {
            if (!map.containsKey(k)) {
                throw new IllegalArgumentException(what + " has no \"" + k + "\" field");
            }
        }
    }

    private static double parseDouble(Object o, String what) {
        if (!(o instanceof Json.Number n)) {
            throw new IllegalArgumentException(what + " must be a number, got " + describe(o));
        }
        double v = Double.parseDouble(n.text());
        if (Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " is out of the range of a double: " + n.text());
        }
        return v;
    }

    private static long parseLong(Object o, String what) {
        if (!(o instanceof Json.Number n)) {
            throw new IllegalArgumentException(what + " must be an integer, got " + describe(o));
        }
        try {
            return Long.parseLong(n.text());
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException(what + " must be an integer in the range of a long, got " + n.text(),
                    ex);
        }
    }

    private static Instant parseInstant(Object o, String what) {
        if (!(o instanceof String s)) {
            throw new IllegalArgumentException(what + " must be an ISO-8601 instant string, got " + describe(o));
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException ex) {
            throw new IllegalArgumentException(what + " is not an ISO-8601 instant: \"" + s + "\"", ex);
        }
    }

    private static String describe(Object o) {
        if (o == null) {
            return "nothing";
        }
        if (o instanceof Json.Number n) {
            return "the number " + n.text();
        }
        if (o instanceof String s) {
            return Json.quote(s);
        }
        if (o instanceof Map<?, ?>) {
            return "an object";
        }
        if (o instanceof List<?>) {
            return "an array";
        }
        return String.valueOf(o);
    }
}
