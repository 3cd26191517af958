package io.dplora.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * Samples the process's memory every millisecond on a daemon thread and keeps the peaks:
 * <ul>
 *   <li>heap used (JVM heap occupied by live and not yet collected objects);</li>
 *   <li>native memory = resident set size - committed JVM heap - committed JVM non-heap (metaspace, code cache).
 *       ND4J 1.0.0-M2.1 allocates its array buffers with native malloc outside any Java-side counter (only
 *       workspaces are tracked), so the resident set is the one place they show up. Run the JVM with a fixed,
 *       pre-touched heap ({@code -Xms = -Xmx, -XX:+AlwaysPreTouch}) so that the committed heap is resident and
 *       constant, and this difference is the native memory (ND4J buffers and workspaces, BLAS, native libraries);</li>
 *   <li>total = heap used + native, the process's memory in use for data.</li>
 * </ul>
 * Linux only (/proc/self/statm); elsewhere the native figures are 0.
 */
final class MemorySampler implements Runnable {

    private static final long PAGE = 4096;
    private static final Path STATM = Path.of("/proc/self/statm");

    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private volatile boolean running;
    private Thread thread;

    private long peakHeapUsed;
    private long peakNative;
    private long peakTotal;
    private long peakRss;
    private long samples;

    /** Starts sampling. */
    synchronized MemorySampler start() {
        running = true;
        thread = new Thread(this, "memory-sampler");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Stops sampling and waits for the sampler thread. */
    void stop() throws InterruptedException {
        running = false;
        thread.join();
    }

    @Override
    public void run() {
        while (running) {
            sample();
            LockSupport.parkNanos(1_000_000L);
        }
        sample();
    }

    private synchronized void sample() {
        MemoryUsage heap = memory.getHeapMemoryUsage();
        long rss = residentSetSize();
        long nat = nativeBytes(rss, heap, memory.getNonHeapMemoryUsage());
        peakHeapUsed = Math.max(peakHeapUsed, heap.getUsed());
        peakNative = Math.max(peakNative, nat);
        peakTotal = Math.max(peakTotal, heap.getUsed() + nat);
        peakRss = Math.max(peakRss, rss);
        samples++;
    }

    synchronized long peakHeapUsed() {
        return peakHeapUsed;
    }

    synchronized long peakNative() {
        return peakNative;
    }

    synchronized long peakTotal() {
        return peakTotal;
    }

    synchronized long peakRss() {
        return peakRss;
    }

    synchronized long samples() {
        return samples;
    }

    private static long nativeBytes(long rss, MemoryUsage heap, MemoryUsage nonHeap) {
        return rss > 0 ? Math.max(0, rss - heap.getCommitted() - nonHeap.getCommitted()) : 0;
    }

    /** @return the current total (heap used + native, as defined in the class comment) in bytes */
    static long currentTotal() {
        MemoryMXBean m = ManagementFactory.getMemoryMXBean();
        MemoryUsage heap = m.getHeapMemoryUsage();
        return heap.getUsed() + nativeBytes(residentSetSize(), heap, m.getNonHeapMemoryUsage());
    }

    /** @return the current resident set size in bytes, or 0 where /proc is not available */
    static long residentSetSize() {
        try {
            String[] f = Files.readString(STATM, StandardCharsets.US_ASCII).trim().split("\\s+");
            return Long.parseLong(f[1]) * PAGE;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** @return the process's peak resident set size (VmHWM) in bytes, or 0 where /proc is not available */
    static long residentSetHighWaterMark() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (l.startsWith("VmHWM:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024L;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return 0;
    }
}
