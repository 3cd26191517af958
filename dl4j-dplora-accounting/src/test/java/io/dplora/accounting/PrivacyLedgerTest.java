package io.dplora.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class PrivacyLedgerTest {

    /** A clock that advances by one second on every reading. */
    private static final class TickingClock extends Clock {
        private Instant now = Instant.parse("2025-03-01T08:00:00.123456789Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public synchronized Instant instant() {
            Instant t = now;
            now = now.plus(Duration.ofSeconds(1));
            return t;
        }
    }

    @Test
    void recordsAndCoalescesIdenticalConsecutiveSteps() {
        PrivacyLedger ledger = new PrivacyLedger(new TickingClock());
        ledger.record(1.1, 0.01, 1);
        ledger.record(1.1, 0.01, 9);
        ledger.record(1.1, 0.02, 5);
        ledger.record(1.1, 0.01, 0); // no steps, no entry
        ledger.record(1.1, 0.01, 3);
        List<PrivacyLedger.Entry> e = ledger.entries();
        assertEquals(3, e.size());
        assertEquals(10, e.get(0).count());
        assertEquals(Instant.parse("2025-03-01T08:00:00.123456789Z"), e.get(0).firstTimestamp());
        assertEquals(Instant.parse("2025-03-01T08:00:01.123456789Z"), e.get(0).lastTimestamp());
        assertEquals(0.02, e.get(1).samplingProbability());
        assertEquals(5, e.get(1).count());
        assertEquals(3, e.get(2).count());
        assertEquals(18, ledger.totalSteps());
        assertThrows(UnsupportedOperationException.class, () -> e.add(e.get(0)));
        ledger.record(1.1, 0.01, 1);
        assertEquals(3, e.size()); // a snapshot
        assertEquals(4, ledger.entries().get(2).count());
    }

    @Test
    void invalidRecordsLeaveTheLedgerUnchanged() {
        PrivacyLedger ledger = new PrivacyLedger();
        ledger.record(1.0, 0.1, 5);
        String before = ledger.toJson();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ledger.record(-1, 0.1, 1)).getMessage()
                .contains("noise multiplier"));
        assertThrows(IllegalArgumentException.class, () -> ledger.record(Double.NaN, 0.1, 1));
        assertThrows(IllegalArgumentException.class, () -> ledger.record(Double.POSITIVE_INFINITY, 0.1, 1));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ledger.record(1.0, 1.5, 1)).getMessage()
                .contains("sampling probability"));
        assertThrows(IllegalArgumentException.class, () -> ledger.record(1.0, -0.1, 1));
        assertThrows(IllegalArgumentException.class, () -> ledger.record(1.0, Double.NaN, 1));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ledger.record(1.0, 0.1, -1)).getMessage()
                .contains("steps"));
        assertThrows(IllegalArgumentException.class, () -> ledger.record(1.0, 0.1, Long.MAX_VALUE));
        assertEquals(before, ledger.toJson());
        assertEquals(5, ledger.totalSteps());
    }

    @Test
    void jsonRoundTripIsLosslessBitForBit() {
        Random rnd = new Random(3);
        PrivacyLedger ledger = new PrivacyLedger(new TickingClock());
        double[] sigmas = {1.1, 0.1 + 0.2, Math.nextUp(1.0), 1e-300, Double.MIN_VALUE, 0.0, 123456.789e10,
            rnd.nextDouble() * 3};
        double[] qs = {256.0 / 60000, 1.0 / 3, Math.nextDown(1.0), 1.0, 0.0, Double.MIN_NORMAL, 1e-17,
            rnd.nextDouble()};
        for (int i = 0; i < sigmas.length; i++) {
            ledger.record(sigmas[i], qs[i], 1 + rnd.nextInt(100000));
        }
        ledger.record(2.0, 0.5, Long.MAX_VALUE - ledger.totalSteps());
        String json = ledger.toJson();
        PrivacyLedger back = PrivacyLedger.fromJson(json);
        List<PrivacyLedger.Entry> a = ledger.entries();
        List<PrivacyLedger.Entry> b = back.entries();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(Double.doubleToRawLongBits(a.get(i).noiseMultiplier()),
                    Double.doubleToRawLongBits(b.get(i).noiseMultiplier()));
            assertEquals(Double.doubleToRawLongBits(a.get(i).samplingProbability()),
                    Double.doubleToRawLongBits(b.get(i).samplingProbability()));
            assertEquals(a.get(i).count(), b.get(i).count());
            assertEquals(a.get(i).firstTimestamp(), b.get(i).firstTimestamp());
            assertEquals(a.get(i).lastTimestamp(), b.get(i).lastTimestamp());
        }
        assertEquals(a, b);
        assertEquals(json, back.toJson());
        assertEquals(Long.MAX_VALUE, back.totalSteps());
        assertEquals("[]", PrivacyLedger.fromJson(new PrivacyLedger().toJson()).entries().toString());
    }

    @Test
    void readsHandWrittenJsonWithAnyWhitespaceAndEscapes() {
        String json = "  {\"entries\":[{\"count\":3,\"lastTimestamp\":\"2025-01-01T00:00:02Z\",\"noiseMultiplier\""
                + ":1.5E0,\"samplingProbability\":2.5e-1,\"firstTimestamp\":\"2025-01-01T00:00:0\\u0031Z\"}],"
                + "\n\t\"version\" : 1 , \"format\":\"dplora-privacy-ledger\"}\r\n";
        PrivacyLedger ledger = PrivacyLedger.fromJson(json);
        PrivacyLedger.Entry e = ledger.entries().get(0);
        assertEquals(1.5, e.noiseMultiplier());
        assertEquals(0.25, e.samplingProbability());
        assertEquals(Instant.parse("2025-01-01T00:00:01Z"), e.firstTimestamp());
    }

    @Test
    void malformedJsonIsRejectedWithAClearMessage() {
        String good = PrivacyLedger.fromJson(ledgerJson("1.1", "0.01", "10")).toJson();
        String[][] cases = {
            {"", "malformed JSON"},
            {"{", "malformed JSON"},
            {"[1, 2]", "must be a JSON object"},
            {"{\"format\": \"dplora-privacy-ledger\", \"version\": 1}", "no \"entries\""},
            {good.replace("dplora-privacy-ledger", "something-else"), "not a privacy ledger"},
            {good.replace("\"version\": 2", "\"version\": 3"), "unsupported privacy ledger version 3"},
            {good.replaceFirst("\"run_id\": \"[^\"]+\"", "\"run_id\": 7"), "run_id"},
            {good.replace("\"seeded\": false", "\"seeded\": \"no\""), "seeded"},
            {good.replace("\"accountant\": null", "\"accountant\": \"PLD\""), "both be set or both be null"},
            {good + "x", "unexpected content"},
            {good.replace("\"count\"", "\"steps\""), "unknown field \"steps\""},
            {ledgerJson("-1.0", "0.01", "10"), "noise multiplier"},
            {ledgerJson("1.0", "1.01", "10"), "sampling probability"},
            {ledgerJson("1.0", "0.01", "0"), "count"},
            {ledgerJson("1.0", "0.01", "2.5"), "integer"},
            {ledgerJson("1.0", "0.01", "99999999999999999999"), "range of a long"},
            {ledgerJson("1e999", "0.01", "1"), "out of the range"},
            {ledgerJson("\"1.0\"", "0.01", "1"), "must be a number"},
            {ledgerJson("1.0", "0.01", "1").replace("2025-01-01T00:00:00Z", "yesterday"), "ISO-8601"},
            {ledgerJson("1.0", "0.01", "1").replace("2025-01-01T00:00:05Z", "2024-01-01T00:00:05Z"), "before"},
            {"{\"format\": \"a\", \"format\": \"b\"}", "duplicate key"},
            {"{\"a\": [1, 2,]}", "malformed JSON"},
            {"{\"a\": 01}", "malformed JSON"},
            {"{\"a\": tru}", "malformed JSON"},
            {"{\"a\": \"\\q\"}", "invalid escape"},
            {"[".repeat(100) + "]".repeat(100), "nesting"},
        };
        for (String[] c : cases) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> PrivacyLedger.fromJson(c[0]), c[0]);
            assertTrue(ex.getMessage().contains(c[1]), "'" + ex.getMessage() + "' should mention '" + c[1] + "'");
        }
        assertThrows(IllegalArgumentException.class, () -> PrivacyLedger.fromJson(null));
    }

    private static String ledgerJson(String sigma, String q, String count) {
        return "{\"format\": \"dplora-privacy-ledger\", \"version\": 1, \"entries\": [{\"noiseMultiplier\": " + sigma
                + ", \"samplingProbability\": " + q + ", \"count\": " + count
                + ", \"firstTimestamp\": \"2025-01-01T00:00:00Z\", \"lastTimestamp\": \"2025-01-01T00:00:05Z\"}]}";
    }

    @Test
    void accountantsFromTheLedgerEqualDirectComposition() {
        PrivacyLedger ledger = new PrivacyLedger();
        ledger.record(1.1, 0.01, 300);
        ledger.record(0.9, 0.02, 40);
        ledger.record(1.1, 0.01, 60);
        DpEvent a = DpEvent.poissonSampled(0.01, DpEvent.gaussian(1.1));
        DpEvent b = DpEvent.poissonSampled(0.02, DpEvent.gaussian(0.9));
        double rdp = new RdpAccountant().compose(a, 300).compose(b, 40).compose(a, 60).getEpsilon(1e-5);
        assertEquals(rdp, ledger.epsilon(1e-5, AccountantType.RDP), 1e-12 * rdp);
        assertEquals(rdp, ledger.toAccountant(AccountantType.RDP).getEpsilon(1e-5), 1e-12 * rdp);
        double pld = new PldAccountant().compose(a, 360).compose(b, 40).getEpsilon(1e-5);
        assertEquals(pld, ledger.epsilon(1e-5, AccountantType.PLD), 1e-6 * pld);
        assertEquals(0.0, new PrivacyLedger().epsilon(1e-5, AccountantType.PLD));
        assertThrows(IllegalArgumentException.class, () -> ledger.epsilon(0, AccountantType.RDP));
    }

    @Test
    void runIdSeededMarkAndReportingSurviveJsonAndCopies() {
        PrivacyLedger ledger = new PrivacyLedger();
        ledger.record(1.0, 0.1, 5);
        assertNotEquals(ledger.runId(), new PrivacyLedger().runId(), "every new ledger has its own run id");
        assertFalse(ledger.isSeeded());
        assertTrue(Double.isNaN(ledger.reportingDelta()));
        ledger.markSeeded();
        ledger.setReporting(1e-5, AccountantType.PLD);
        ledger.setEpsilonBudget(8.0);
        PrivacyLedger back = PrivacyLedger.fromJson(ledger.toJson());
        assertEquals(8.0, back.epsilonBudget());
        ledger.setEpsilonBudget(Double.POSITIVE_INFINITY);
        assertEquals(Double.POSITIVE_INFINITY, PrivacyLedger.fromJson(ledger.toJson()).epsilonBudget());
        assertTrue(Double.isNaN(new PrivacyLedger().epsilonBudget()));
        assertEquals(ledger.runId(), back.runId());
        assertTrue(back.isSeeded());
        assertEquals(1e-5, back.reportingDelta());
        assertEquals(AccountantType.PLD, back.reportingAccountant());
        assertEquals(ledger.entries(), back.entries());
        PrivacyLedger copy = ledger.copy();
        assertEquals(ledger.runId(), copy.runId());
        assertTrue(copy.isSeeded());
        assertTrue(ledger.toJson().contains("\"noise_multiplier\"") && ledger.toJson().contains("\"run_id\""),
                "snake_case keys");
        assertThrows(IllegalArgumentException.class, () -> ledger.setReporting(0, AccountantType.RDP));
    }

    @Test
    void versionOneLedgersAreStillReadAndGetANewRunId() {
        PrivacyLedger old = PrivacyLedger.fromJson(ledgerJson("1.1", "0.01", "10"));
        assertEquals(10, old.totalSteps());
        assertFalse(old.isSeeded());
        assertNotEquals(old.runId(), PrivacyLedger.fromJson(ledgerJson("1.1", "0.01", "10")).runId());
    }

    @Test
    void copyIsIndependent() {
        PrivacyLedger ledger = new PrivacyLedger();
        ledger.record(1.0, 0.1, 5);
        PrivacyLedger copy = ledger.copy();
        assertNotSame(ledger, copy);
        copy.record(1.0, 0.1, 5);
        copy.record(2.0, 0.1, 1);
        assertEquals(5, ledger.totalSteps());
        assertEquals(1, ledger.entries().size());
        assertEquals(11, copy.totalSteps());
    }

    @Test
    void concurrentRecordsAreAllKept() throws Exception {
        PrivacyLedger ledger = new PrivacyLedger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            final double sigma = 1.0 + t;
            futures.add(pool.submit(() -> {
                for (int i = 0; i < 2500; i++) {
                    ledger.record(sigma, 0.01, 1);
                    if (i % 100 == 0) {
                        ledger.toJson();
                        ledger.entries();
                    }
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        assertEquals(10000, ledger.totalSteps());
        long sum = ledger.entries().stream().mapToLong(PrivacyLedger.Entry::count).sum();
        assertEquals(10000, sum);
        assertEquals(10000, PrivacyLedger.fromJson(ledger.toJson()).totalSteps());
    }

    @Test
    void entryValidation() {
        Instant t = Instant.parse("2025-01-01T00:00:00Z");
        assertThrows(IllegalArgumentException.class, () -> new PrivacyLedger.Entry(1, 0.1, 0, t, t));
        assertThrows(IllegalArgumentException.class, () -> new PrivacyLedger.Entry(1, 0.1, 1, t, t.minusSeconds(1)));
        assertThrows(NullPointerException.class, () -> new PrivacyLedger.Entry(1, 0.1, 1, null, t));
        PrivacyLedger.Entry e = new PrivacyLedger.Entry(1.5, 0.25, 7, t, t);
        assertEquals(DpEvent.selfComposed(DpEvent.poissonSampled(0.25, DpEvent.gaussian(1.5)), 7), e.toDpEvent());
    }
}
