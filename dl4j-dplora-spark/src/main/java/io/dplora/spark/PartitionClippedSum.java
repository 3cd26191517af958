package io.dplora.spark;

import io.dplora.updater.ClippedSumWorker;
import io.dplora.updater.KeyedPoissonSampler;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * The task of one partition in one logical step: walks the partition's (example, global index) pairs, keeps the
 * examples of the step's sample (decided here with the run's {@link KeyedPoissonSampler}, or listed by the driver),
 * runs them through this thread's replica in micro-batches
 * of at most {@code maxPhysicalBatchSize}, and returns one {@link PartialSum}. Deterministic in its inputs: a retried
 * task recomputes the same sum, and Spark keeps the result of exactly one successful attempt per partition, so no
 * example is counted twice.
 */
final class PartitionClippedSum<T> implements FlatMapFunction<Iterator<Tuple2<T, Long>>, PartialSum> {

    private static final long serialVersionUID = 1L;
    /** Examples whose membership is decided per AES call. */
    private static final int DECISION_CHUNK = 4096;

    /** Failures injected by the test hook in this JVM (local mode: the tests read it). */
    static final java.util.concurrent.atomic.AtomicInteger INJECTED_FAILURES =
            new java.util.concurrent.atomic.AtomicInteger();

    private final ExampleFormat<T> format;
    private final Broadcast<byte[]> model;
    private final Broadcast<KeyedPoissonSampler> sampler;
    private final boolean graph;
    private final String configJson;
    private final int maxPhysicalBatchSize;
    private final Broadcast<StepPayload> step;
    private final int failFirstAttemptOfPartition;

    PartitionClippedSum(ExampleFormat<T> format, Broadcast<byte[]> model, Broadcast<KeyedPoissonSampler> sampler,
                        boolean graph, String configJson, int maxPhysicalBatchSize, Broadcast<StepPayload> step,
                        int failFirstAttemptOfPartition) {
        this.format = format;
        this.model = model;
        this.sampler = sampler;
        this.graph = graph;
        this.configJson = configJson;
        this.maxPhysicalBatchSize = maxPhysicalBatchSize;
        this.step = step;
        this.failFirstAttemptOfPartition = failFirstAttemptOfPartition;
    }

    @Override
    public Iterator<PartialSum> call(Iterator<Tuple2<T, Long>> examples) {
        long start = System.nanoTime();
        StepPayload p = step.value();
        KeyedPoissonSampler keyed = p.indices() == null ? sampler.value() : null;
        ClippedSumWorker worker = ReplicaCache.worker(p.runKey(), model.value(), graph, configJson);
        worker.reset();
        worker.setTrainableParameters(p.parameters());
        long before = worker.droppedExamples();
        Sampled sampled = new Sampled(worker, p.step());
        List<T> chunk = new ArrayList<>(DECISION_CHUNK);
        long[] chunkIndices = new long[DECISION_CHUNK];
        long held = 0;
        while (examples.hasNext()) {
            Tuple2<T, Long> e = examples.next();
            long index = e._2();
            held++;
            if (index < 0 || index >= p.datasetSize()) {
                throw new IllegalStateException("example index " + index + " lies outside [0, N = "
                        + p.datasetSize() + "): the data is not the data the run was planned for");
            }
            chunkIndices[chunk.size()] = index;
            chunk.add(e._1());
            if (chunk.size() == DECISION_CHUNK) {
                sampled.addChosen(chunk, chunkIndices, keyed, p);
                chunk.clear();
            }
        }
        sampled.addChosen(chunk, chunkIndices, keyed, p);
        sampled.flush();
        TaskContext tc = TaskContext.get();
        if (tc != null && tc.partitionId() == failFirstAttemptOfPartition && tc.attemptNumber() == 0) {
            INJECTED_FAILURES.incrementAndGet();
            throw new IllegalStateException("injected failure of the first attempt of partition "
                    + failFirstAttemptOfPartition + " in logical step " + p.step() + " (test)");
        }
        return List.of(new PartialSum(worker.sum(), sampled.count, held, worker.droppedExamples() - before,
                worker.lossSum(), System.nanoTime() - start)).iterator();
    }

    /** The partition's sampled examples, grouped into micro-batches of at most maxPhysicalBatchSize. */
    private final class Sampled {
        private final ClippedSumWorker worker;
        private final long step;
        private final List<T> pending = new ArrayList<>();
        private long count;

        Sampled(ClippedSumWorker worker, long step) {
            this.worker = worker;
            this.step = step;
        }

        /** Adds the examples of {@code chunk} that are in the step's sample. */
        void addChosen(List<T> chunk, long[] indices, KeyedPoissonSampler keyed, StepPayload p) {
            if (chunk.isEmpty()) {
                return;
            }
            boolean[] in = keyed != null ? keyed.includes(step, Arrays.copyOf(indices, chunk.size())) : null;
            for (int j = 0; j < chunk.size(); j++) {
                boolean chosen = in != null ? in[j] : Arrays.binarySearch(p.indices(), (int) indices[j]) >= 0;
                if (chosen) {
                    count++;
                    pending.add(chunk.get(j));
                    if (pending.size() == maxPhysicalBatchSize) {
                        flush();
                    }
                }
            }
        }

        /** Runs the pending micro-batch through the replica. */
        void flush() {
            if (!pending.isEmpty()) {
                format.addTo(worker, format.merge(pending), step);
                pending.clear();
            }
        }
    }
}
