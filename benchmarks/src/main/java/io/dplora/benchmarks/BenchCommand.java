package io.dplora.benchmarks;

import org.openjdk.jmh.profile.JavaFlightRecorderProfiler;
import org.openjdk.jmh.profile.StackProfiler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ./dplora bench}: DP overhead against non-private training, the per-example loop, memory and accountant speed,
 * measured side by side in one run (same networks, same data), printed as a table and, with {@code --json}, as one
 * JSON object on the last line of stdout (keys documented in {@link BenchReport}).
 *
 * <p>Every timing runs in a forked JMH JVM of its own; every memory figure in a fresh JVM of its own
 * ({@link MemoryProbe}); the breakdown of the DP step runs in this JVM. Progress goes to stderr. ND4J reads
 * {@code OMP_NUM_THREADS} once at start-up, so other thread counts ({@code --threads 1,2}) are measured by a child
 * run of this command with that environment.
 */
@Command(name = "dplora bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmarks of DP-LoRA training: (a) non-private fit, (b) the DP-LoRA step, (c) a per-example "
                + "loop; memory of (a) vs (b); accountant speed. Prints a table; --json adds one JSON object as the "
                + "last line."})
public final class BenchCommand implements Callable<Integer> {

    /** Parts of the benchmark that can be selected with --parts. */
    enum Part { STEPS, LOOP, MEMORY, ACCOUNTANT, BREAKDOWN, FORWARD, SETUP }

    /** Sampling profilers that can be attached to the DP step. */
    enum Profile { NONE, STACK, JFR }

    @Option(names = "--json", description = "Print one JSON object with all figures as the last line of stdout.")
    boolean json;

    @Option(names = "--quick", description = "Smoke run: few iterations, B = 256 only (unless --batches), "
            + "short memory runs.")
    boolean quick;

    @Option(names = "--parts", split = ",", paramLabel = "PART",
            description = "Parts to run, comma-separated: ${COMPLETION-CANDIDATES} (default: all). steps = (a) and "
                    + "(b); loop = (c); setup = DPLoRA.makePrivate's set-up time, fresh JVM per case.")
    List<Part> parts;

    @Option(names = "--models", split = ",", paramLabel = "MODEL",
            description = "Models: mlp, sequence, cnn, minilm (default: mlp and sequence). minilm is the real "
                    + "all-MiniLM-L6-v2 at T = 128: use small --batches (32); its memory probe runs at B = 16 and "
                    + "the forward part compares it with onnxruntime.")
    List<String> models;

    @Option(names = "--batches", split = ",", paramLabel = "B",
            description = "Logical batch sizes of (a), (b), (c) (default: 64,256,1024; --quick: 256).")
    List<Integer> batches;

    @Option(names = "--loop-batches", split = ",", paramLabel = "B",
            description = "Batch sizes of the per-example loop (c) (default: as --batches).")
    List<Integer> loopBatches;

    @Option(names = "--memory-batches", split = ",", paramLabel = "B",
            description = "Batch sizes of the memory comparison, 2D model (default: 256,1024; --quick: 256).")
    List<Integer> memoryBatches;

    @Option(names = "--memory-steps", paramLabel = "N",
            description = "Training steps per memory probe (default: 100; --quick: 5).")
    Integer memorySteps;

    @Option(names = "--threads", split = ",", paramLabel = "N",
            description = "OMP_NUM_THREADS settings to measure (default: the current one). The first is the "
                    + "headline; others run as child processes and are reported under by_threads.")
    List<Integer> threads;

    @Option(names = "--warmup", paramLabel = "N", description = "JMH warm-up iterations of (a)+(b) "
            + "(default 3; --quick 1).")
    Integer warmup;

    @Option(names = "--iterations", paramLabel = "N", description = "JMH measurement iterations of (a)+(b) "
            + "(default 10; --quick 3).")
    Integer iterations;

