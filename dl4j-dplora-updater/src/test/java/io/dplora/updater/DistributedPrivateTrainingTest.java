package io.dplora.updater;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import static io.dplora.updater.TestSupport.flat;
import static io.dplora.updater.TestSupport.maxAbs;
import static io.dplora.updater.TestSupport.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The driver/worker split of a distributed run, without an engine: workers over disjoint shards of the data on their
 * own replicas, the driver drawing, releasing and accounting. Compared with the single-machine run of the same seed
 * (DOUBLE networks): the same sampled examples in every step, the same ledger and epsilon, and the same parameters up
 * to the order of the double-precision summation of the per-example clipped gradients (tolerance 1e-12 relative).
 */
class DistributedPrivateTrainingTest {

    private static final int N = 40;

    private static DPConfig config(int e, long steps) {
        return DPConfig.builder().noiseMultiplier(1.1).delta(1e-5).maxGradNorm(0.5).expectedBatchSize(e).steps(steps)
                .maxPhysicalBatchSize(3).seed(77).build();
    }

    private static DPConfig keyed(DPConfig c) {
        return c.toBuilder().sampling(SamplingScheme.KEYED).build();
    }

    /** Runs a distributed training over {@code shards} shards and returns the drawn batches. */
    static List<LogicalBatch> runDistributed(DistributedPrivateTraining driver, List<? extends Model> replicas,
                                             DataSet data, DPConfig config, int shards) {
        List<ClippedSumWorker> workers = new ArrayList<>();
        for (Model r : replicas) {
            workers.add(ClippedSumWorker.of(r, config));
        }
        List<LogicalBatch> batches = new ArrayList<>();
        LogicalBatch b;
        while ((b = driver.nextLogicalBatch()) != null) {
            batches.add(b);
            if (b.sampledByWorkers()) {
                // keyed sampling: the workers decide; the test records what they will decide
                b = new LogicalBatch(b.step(), b.epoch(), driver.keyedSampler().sample(b.step(), 0, N));
                batches.set(batches.size() - 1, b);
            }
            double[] params = driver.trainableParameters();
            double[] total = new double[driver.trainableParameterCount()];
            for (int w = 0; w < shards; w++) {
                ClippedSumWorker worker = workers.get(w);
                worker.reset();
                worker.setTrainableParameters(params);
                int from = w * N / shards;
                int to = (w + 1) * N / shards;
                List<Integer> mine = new ArrayList<>();
                for (int i = from; i < to; i++) {
                    if (b.contains(i)) {
                        mine.add(i);
                    }
                }
                for (int k = 0; k < mine.size(); k += 3) {
                    int[] ids = mine.subList(k, Math.min(mine.size(), k + 3)).stream().mapToInt(Integer::intValue)
                            .toArray();
                    worker.add(new InMemoryDataSource(data).get(ids), b.step());
                }
                double[] s = worker.sum();
                for (int j = 0; j < total.length; j++) {
                    total[j] += s[j];
                }
            }
            int examples = 0;
            for (int i = 0; i < N; i++) {
                examples += b.contains(i) ? 1 : 0;
            }
            driver.release(driver.pending(), total, examples);
        }
        return batches;
    }

