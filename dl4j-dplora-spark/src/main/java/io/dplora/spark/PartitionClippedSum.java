package io.dplora.spark;

import io.dplora.updater.ClippedSumWorker;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.dataset.DataSet;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * The task of one partition in one logical step: walks the partition's (example, global index) pairs, keeps the
 * examples of the step's sample (broadcast by the driver), runs them through this thread's replica in micro-batches
 * of at most {@code maxPhysicalBatchSize}, and returns one {@link PartialSum}. Deterministic in its inputs: a retried
 * task recomputes the same sum, and Spark keeps the result of exactly one successful attempt per partition, so no
 * example is counted twice.
 */
final class PartitionClippedSum implements FlatMapFunction<Iterator<Tuple2<DataSet, Long>>, PartialSum> {

    private static final long serialVersionUID = 1L;

    /** Failures injected by the test hook in this JVM (local mode: the tests read it). */
    static final java.util.concurrent.atomic.AtomicInteger INJECTED_FAILURES =
            new java.util.concurrent.atomic.AtomicInteger();

    private final Broadcast<byte[]> model;
    private final boolean graph;
    private final String configJson;
    private final int maxPhysicalBatchSize;
    private final Broadcast<StepPayload> step;
    private final int failFirstAttemptOfPartition;

    PartitionClippedSum(Broadcast<byte[]> model, boolean graph, String configJson, int maxPhysicalBatchSize,
                        Broadcast<StepPayload> step, int failFirstAttemptOfPartition) {
        this.model = model;
        this.graph = graph;
        this.configJson = configJson;
        this.maxPhysicalBatchSize = maxPhysicalBatchSize;
        this.step = step;
        this.failFirstAttemptOfPartition = failFirstAttemptOfPartition;
    }

    @Override
    public Iterator<PartialSum> call(Iterator<Tuple2<DataSet, Long>> examples) {
        StepPayload p = step.value();
        ClippedSumWorker worker = ReplicaCache.worker(p.runKey(), model.value(), graph, configJson);
        worker.reset();
        worker.setTrainableParameters(p.parameters());
        long before = worker.droppedExamples();
        List<DataSet> pending = new ArrayList<>();
        long held = 0;
        long sampled = 0;
        while (examples.hasNext()) {
            Tuple2<DataSet, Long> e = examples.next();
            long index = e._2();
            held++;
            if (index < 0 || index >= p.datasetSize()) {
                throw new IllegalStateException("example index " + index + " lies outside [0, N = "
                        + p.datasetSize() + "): the data is not the data the run was planned for");
            }
            if (Arrays.binarySearch(p.indices(), (int) Math.min(Integer.MAX_VALUE, index)) < 0) {
                continue;
            }
            sampled++;
            pending.add(e._1());
            if (pending.size() == maxPhysicalBatchSize) {
                worker.add(DataSet.merge(pending), p.step());
                pending.clear();
            }
        }
        if (!pending.isEmpty()) {
            worker.add(DataSet.merge(pending), p.step());
        }
        TaskContext tc = TaskContext.get();
        if (tc != null && tc.partitionId() == failFirstAttemptOfPartition && tc.attemptNumber() == 0) {
            INJECTED_FAILURES.incrementAndGet();
            throw new IllegalStateException("injected failure of the first attempt of partition "
                    + failFirstAttemptOfPartition + " in logical step " + p.step() + " (test)");
        }
        return List.of(new PartialSum(worker.sum(), sampled, held, worker.droppedExamples() - before)).iterator();
    }
}
