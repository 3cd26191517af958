package io.dplora.benchmarks;

import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.util.Statistics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Runs one JMH benchmark method programmatically (one forked JVM per run, so runs never share JIT state, ND4J
 * workspaces or heap) and returns its {@link Timing}.
 */
final class JmhRunner {

    /**
     * Iteration settings of one run.
     *
     * @param warmupIterations      warm-up iterations (JIT, ND4J workspace sizing)
     * @param measurementIterations measured iterations
     * @param iterationSeconds      seconds per iteration (time-based modes; single-shot iterations are one call)
     * @param verbose               show JMH's own output
     */
    record Settings(int warmupIterations, int measurementIterations, int iterationSeconds, boolean verbose) {
    }

    /** A run's timing and, when a profiler was attached, its textual report. */
    record Outcome(Timing timing, String profile) {
    }

    /**
     * The result of {@link StepBenchmarks#pairedNonPrivateAndDp}: per measurement iteration the mean step time of
     * (a) and of (b) in that iteration, and their ratio.
     *
     * @param nonPrivate median, mean, min, max over iterations of (a)'s mean step time
     * @param dp         the same for (b)
     * @param ratio      median over iterations of (b)/(a)
     * @param ratioMin   smallest per-iteration ratio
     * @param ratioMax   largest per-iteration ratio
     * @param pairs      pairs of steps measured in all
     */
    record Paired(Timing nonPrivate, Timing dp, double ratio, double ratioMin, double ratioMax, long pairs,
                  Timing gemmFloor) {
    }

    private final List<String> forkJvmArgs;

    /** @param forkJvmArgs JVM options appended for the forked benchmark JVMs */
    JmhRunner(List<String> forkJvmArgs) {
        this.forkJvmArgs = new ArrayList<>(forkJvmArgs);
    }

    Timing run(Class<?> benchmark, String method, Map<String, String> params, Settings s) throws RunnerException {
        return run(benchmark, method, params, s, null, null).timing();
    }

    /** Runs {@link StepBenchmarks#pairedNonPrivateAndDp} and reads its per-iteration auxiliary counters. */
    Paired runPaired(Map<String, String> params, Settings s) throws RunnerException {
        RunResult r = runOnce(StepBenchmarks.class, "pairedNonPrivateAndDp", params, s, null, null);
        List<Double> a = new ArrayList<>();
        List<Double> b = new ArrayList<>();
        List<Double> ratio = new ArrayList<>();
        List<Double> gemm = new ArrayList<>();
        long pairs = 0;
        for (BenchmarkResult br : r.getBenchmarkResults()) {
            for (IterationResult it : br.getIterationResults()) {
                Map<String, Result> sec = it.getSecondaryResults();
                double n = sec.get("pairs").getScore();
                if (n <= 0) {
                    continue;
                }
                double ta = sec.get("nonPrivateNanos").getScore() / n / 1e6;
                double tb = sec.get("dpNanos").getScore() / n / 1e6;
                a.add(ta);
                b.add(tb);
                Result g = sec.get("gemmNanos");
                if (g != null && g.getScore() > 0) {
                    gemm.add(g.getScore() / n / 1e6);
                }
                ratio.add(tb / ta);
                pairs += (long) n;
            }
        }
        if (ratio.isEmpty()) {
            throw new IllegalStateException("no measured iteration of the paired benchmark " + params);
        }
        Statistics rs = stats(ratio);
        return new Paired(timing(stats(a), 1.0), timing(stats(b), 1.0), rs.getPercentile(50.0), rs.getMin(),
                rs.getMax(), pairs, gemm.isEmpty() ? null : timing(stats(gemm), 1.0));
    }

    private static Statistics stats(List<Double> values) {
        org.openjdk.jmh.util.ListStatistics st = new org.openjdk.jmh.util.ListStatistics();
        values.forEach(st::addValue);
        return st;
    }

    private static Timing timing(Statistics st, double scale) {
        return new Timing(st.getPercentile(50.0) * scale, st.getMean() * scale, st.getMin() * scale,
                st.getMax() * scale, st.getN());
    }

    /**
     * @param profiler     a JMH profiler class (e.g. StackProfiler), or null
     * @param profilerOpts its option string, or null
     */
    Outcome run(Class<?> benchmark, String method, Map<String, String> params, Settings s,
                Class<? extends org.openjdk.jmh.profile.Profiler> profiler, String profilerOpts)
            throws RunnerException {
        RunResult r = runOnce(benchmark, method, params, s, profiler, profilerOpts);
        Statistics st = r.getPrimaryResult().getStatistics();
        Timing t = timing(st, toMillis(r.getPrimaryResult().getScoreUnit()));
        String profile = null;
        for (Map.Entry<String, Result> e : r.getSecondaryResults().entrySet()) {
            if (e.getKey().contains("stack") || e.getKey().contains("jfr")) {
                profile = e.getValue().extendedInfo();
            }
        }
        return new Outcome(t, profile);
    }

    private RunResult runOnce(Class<?> benchmark, String method, Map<String, String> params, Settings s,
                              Class<? extends org.openjdk.jmh.profile.Profiler> profiler, String profilerOpts)
            throws RunnerException {
        ChainedOptionsBuilder b = new OptionsBuilder()
                .include("^" + Pattern.quote(benchmark.getName() + "." + method) + "$")
                .forks(1)
                .warmupIterations(s.warmupIterations())
                .measurementIterations(s.measurementIterations())
                .warmupTime(TimeValue.seconds(s.iterationSeconds()))
                .measurementTime(TimeValue.seconds(s.iterationSeconds()))
                .jvmArgsAppend(forkJvmArgs.toArray(new String[0]))
                .shouldFailOnError(true)
                .verbosity(s.verbose() ? VerboseMode.NORMAL : VerboseMode.SILENT);
        params.forEach(b::param);
        if (profiler != null) {
            b.addProfiler(profiler, profilerOpts == null ? "" : profilerOpts);
        }
        Collection<RunResult> results = new Runner(b.build()).run();
        if (results.size() != 1) {
            throw new IllegalStateException("expected one JMH result for " + method + " " + params + ", got "
                    + results.size());
        }
        return results.iterator().next();
    }

    private static double toMillis(String unit) {
        if (unit.startsWith("ms/")) {
            return 1.0;
        }
        if (unit.startsWith("us/")) {
            return 1e-3;
        }
        if (unit.startsWith("ns/")) {
            return 1e-6;
        }
        if (unit.startsWith("s/")) {
            return 1e3;
        }
        throw new IllegalStateException("unexpected JMH score unit " + unit);
    }
}