    private static void assertSameRun(Model single, PrivateTraining t, TestSupport.RecordingSource source,
                                      Model distributedNet, DistributedPrivateTraining d, List<LogicalBatch> batches) {
        List<Integer> singleDrawn = source.drawnSince(1); // call 0 is the iterator's template fetch
        List<Integer> distributedDrawn = new ArrayList<>();
        for (LogicalBatch b : batches) {
            for (int i : b.indices()) {
                distributedDrawn.add(i);
            }
        }
        assertEquals(singleDrawn, distributedDrawn, "the same examples must be sampled, step by step");
        assertEquals(t.stepsTaken(), d.training().stepsTaken());
        assertEquals(t.ledger().entries().size(), d.training().ledger().entries().size());
        for (int k = 0; k < t.ledger().entries().size(); k++) {
            assertEquals(t.ledger().entries().get(k).count(), d.training().ledger().entries().get(k).count());
            assertEquals(t.ledger().entries().get(k).noiseMultiplier(),
                    d.training().ledger().entries().get(k).noiseMultiplier());
            assertEquals(t.ledger().entries().get(k).samplingProbability(),
                    d.training().ledger().entries().get(k).samplingProbability());
        }
        assertEquals(t.epsilon(), d.epsilon(), 0.0);
        double[] a = flat(single.params());
        double[] b = flat(distributedNet.params());
        double diff = maxAbsDiff(a, b);
        assertTrue(diff <= 1e-12 * Math.max(1.0, maxAbs(a)), "max |param diff| " + diff);
    }

    private static <M extends Model> void checkEquivalence(Supplier<M> net, int shards, DPConfig config) {
        DataSet data = TestSupport.data(3, N);
        M single = net.get();
        M distributedNet = net.get();
        List<M> replicas = new ArrayList<>();
        for (int w = 0; w < shards; w++) {
            replicas.add(net.get());
        }
        assertArrayEquals(flat(single.params()), flat(distributedNet.params()), "test setup: identical starts");
        TestSupport.RecordingSource source = new TestSupport.RecordingSource(data);
        PrivateTraining t = single instanceof ComputationGraph g ? DPLoRA.makePrivate(g, source, config)
                : DPLoRA.makePrivate((MultiLayerNetwork) single, source, config);
        t.fit();
        DistributedPrivateTraining d = DistributedPrivateTraining.create(distributedNet, N, config, null);
        List<LogicalBatch> batches = runDistributed(d, replicas, data, config, shards);
        assertEquals(12, batches.size());
        assertSameRun(single, t, source, distributedNet, d, batches);
    }

    @Test
    void computationGraphOverThreeShardsEqualsTheSingleMachineRun() {
        checkEquivalence(() -> TestSupport.loraGraph(5, new Adam(0.05)), 3, config(8, 12));
    }

    @Test
    void keyedSamplingByTheWorkersEqualsTheKeyedSingleMachineRun() {
        checkEquivalence(() -> TestSupport.loraGraph(12, new Adam(0.05)), 3, keyed(config(8, 12)));
    }

    @Test
    void multiLayerNetworkOverFourShardsEqualsTheSingleMachineRun() {
        checkEquivalence(() -> TestSupport.loraMln(6, new Adam(0.05)), 4, config(8, 12));
    }

    @Test
    void emptyBatchesAreReleasedAndAccountedAndThePlanEnds() {
        DataSet data = TestSupport.data(4, N);
        DPConfig config = config(1, 20); // q = 1/40: about a third of the batches are empty
        ComputationGraph net = TestSupport.loraGraph(8, new Adam(0.05));
        ComputationGraph replica = net.clone();
        DistributedPrivateTraining d = DistributedPrivateTraining.create(net, N, config, null);
        double[] before = flat(net.params());
        List<LogicalBatch> batches = runDistributed(d, List.of(replica), data, config, 1);
        assertEquals(20, batches.size());
        assertTrue(batches.stream().anyMatch(b -> b.size() == 0), "expected an empty logical batch");
        assertEquals(20, d.training().ledger().totalSteps());
        assertNull(d.nextLogicalBatch(), "the plan is complete");
        assertTrue(maxAbsDiff(before, flat(net.params())) > 0, "noisy steps move the trainable parameters");
    }