    @Option(names = "--iteration-seconds", paramLabel = "S", description = "Seconds per JMH iteration of (a), (b) "
            + "and the accountants (default 2; --quick 1).")
    Integer iterationSeconds;

    @Option(names = "--profile", paramLabel = "KIND", defaultValue = "none",
            description = "Attach a sampling profiler to the DP step of the 2D model at B = 256: "
                    + "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Profile profile;

    @Option(names = {"--out", "--output"}, paramLabel = "FILE",
            description = "Also write the JSON object to this file (--output is an older name for --out).")
    Path output;

    @Option(names = "--verbose", description = "Show JMH's own output.")
    boolean verbose;

    /** Batch of the MiniLM forward comparison (issue 11). */
    static final int MINILM_FORWARD_BATCH = 32;
    /**
     * Untimed forwards of each engine before the MiniLM comparison measures: DL4J reaches its steady state only after
     * about six forwards (its workspaces grow to their final size and the kernels' JIT compiles; measured thread
     * times 2.4, 2.8, 1.8, 1.7, 1.6, 1.4, then 1.26-1.30 s, with the first forwards' system time spent faulting in
     * fresh workspace memory), onnxruntime after two.
     */
    static final int MINILM_FORWARD_WARMUP = 8;
    /** Timed forwards of each engine in the MiniLM comparison (interleaved; medians reported). */
    static final int MINILM_FORWARD_REPETITIONS = 7;
    /** Physical batch of the MiniLM memory probe (issue 11: peak heap of a DP run at physical batch 16). */
    static final int MINILM_MEMORY_BATCH = 16;
    static final int MINILM_MEMORY_STEPS = 3;

    private static final String LIBRARY_LOG_LEVEL = "org.slf4j.simpleLogger.log.io.dplora";

    private String[] originalArgs = new String[0];

    public static void main(String[] args) {
        // the budget listener logs epsilon at every epoch end, which in these benchmarks (one logical step per
        // epoch) would be a log line per step; the JMH forks and memory probes run with level warn likewise
        if (System.getProperty(LIBRARY_LOG_LEVEL) == null) {
            System.setProperty(LIBRARY_LOG_LEVEL, "warn");
        }
        BenchCommand command = new BenchCommand();
        command.originalArgs = args.clone();
        CommandLine cl = new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true);
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<Integer> threadCounts = threads == null || threads.isEmpty() ? List.of(currentThreads()) : threads;
        for (int t : threadCounts) {
            if (t < 1) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--threads must be >= 1, got " + t);
            }
        }
        BenchReport report;
        int first = threadCounts.get(0);
        if (first == currentThreads()) {
            report = runHere();
        } else {
            report = null;
        }
        Map<String, Map<String, Object>> children = new LinkedHashMap<>();
        for (int t : threadCounts) {
            if (report != null && t == first) {
                continue;
            }
            try {
                children.put(String.valueOf(t), runChild(t));
            } catch (IOException | RuntimeException e) {
                progress("FAILED: child run OMP_NUM_THREADS=" + t + ": " + e);
                if (report == null) {
                    throw e;
                }
                report.addError("child run OMP_NUM_THREADS=" + t + ": " + e);
            }
        }
        Map<String, Object> jsonMap;
        if (report != null) {
            children.forEach(report::addOtherThreads);
            System.out.println(report.toTable());
            jsonMap = report.toJsonMap();
        } else {
            jsonMap = children.remove(String.valueOf(first));
            if (!children.isEmpty()) {
                jsonMap.put("by_threads", children);
            }
            System.out.println("(figures of the OMP_NUM_THREADS=" + first + " child run; see the JSON)");
        }
        String text = Json.write(jsonMap);
        if (output != null) {
            Files.writeString(output, text + System.lineSeparator(), StandardCharsets.UTF_8);
        }
        if (json) {
            System.out.println(text);
        }
        Object errors = jsonMap.get("errors");
        return errors instanceof List<?> l && !l.isEmpty() ? 1 : 0;
    }

    private static int currentThreads() {
        String v = System.getenv("OMP_NUM_THREADS");
        try {
            return v == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    /** Runs the selected parts in this process (and its JMH forks / memory probes). */
    BenchReport runHere() throws Exception {
        EnumSet<Part> selected = parts == null || parts.isEmpty() ? EnumSet.allOf(Part.class) : EnumSet.copyOf(parts);
        List<BenchModel> modelList = new ArrayList<>();
        for (String m : models == null || models.isEmpty() ? List.of("mlp", "sequence") : models) {
            modelList.add(BenchModel.of(m));
        }
        List<Integer> stepBatches = orDefault(batches, quick ? List.of(256) : List.of(64, 256, 1024));
        List<Integer> loopB = orDefault(loopBatches, stepBatches);
        List<Integer> memB = orDefault(memoryBatches, quick ? List.of(256) : List.of(256, 1024));
        for (List<Integer> l : List.of(stepBatches, loopB, memB)) {
            for (int b : l) {
                if (b < 1) {
                    throw new CommandLine.ParameterException(new CommandLine(this), "batch sizes must be >= 1, got "
                            + b);
                }
            }
        }
        int iterSec = orDefault(iterationSeconds, quick ? 1 : 2);
        JmhRunner.Settings stepSettings = new JmhRunner.Settings(orDefault(warmup, quick ? 1 : 3),
                orDefault(iterations, quick ? 3 : 10), iterSec, verbose);
        JmhRunner.Settings accountantSettings = new JmhRunner.Settings(quick ? 1 : 3, quick ? 2 : 5, iterSec, verbose);
        JmhRunner jmh = new JmhRunner(List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));

        Map<String, Object> environment = EnvironmentInfo.collect();
        progress("environment: " + Json.write(environment));
        BenchReport report = new BenchReport(environment);
        report.setCommand(("./dplora bench " + String.join(" ", originalArgs)).trim());

        for (BenchModel model : modelList) {
            List<Integer> all = new ArrayList<>(selected.contains(Part.STEPS) ? stepBatches : List.of());
            if (selected.contains(Part.LOOP)) {
                for (int b : loopB) {
                    if (!all.contains(b)) {
                        all.add(b);
                    }
                }
            }
            for (int b : all) {
                Map<String, String> p = Map.of("model", model.key(), "batch", String.valueOf(b));
                if (selected.contains(Part.STEPS) && stepBatches.contains(b)) {
                    pairedTiming(report, jmh, model, b, p, stepSettings);
                }
                if (selected.contains(Part.LOOP) && loopB.contains(b)) {
                    JmhRunner.Settings loop = new JmhRunner.Settings(quick || b >= 1024 ? 1 : 2,
                            quick ? 2 : (b >= 1024 ? 3 : 5), iterSec, verbose);
                    stepTiming(report, jmh, model, b, "loop", "perExampleLoop", p, loop);
                }
            }
        }
        boolean minilm = modelList.contains(BenchModel.MINILM);
        if (selected.contains(Part.FORWARD) && minilm) {
            attempt(report, "forward minilm vs onnxruntime", () -> {
                progress("forward: all-MiniLM-L6-v2 B=" + MINILM_FORWARD_BATCH + " T=" + BenchModel.MINILM_T
                        + ", DL4J vs onnxruntime (this JVM, interleaved)");
                Map<String, Object> f = new OnnxForwardComparison(MINILM_FORWARD_BATCH, currentThreads(),
                        quick ? 1 : MINILM_FORWARD_WARMUP, quick ? 2 : MINILM_FORWARD_REPETITIONS).run();
                report.setForwardComparison(f);
                progress(String.format(java.util.Locale.ROOT, "  DL4J %.0f ms, onnxruntime %.0f ms, ratio %.2f, "
                                + "max |diff| %.2g", (Double) f.get("dl4j_forward_ms"),
                        (Double) f.get("onnxruntime_forward_ms"), (Double) f.get("dl4j_over_onnxruntime"),
                        (Double) f.get("max_abs_diff")));
            });
        }
        if (selected.contains(Part.MEMORY) && minilm) {
            for (String variant : BenchReport.MEMORY_VARIANTS) {
                attempt(report, "memory minilm B=" + MINILM_MEMORY_BATCH + " " + variant, () -> {
                    progress("memory: minilm B=" + MINILM_MEMORY_BATCH + " " + variant + " (fresh JVM, "
                            + MINILM_MEMORY_STEPS + " steps)");
                    Map<String, Object> m = runMemoryProbe(BenchModel.MINILM, variant, MINILM_MEMORY_BATCH,
                            MINILM_MEMORY_STEPS);
                    report.addMemory(BenchModel.MINILM.key(), MINILM_MEMORY_BATCH, variant, m);
                    progress("  peak heap " + mib(m.get("peak_heap_used_bytes")) + " MiB, peak total "
                            + mib(m.get("peak_total_bytes")) + " MiB, peak RSS " + mib(m.get("peak_rss_bytes"))
                            + " MiB");
                });
            }
        }
        if (selected.contains(Part.MEMORY) && modelList.stream().anyMatch(m -> m != BenchModel.MINILM)) {
            int memSteps = orDefault(memorySteps, quick ? 5 : 100);
            for (int b : memB) {
                for (String variant : BenchReport.MEMORY_VARIANTS) {
                    attempt(report, "memory mlp B=" + b + " " + variant, () -> {
                        progress("memory: mlp B=" + b + " " + variant + " (fresh JVM, " + memSteps + " steps)");
                        Map<String, Object> m = runMemoryProbe(BenchModel.MLP, variant, b, memSteps);
                        report.addMemory(BenchModel.MLP.key(), b, variant, m);
                        progress("  peak total " + mib(m.get("peak_total_bytes")) + " MiB, after GC "
                                + mib(m.get("total_after_gc_bytes")) + " MiB, peak RSS "
                                + mib(m.get("peak_rss_bytes")) + " MiB");
                    });
                }
            }
        }
        if (selected.contains(Part.ACCOUNTANT)) {
            accountantTiming(report, jmh, "rdp_epsilon_10k", "rdpEpsilon", accountantSettings);
            accountantTiming(report, jmh, "rdp_calibration", "rdpCalibration", accountantSettings);
            accountantTiming(report, jmh, "pld_epsilon_10k", "pldEpsilon", accountantSettings);
            accountantTiming(report, jmh, "rdp_epsilon_10k_cached", "rdpEpsilonCached", accountantSettings);
            accountantTiming(report, jmh, "pld_epsilon_10k_cached", "pldEpsilonCached", accountantSettings);
            accountantTiming(report, jmh, "ledger_rdp_epsilon_10k", "ledgerRdpEpsilon", accountantSettings);
        }
        if (selected.contains(Part.SETUP)) {
            for (SetupProbe.Case c : SetupProbe.CASES) {
                attempt(report, "setup " + c.name(), () -> {
                    progress("setup: " + c.name() + " (fresh JVM)");
                    Map<String, Object> m = runSetupProbe(c.name());
                    report.addSetup(c.name(), m);
                    progress(String.format(java.util.Locale.ROOT, "  makePrivate %.0f ms (sigma %.4f, step limit %s)",
                            ((Number) m.get("setup_ms")).doubleValue(), ((Number) m.get("noise_multiplier"))
                                    .doubleValue(), m.get("step_limit")));
                });
            }
        }
        if (selected.contains(Part.BREAKDOWN)) {
            int b = stepBatches.contains(256) || !selected.contains(Part.STEPS) ? 256 : stepBatches.get(0);
            for (BenchModel model : modelList) {
                attempt(report, "breakdown " + model.key(), () -> {
                    progress("breakdown of the DP step: " + model.key() + " B=" + b + " (this JVM)");
                    report.addBreakdown(model.key(), b, new DPStepBreakdown(model, b,
                            java.time.Duration.ofSeconds(quick ? 2 : 10), java.time.Duration.ofSeconds(quick ? 3 : 20),
                            java.time.Duration.ofSeconds(quick ? 4 : 30)).run());
                });
            }
        }
        if (profile != Profile.NONE) {
            attempt(report, "profile", () -> {
                progress("profiling the DP step (mlp B=256) with JMH's " + profile + " profiler");
                Map<String, String> p = Map.of("model", "mlp", "batch", "256");
                JmhRunner.Outcome o = profile == Profile.STACK
                        ? jmh.run(StepBenchmarks.class, "dpStep", p, stepSettings, StackProfiler.class,
                        "lines=8;top=25;period=5;detailLine=false")
                        : jmh.run(StepBenchmarks.class, "dpStep", p, stepSettings, JavaFlightRecorderProfiler.class,
                        "dir=" + Path.of("benchmarks", "target", "jfr").toAbsolutePath());
                report.setProfile(o.profile());
            });
        }
        report.setLoadAverageEnd(EnvironmentInfo.loadAverage());
        return report;
    }

    /** A part of the run that may fail without losing the others. */
    @FunctionalInterface
    private interface Action {
        void run() throws Exception;
    }

    /** Runs one measurement; a failure is reported (stderr and the report's errors) and the run goes on. */
    private static void attempt(BenchReport report, String what, Action action) {
        try {
            action.run();
        } catch (Exception | LinkageError e) {
            progress("FAILED: " + what + ": " + e);
            e.printStackTrace();
            report.addError(what + ": " + e);
        }
    }

    private void stepTiming(BenchReport report, JmhRunner jmh, BenchModel model, int b, String variant,
                            String method, Map<String, String> p, JmhRunner.Settings s) {
        attempt(report, model.key() + " B=" + b + " " + variant, () -> {
            progress(model.key() + " B=" + b + " " + variant + " ...");
            Timing t = jmh.run(StepBenchmarks.class, method, p, s);
            report.addStep(model.key(), b, variant, t);
            progress(String.format(java.util.Locale.ROOT, "  %s B=%d %s: median %.2f ms (mean %.2f, min %.2f, n=%d)",
                    model.key(), b, variant, t.medianMs(), t.meanMs(), t.minMs(), t.samples()));
        });
    }

    private void pairedTiming(BenchReport report, JmhRunner jmh, BenchModel model, int b, Map<String, String> p,
                              JmhRunner.Settings s) {
        attempt(report, model.key() + " B=" + b + " (a)+(b) paired", () -> {
            progress(model.key() + " B=" + b + " (a) non-private and (b) DP, paired ...");
            JmhRunner.Paired r = jmh.runPaired(p, s);
            report.addStep(model.key(), b, "nonprivate", r.nonPrivate());
            report.addStep(model.key(), b, "dp", r.dp());
            report.setPairedRatio(model.key(), b, r.ratio(), r.ratioMin(), r.ratioMax(), r.pairs());
            if (r.gemmFloor() != null) {
                report.addStep(model.key(), b, "gemm_floor", r.gemmFloor());
                progress(String.format(java.util.Locale.ROOT, "  %s B=%d: GEMM floor %.2f ms, (a) / floor %.2f",
                        model.key(), b, r.gemmFloor().medianMs(), r.nonPrivate().medianMs()
                                / r.gemmFloor().medianMs()));
            }
            progress(String.format(java.util.Locale.ROOT, "  %s B=%d: (a) %.2f ms, (b) %.2f ms, b/a %.3f "
                            + "(per-iteration range %.3f..%.3f, %d pairs)", model.key(), b, r.nonPrivate().medianMs(),
                    r.dp().medianMs(), r.ratio(), r.ratioMin(), r.ratioMax(), r.pairs()));
        });
    }

    private void accountantTiming(BenchReport report, JmhRunner jmh, String key, String method,
                                  JmhRunner.Settings s) {
        attempt(report, "accountant " + key, () -> {
            progress("accountant: " + key + " ...");
            Timing t = jmh.run(AccountantBenchmarks.class, method, Map.of(), s);
            report.addAccountant(key, t);
            progress(String.format(java.util.Locale.ROOT, "  %s: %.4f ms", key, t.medianMs()));
        });
    }

    /** Runs a {@link MemoryProbe} in a fresh JVM with a fixed pre-touched heap and parses its JSON line. */
    private Map<String, Object> runMemoryProbe(BenchModel model, String variant, int batch, int steps)
            throws IOException, InterruptedException {
        // the MiniLM probe gets the heap the issue allows (4 GB) and room for ND4J's off-heap arrays
        List<String> heap = model == BenchModel.MINILM
                ? List.of("-Xmx4g", "-Dorg.bytedeco.javacpp.maxbytes=12g", "-Dorg.bytedeco.javacpp.maxphysicalbytes=16g")
                : List.of("-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch");
        List<String> cmd = new ArrayList<>(List.of(javaBinary()));
        cmd.addAll(heap);
        cmd.addAll(List.of(
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
                MemoryProbe.class.getName(), model.key(), variant, String.valueOf(batch), String.valueOf(steps)));
        return Json.parseObject(lastLineOf(new ProcessBuilder(cmd), "memory probe " + variant + " B=" + batch));
    }

    /** Runs a {@link SetupProbe} case in a fresh JVM and parses its JSON line. */
    private Map<String, Object> runSetupProbe(String caseName) throws IOException, InterruptedException {
        List<String> cmd = List.of(javaBinary(), "-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
                System.getProperty("java.class.path"), SetupProbe.class.getName(), caseName);
        return Json.parseObject(lastLineOf(new ProcessBuilder(cmd), "setup probe " + caseName));
    }

    /** Runs this command again under another OMP_NUM_THREADS and returns its JSON object. */
    private Map<String, Object> runChild(int ompThreads) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(BenchCommand.class.getName());
        cmd.addAll(argsWithout(originalArgs, "--threads", "--out", "--output", "--json"));
        cmd.add("--threads=" + ompThreads);
        cmd.add("--json");
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("OMP_NUM_THREADS", String.valueOf(ompThreads));
        progress("=== child run with OMP_NUM_THREADS=" + ompThreads + " ===");
        return Json.parseObject(lastLineOf(pb, "child run OMP_NUM_THREADS=" + ompThreads));
    }

    /** Drops the named options (and their values) from an argument list. */
    static List<String> argsWithout(String[] args, String... names) {
        List<String> out = new ArrayList<>();
        List<String> drop = List.of(names);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (drop.contains(name)) {
                boolean takesValue = !name.equals("--json") && !a.contains("=");
                if (takesValue && i + 1 < args.length) {
                    i++;
                }
                continue;
            }
            out.add(a);
        }
        return out;
    }

    /** Runs a process (stderr passed through to ours, with stdout echoed to stderr) and returns its last line. */
    private static String lastLineOf(ProcessBuilder pb, String what) throws IOException, InterruptedException {
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        String last = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank()) {
                    last = line;
                    System.err.println("  | " + line);
                }
            }
        }
        int rc = p.waitFor();
        if (rc != 0 || last == null) {
            throw new IllegalStateException(what + " failed (exit code " + rc + ")");
        }
        return last;
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static void progress(String message) {
        System.err.println("[bench] " + message);
    }

    private static String mib(Object bytes) {
        return bytes instanceof Number n ? String.format(java.util.Locale.ROOT, "%.1f", n.doubleValue() / 1048576.0)
                : "?";
    }

    private static <T> T orDefault(T value, T fallback) {
        return value == null || (value instanceof List<?> l && l.isEmpty()) ? fallback : value;
    }
}
