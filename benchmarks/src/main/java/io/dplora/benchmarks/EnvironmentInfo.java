package io.dplora.benchmarks;

import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * What a timing depends on, recorded with every report: date, host CPU (model name from /proc/cpuinfo, logical CPUs),
 * load average, the JVM (version, vendor, options), {@code OMP_NUM_THREADS}, and ND4J's backend, BLAS vendor and
 * thread counts as ND4J itself reports them ({@code getEnvironmentInformation()}).
 */
public final class EnvironmentInfo {

    private EnvironmentInfo() {
    }

    /** @return the environment as an ordered map (ND4J is initialised by this call) */
    public static Map<String, Object> collect() {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        env.put("omp_num_threads", envOr("OMP_NUM_THREADS", "unset"));
        env.put("cpu_model", cpuModel());
        env.put("logical_cpus", Runtime.getRuntime().availableProcessors());
        env.put("load_average", loadAverage());
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        env.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.vendor") + ")");
        env.put("jvm_args", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        env.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        Properties nd4j = Nd4j.getExecutioner().getEnvironmentInformation();
        env.put("nd4j_backend", Nd4j.getBackend().getClass().getSimpleName() + " / " + nd4j.get("backend"));
        env.put("nd4j_blas_vendor", String.valueOf(nd4j.get("blas.vendor")));
        // which native build of ND4J runs: oneDNN's (its matmul op on oneDNN's GEMM) or the default (OpenBLAS only)
        env.put("nd4j_native_build", org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo()
                .contains("HAVE_ONEDNN") ? "onednn" : "default");
        env.put("nd4j_blas_threads", String.valueOf(nd4j.get("blas.threads")));
        env.put("nd4j_omp_threads", String.valueOf(nd4j.get("omp.threads")));
        env.put("nd4j_data_type", Nd4j.dataType().toString());
        env.put("git_commit", gitCommit());
        return env;
    }

    /** @return the 1, 5 and 15 minute load averages from /proc/loadavg, or "unknown" */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** @return the first "model name" of /proc/cpuinfo, or "unknown" */
    static String cpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8);
            for (String l : lines) {
                if (l.startsWith("model name")) {
                    return l.substring(l.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return "unknown";
    }

    private static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null ? fallback : v;
    }

    /** @return the HEAD commit of the checkout named by -Ddplora.home (the launcher sets it), or "unknown" */
    private static String gitCommit() {
        String home = System.getProperty("dplora.home");
        if (home == null) {
            return "unknown";
        }
        try {
            Process p = new ProcessBuilder("git", "-C", home, "rev-parse", "--short", "HEAD")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 ? out : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