    @Test
    void malformedReleasesChangeNothing() {
        DPConfig config = config(8, 5);
        ComputationGraph net = TestSupport.loraGraph(9, new Adam(0.05));
        DistributedPrivateTraining d = DistributedPrivateTraining.create(net, N, config, null);
        LogicalBatch b = d.nextLogicalBatch();
        assertThrows(IllegalStateException.class, d::nextLogicalBatch, "a drawn batch must be released first");
        double[] before = flat(net.params());
        int len = d.trainableParameterCount();
        assertThrows(IllegalArgumentException.class, () -> d.release(b, new double[len + 1]));
        double[] nan = new double[len];
        nan[len / 2] = Double.NaN;
        assertThrows(IllegalArgumentException.class, () -> d.release(b, nan));
        LogicalBatch other = new LogicalBatch(b.step(), b.epoch(), b.indices().clone());
        assertThrows(IllegalArgumentException.class, () -> d.release(other, new double[len]));
        double[] unclipped = new double[len];
        unclipped[0] = 0.5 * (b.size() + 1); // C = 0.5: more than b.size() clipped examples can sum to
        assertThrows(IllegalArgumentException.class, () -> d.release(b, unclipped));
        assertThrows(IllegalArgumentException.class, () -> d.release(b, new double[len], b.size() + 1),
                "a count other than the driver's draw");
        assertEquals(0, d.training().stepsTaken());
        assertArrayEquals(before, flat(net.params()));
        d.release(b, new double[len]);
        assertEquals(1, d.training().stepsTaken());
        assertTrue(Arrays.stream(flat(net.params())).anyMatch(Double::isFinite));
    }

    @Test
    void aReplicaOfAPrivateNetworkComputesGradientsOnlyInsideTheWorker(@org.junit.jupiter.api.io.TempDir
                                                                         java.nio.file.Path dir) throws Exception {
        DataSet data = TestSupport.data(5, N);
        DPConfig config = config(8, 2);
        ComputationGraph net = TestSupport.loraGraph(11, new Adam(0.05));
        PrivateTraining t = DPLoRA.makePrivate(net, data, config);
        t.fit();
        java.io.File f = dir.resolve("ckpt.zip").toFile();
        t.save(f);
        ComputationGraph replica = DPCheckpoint.restoreComputationGraph(f).network();
        ClippedSumWorker w = ClippedSumWorker.of(replica, config);
        w.add(new InMemoryDataSource(data).get(new int[] {0, 1, 2}), 0);
        assertEquals(3, w.examples());
        assertTrue(maxAbs(w.sum()) > 0);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> replica.fit(data));
        assertTrue(e.getMessage().contains("ClippedSumWorker"), e.getMessage());
    }

    @Test
    void workerRefusesAParameterVectorOfAnotherNetwork() {
        ComputationGraph net = TestSupport.loraGraph(10, new Adam(0.05));
        ClippedSumWorker w = ClippedSumWorker.of(net, config(8, 5));
        assertThrows(IllegalArgumentException.class, () -> w.setTrainableParameters(new double[w.length() - 1]));
    }

    @Test
    void aMultiDataSetMicroBatchAddsTheSameClippedSumAsItsDataSetAndNeedsAGraph() {
        DataSet data = TestSupport.data(12, 6);
        ClippedSumWorker viaDataSet = ClippedSumWorker.of(TestSupport.loraGraph(13, new Adam(0.05)), config(8, 5));
        viaDataSet.add(data, 0);
        ClippedSumWorker viaMulti = ClippedSumWorker.of(TestSupport.loraGraph(13, new Adam(0.05)), config(8, 5));
        viaMulti.add(new org.nd4j.linalg.dataset.MultiDataSet(data.getFeatures(), data.getLabels()), 0);
        assertTrue(maxAbs(viaDataSet.sum()) > 0);
        assertEquals(0.0, maxAbsDiff(viaDataSet.sum(), viaMulti.sum()), "the same examples, the same clipped sum");
        assertEquals(6, viaMulti.examples());
        ClippedSumWorker list = ClippedSumWorker.of(TestSupport.loraMln(13, new Adam(0.05)), config(8, 5));
        assertThrows(IllegalArgumentException.class, () -> list.add(
                new org.nd4j.linalg.dataset.MultiDataSet(data.getFeatures(), data.getLabels()), 0));
        assertEquals(0, list.examples());
    }
}
