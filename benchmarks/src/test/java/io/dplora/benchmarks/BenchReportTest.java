package io.dplora.benchmarks;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report's ratios, targets and JSON rendering, on hand-made figures (no ND4J, no timing). */
class BenchReportTest {

    private static Timing ms(double median) {
        return new Timing(median, median + 1, median - 1, median + 2, 10);
    }

    private static Map<String, Object> memory(long peakTotal, long before) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("peak_total_bytes", peakTotal);
        m.put("peak_heap_used_bytes", peakTotal / 4);
        m.put("peak_native_bytes", peakTotal - peakTotal / 4);
        m.put("peak_rss_bytes", 2 * peakTotal);
        m.put("total_before_steps_bytes", before);
        return m;
    }

    private static BenchReport sample() {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("date", "2025-01-01T00:00:00Z");
        env.put("omp_num_threads", "1");
        env.put("load_average", "1.00 2.00 3.00");
        BenchReport r = new BenchReport(env);
        r.addStep("mlp", 256, "nonprivate", ms(20));
        r.addStep("mlp", 256, "dp", ms(25));
        r.addStep("mlp", 256, "loop", ms(1000));
        r.addStep("mlp", 64, "nonprivate", ms(8));
        r.addStep("sequence", 256, "nonprivate", ms(100));
        r.addStep("sequence", 256, "dp", ms(105));
        r.addMemory("mlp", 256, "nonprivate", memory(100_000_000L, 80_000_000L));
        r.addMemory("mlp", 256, "dp", memory(110_000_000L, 80_000_000L));
        r.addAccountant("rdp_epsilon_10k", ms(0.5));
        r.addAccountant("rdp_calibration", ms(60));
        r.addAccountant("pld_epsilon_10k", ms(100));
        r.setLoadAverageEnd("4.00 5.00 6.00");
        return r;
    }

    @Test
    void ratiosAreMediansOfTheRightVariants() {
        Map<String, Object> j = sample().toJsonMap();
        assertEquals(25.0 / 20.0, (Double) j.get("dp_over_nonprivate_b256"), 1e-12);
        assertEquals(1000.0 / 25.0, (Double) j.get("loop_over_dp_b256"), 1e-12);
        assertEquals(1.1, (Double) j.get("memory_dp_over_nonprivate_b256"), 1e-12);
        assertEquals(30.0 / 20.0, (Double) j.get("memory_step_dp_over_nonprivate_b256"), 1e-12);
        assertEquals(105.0 / 100.0, (Double) j.get("sequence_b256_dp_over_nonprivate"), 1e-12);
        assertEquals(0.5, (Double) j.get("rdp_epsilon_10k_ms"), 1e-12);
        assertNull(j.get("dp_over_nonprivate_b64"), "no ratio without a (b) timing");
        assertEquals(8.0, (Double) j.get("mlp_b64_nonprivate_ms"), 1e-12);
    }

    @Test
    void pairedRatioIsPreferredOverTheRatioOfMedians() {
        BenchReport r = sample();
        r.setPairedRatio("mlp", 256, 1.3, 1.2, 1.4, 50);
        Map<String, Object> j = r.toJsonMap();
        assertEquals(1.3, (Double) j.get("dp_over_nonprivate_b256"), 1e-12);
        assertEquals(1.2, (Double) j.get("mlp_b256_dp_over_nonprivate_min"), 1e-12);
        assertEquals(50L, j.get("mlp_b256_pairs"));
        assertEquals(105.0 / 100.0, (Double) j.get("sequence_b256_dp_over_nonprivate"), 1e-12);
    }

    @Test
    @SuppressWarnings("unchecked")
    void targetsSayWhetherTheyAreMet() {
        Map<String, Object> t = (Map<String, Object>) sample().toJsonMap().get("targets");
        assertFalse((Boolean) ((Map<String, Object>) t.get("dp_over_nonprivate_b256")).get("met"));
        assertTrue((Boolean) ((Map<String, Object>) t.get("loop_over_dp_b256")).get("met"));
        assertTrue((Boolean) ((Map<String, Object>) t.get("memory_dp_over_nonprivate_b256")).get("met"));
        assertTrue((Boolean) ((Map<String, Object>) t.get("rdp_epsilon_10k_ms")).get("met"));
        assertFalse((Boolean) ((Map<String, Object>) t.get("rdp_calibration_ms")).get("met"));
        assertTrue((Boolean) ((Map<String, Object>) t.get("pld_epsilon_10k_ms")).get("met"));
        assertFalse(t.containsKey("memory_dp_over_nonprivate_b1024"), "absent figures have no target entry");
    }

    @Test
    @SuppressWarnings("unchecked")
    void setUpTimesGiveTheWorstCaseAndItsTarget() {
        BenchReport r = sample();
        r.addSetup("a", Map.of("setup_ms", 420.0, "step_limit", 293L));
        r.addSetup("b", Map.of("setup_ms", 1250.0, "step_limit", 9000L));
        Map<String, Object> j = r.toJsonMap();
        assertEquals(420.0, (Double) j.get("setup_a_ms"), 1e-12);
        assertEquals(1250.0, (Double) j.get("setup_max_ms"), 1e-12);
        Map<String, Object> t = (Map<String, Object>) j.get("targets");
        assertEquals(false, ((Map<String, Object>) t.get("setup_max_ms")).get("met"));
        assertFalse(((Map<String, Object>) sample().toJsonMap().get("targets")).containsKey("setup_max_ms"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theGemmFloorGivesTheNonPrivateStepsOverheadAndItsTarget() {
        BenchReport r = sample();
        r.addStep("mlp", 256, "gemm_floor", ms(16));
        r.addStep("sequence", 256, "gemm_floor", ms(50));
        Map<String, Object> j = r.toJsonMap();
        assertEquals(16.0, (Double) j.get("mlp_b256_gemm_floor_ms"), 1e-12);
        assertEquals(20.0 / 16.0, (Double) j.get("mlp_b256_nonprivate_over_gemm_floor"), 1e-12);
        Map<String, Object> t = (Map<String, Object>) j.get("targets");
        assertEquals(true, ((Map<String, Object>) t.get("mlp_b256_nonprivate_over_gemm_floor")).get("met"));
        assertEquals(false, ((Map<String, Object>) t.get("sequence_b256_nonprivate_over_gemm_floor")).get("met"));
    }

    @Test
    void jsonIsOneLineThatParsesBackToTheSameFigures() {
        BenchReport r = sample();
        String text = Json.write(r.toJsonMap());
        assertFalse(text.contains("\n"));
        Map<String, Object> back = Json.parseObject(text);
        assertEquals(1.25, ((Number) back.get("dp_over_nonprivate_b256")).doubleValue(), 1e-12);
        assertEquals(40.0, ((Number) back.get("loop_over_dp_b256")).doubleValue(), 1e-12);
        assertEquals("4.00 5.00 6.00", back.get("load_average_end"));
        String table = r.toTable();
        assertTrue(table.contains("1.250"), table);
        assertTrue(table.contains("MISSED"), table);
    }

    @Test
    void jsonWriterEscapesAndDropsNonFiniteNumbers() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a \"quoted\"\nline\\");
        m.put("nan", Double.NaN);
        m.put("inf", Double.POSITIVE_INFINITY);
        m.put("small", 1.234567e-7);
        m.put("big", 123456789.0);
        m.put("list", List.of(1L, true, "x"));
        String text = Json.write(m);
        Map<String, Object> back = Json.parseObject(text);
        assertEquals("a \"quoted\"\nline\\", back.get("s"));
        assertTrue(back.containsKey("nan"));
        assertNull(back.get("nan"));
        assertNull(back.get("inf"));
        assertEquals(1.23457e-7, ((Number) back.get("small")).doubleValue(), 1e-18);
        assertEquals(123456789.0, ((Number) back.get("big")).doubleValue(), 0.0);
        assertEquals(List.of(1L, true, "x"), back.get("list"));
    }

    @Test
    void childRunArgumentsDropTheOptionsItSetsItself() {
        assertEquals(List.of("--quick", "--parts", "steps"), BenchCommand.argsWithout(
                new String[]{"--threads", "1,2", "--quick", "--json", "--parts", "steps", "--output=x.json"},
                "--threads", "--output", "--json"));
        assertEquals(List.of("--quick"), BenchCommand.argsWithout(new String[]{"--threads=2", "--quick"},
                "--threads"));
    }

    @Test
    void profileSamplesGoToTheMostSpecificComponent() {
        assertEquals("DP step: double accumulation of the clipped sum", JfrStepProfile.componentOf(List.of(
                "Nd4jCpu.execTransformAny", "AccumulatorTransfer.add", "DPUpdater.beforeOptimizer",
                "ComputationGraph.fit")));
        assertEquals("book-keeping clipped sum", JfrStepProfile.componentOf(List.of(
                "Nd4j.gemm", "LinearGradientFactor.writeClippedSum", "BaseDPDenseLayerImpl.writeClippedSum",
                "DPUpdater.beforeOptimizer")));
        assertEquals("stash of per-example factors (backprop; 2D: with the row norms)",
                JfrStepProfile.componentOf(List.of("BaseNDArray.assign", "LinearGradientFactor.stash", "LoRADenseLayerImpl.backpropRows",
                "ComputationGraph.calcBackpropGradients")));
        assertEquals("optimiser (Adam) and parameter step", JfrStepProfile.componentOf(List.of(
                "BaseNDArray.subi", "NegativeGradientStepFunction.step", "StochasticGradientDescent.optimize")));
        assertEquals(JfrStepProfile.OTHER, JfrStepProfile.componentOf(List.of("Solver.optimize")));
        // both variants' batch materialisation land in one component, so the (b) - (a) difference compares them
        assertEquals(JfrStepProfile.componentOf(List.of("Nd4j.pullRows", "InMemoryDataSource.get",
                        "PoissonSamplingIterator.fetch", "PoissonSamplingIterator.next")),
                JfrStepProfile.componentOf(List.of("DataSet.copy", "OneBatchIterator.next",
                        "ComputationGraph.fit")));
    }

    @Test
    void interleavedSamplesGoToTheStepRunningAtTheirTime() {
        List<long[]> windows = List.of(new long[]{10, 20, 0}, new long[]{21, 35, 1}, new long[]{36, 40, 1},
                new long[]{41, 60, 0});
        assertEquals(0, JfrStepProfile.variantAt(windows, 10));
        assertEquals(0, JfrStepProfile.variantAt(windows, 20));
        assertEquals(1, JfrStepProfile.variantAt(windows, 21));
        assertEquals(1, JfrStepProfile.variantAt(windows, 38));
        assertEquals(0, JfrStepProfile.variantAt(windows, 59));
        assertEquals(-1, JfrStepProfile.variantAt(windows, 5));
        assertEquals(-1, JfrStepProfile.variantAt(windows, 61));
    }

    @Test
    void profileDifferenceCoversBothSidesLargestFirst() {
        Map<String, Double> a = new LinkedHashMap<>();
        a.put("forward", 7.0);
        a.put("other", 2.0);
        Map<String, Double> b = new LinkedHashMap<>();
        b.put("forward", 7.5);
        b.put("clipped sum", 1.2);
        b.put("other", 0.1);
        Map<String, Double> d = DPStepBreakdown.difference(a, b);
        assertEquals(List.of("other", "clipped sum", "forward"), List.copyOf(d.keySet()));
        assertEquals(-1.9, d.get("other"), 1e-12);
        assertEquals(1.2, d.get("clipped sum"), 1e-12);
        assertEquals(0.5, d.get("forward"), 1e-12);
    }
}
