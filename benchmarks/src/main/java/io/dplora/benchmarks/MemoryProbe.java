package io.dplora.benchmarks;

import org.nd4j.linalg.api.memory.AllocationsTracker;
import org.nd4j.linalg.api.memory.enums.AllocationKind;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Memory of one training variant, measured in a fresh JVM of its own (started by {@link BenchCommand}, so that peaks of
 * different variants never mix): builds the network and data, records the baseline, runs {@code steps} logical
 * steps while a {@link MemorySampler} tracks the peaks, and prints one JSON object as the last line of stdout.
 *
 * <p>Usage: {@code MemoryProbe <mlp|sequence> <nonprivate|dp> <batch> <steps>}; run with a fixed pre-touched heap
 * ({@code -Xms1g -Xmx1g -XX:+AlwaysPreTouch}).
 */
public final class MemoryProbe {

    private MemoryProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: MemoryProbe <mlp|sequence> <nonprivate|dp> <batch> <steps>");
            System.exit(2);
        }
        BenchModel model = BenchModel.of(args[0]);
        String variant = args[1];
        int batch = Integer.parseInt(args[2]);
        int steps = Integer.parseInt(args[3]);
        TrainingStep step = switch (variant) {
            case "nonprivate" -> new NonPrivateStep(model, batch);
            case "dp" -> new DPLoRAStep(model, batch);
            default -> throw new IllegalArgumentException("variant must be nonprivate or dp, got " + variant);
        };
        System.gc();
        long rssBefore = MemorySampler.residentSetSize();
        long totalBefore = MemorySampler.currentTotal();
        long heapBefore = usedHeap();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        MemorySampler sampler = new MemorySampler().start();
        long allocatedBefore = threads.getThreadAllocatedBytes(tid);
        long workspacePeak = 0;
        for (int i = 0; i < steps; i++) {
            step.step();
            workspacePeak = Math.max(workspacePeak, workspaceBytes());
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - allocatedBefore;
        sampler.stop();
        if (step instanceof DPLoRAStep dp) {
            dp.verify(steps);
        }
        System.gc();
        Thread.sleep(500); // let ND4J's deallocator thread free the native buffers of collected arrays
        System.gc();
        Thread.sleep(500);
        long totalAfterGc = MemorySampler.currentTotal();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", model.key());
        out.put("variant", variant);
        out.put("batch", batch);
        out.put("steps", steps);
        out.put("peak_total_bytes", sampler.peakTotal());
        out.put("total_after_gc_bytes", totalAfterGc);
        out.put("peak_heap_used_bytes", sampler.peakHeapUsed());
        out.put("peak_native_bytes", sampler.peakNative());
        out.put("peak_rss_bytes", MemorySampler.residentSetHighWaterMark());
        out.put("peak_rss_sampled_bytes", sampler.peakRss());
        out.put("total_before_steps_bytes", totalBefore);
        out.put("rss_before_steps_bytes", rssBefore);
        out.put("heap_used_before_steps_bytes", heapBefore);
        out.put("heap_live_after_steps_bytes", usedHeap());
        out.put("heap_allocated_per_step_bytes", allocated / Math.max(1, steps));
        out.put("nd4j_workspace_bytes", workspacePeak);
        out.put("samples", sampler.samples());
        System.out.println(Json.write(out));
    }

    private static long usedHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Bytes of all ND4J workspaces (the part of ND4J's native memory it tracks itself). */
    private static long workspaceBytes() {
        return AllocationsTracker.getInstance().bytesOnDevice(AllocationKind.WORKSPACE, 0);
    }
}
