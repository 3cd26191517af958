package io.dplora.spark;

import io.dplora.layers.DPOutputLayer;
import io.dplora.layers.LoRADenseLayer;
import io.dplora.updater.ClippedSumWorker;
import io.dplora.updater.DPCheckpoint;
import io.dplora.updater.DPConfig;
import io.dplora.updater.DPLoRA;
import io.dplora.updater.InMemoryDataSource;
import io.dplora.updater.IndexedDataSource;
import io.dplora.updater.LogicalBatch;
import io.dplora.updater.PrivateTraining;
import io.dplora.updater.SamplingScheme;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spark local mode (2 threads, up to 4 attempts per task) over 4 partitions against the single-machine run of the
 * same seed (both with keyed sampling), with DOUBLE networks: the same sampled examples in every step, the same ledger and epsilon, parameters
 * equal up to the order of the double-precision summation of clipped per-example gradients (1e-12 relative); a task
 * that fails on its first attempt is retried and counted once; a restarted driver continues epsilon; noise-free
 * partition sums; refusals.
 */
class SparkPrivateTrainingTest {

    private static final int N = 48;
    private static final int PARTITIONS = 4;
    private static JavaSparkContext sc;

    @BeforeAll
    static void startSpark() {
        SparkConf conf = new SparkConf().setMaster("local[2,4]").setAppName("dplora-spark-test")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
        sc = new JavaSparkContext(conf);
    }

    @AfterAll
    static void stopSpark() {
        if (sc != null) {
            sc.stop();
        }
    }

    static ComputationGraph net(long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.DOUBLE)
                .updater(new Adam(0.05)).weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in")
                .addLayer("l1", new LoRADenseLayer.Builder().nIn(4).nOut(6).rank(2).alpha(4)
                        .activation(Activation.TANH).build(), "in")
                .addLayer("out", new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "l1")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return withRandomB(g, "l1", seed);
    }

    /** A non-zero B, so that A has a gradient too. */
    static ComputationGraph withRandomB(ComputationGraph g, String loraLayer, long seed) {
        INDArray b = g.getLayer(loraLayer).getParam("loraB");
        SplittableRandom r = new SplittableRandom(seed + 17);
        for (long j = 0; j < b.length(); j++) {
            b.putScalar(j, 0.5 * r.nextGaussian());
        }
        return g;
    }

    static DataSet data(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        INDArray f = Nd4j.zeros(DataType.DOUBLE, N, 4);
        INDArray l = Nd4j.zeros(DataType.DOUBLE, N, 3);
        for (int i = 0; i < N; i++) {
            double scale = 0.2 + 3.0 * (i % 5) / 4.0;
            for (int j = 0; j < 4; j++) {
                f.putScalar(i, j, scale * r.nextGaussian());
            }
            l.putScalar(i, r.nextInt(3), 1.0);
        }
        return new DataSet(f, l);
    }

    static JavaRDD<DataSet> rdd(DataSet data) {
        return sc.parallelize(data.asList(), PARTITIONS);
    }

    static DPConfig config(long steps) {
        return DPConfig.builder().noiseMultiplier(1.1).delta(1e-5).maxGradNorm(0.5).expectedBatchSize(8)
                .steps(steps).maxPhysicalBatchSize(3).seed(2024).sampling(SamplingScheme.KEYED).build();
    }

    static double[] flat(ComputationGraph g) {
        return g.params().castTo(DataType.DOUBLE).toDoubleVector();
    }

    static double maxRelDiff(double[] a, double[] b) {
        double scale = 1e-300;
        double diff = 0;
        for (int j = 0; j < a.length; j++) {
            scale = Math.max(scale, Math.abs(a[j]));
            diff = Math.max(diff, Math.abs(a[j] - b[j]));
        }
        return diff / Math.max(1.0, scale);
    }

    /** Records the examples of each micro-batch the single-machine sampler fetched. */
    static final class RecordingSource implements IndexedDataSource {
        final InMemoryDataSource inner;
        final List<Integer> drawn = new ArrayList<>();
        boolean templateSkipped;

        RecordingSource(DataSet data) {
            this.inner = new InMemoryDataSource(data);
        }

        @Override
        public int size() {
            return inner.size();
        }

        @Override
        public DataSet get(int[] indices) {
            if (!templateSkipped) {
                templateSkipped = true; // the iterator's template fetch at construction
            } else {
                for (int i : indices) {
                    drawn.add(i);
                }
            }
            return inner.get(indices);
        }
    }

    /** Runs to the end; returns the examples of each step's sample (the partitions' count checked against it). */
    static List<Integer> runSpark(SparkPrivateTraining s) {
        List<Integer> drawn = new ArrayList<>();
        while (s.step()) {
            assertTrue(s.lastBatch().sampledByWorkers());
            int[] sample = s.sampler().sample(s.lastBatch().step(), 0, N);
            assertEquals(sample.length, s.lastStepStats().sampled(), "examples the partitions sampled");
            for (int i : sample) {
                drawn.add(i);
            }
        }
        return drawn;
    }

    @Test
    void sparkRunEqualsTheSingleMachineRunAndSurvivesAFailedTask() {
        DataSet data = data(1);
        DPConfig config = config(10);
        ComputationGraph single = net(3);
        RecordingSource source = new RecordingSource(data);
        PrivateTraining t = DPLoRA.makePrivate(single, source, config);
        t.fit();

        ComputationGraph distributed = net(3);
        List<Integer> drawn;
        try (SparkPrivateTraining s = SparkPrivateTraining.create(sc, distributed, rdd(data), config)) {
            assertEquals(PARTITIONS, s.partitions());
            drawn = runSpark(s);
            assertEquals(source.drawn, drawn, "the same examples must be sampled, step by step");
            assertEquals(10, s.ledger().totalSteps());
            assertEquals(t.epsilon(), s.epsilon(), 0.0);
            assertEquals(t.ledger().entries().get(0).noiseMultiplier(), s.ledger().entries().get(0).noiseMultiplier());
            assertEquals(t.ledger().entries().get(0).samplingProbability(),
                    s.ledger().entries().get(0).samplingProbability());
            double d = maxRelDiff(flat(single), flat(distributed));
            assertTrue(d <= 1e-12, "max relative parameter difference " + d);
            SparkPrivateTraining.StepStats st = s.lastStepStats();
            assertTrue(st.broadcastBytes() < 64L * 1024, "per-step broadcast is O(E + trainable parameters)");
        }

        ComputationGraph retried = net(3);
        try (SparkPrivateTraining s = SparkPrivateTraining.create(sc, retried, rdd(data), config)) {
            s.failFirstAttemptOfPartition(1);
            int before = PartitionClippedSum.INJECTED_FAILURES.get();
            assertEquals(drawn, runSpark(s));
            assertEquals(10, PartitionClippedSum.INJECTED_FAILURES.get() - before,
                    "the first attempt of partition 1 failed in every step");
            double d = maxRelDiff(flat(single), flat(retried));
            assertTrue(d <= 1e-12, "with a retried task in every step: max relative parameter difference " + d);
            assertEquals(10, s.ledger().totalSteps());
        }
    }

    /** Two inputs (3 and 2 features) merged into a LoRA layer, two DP heads (3 and 2 classes). */
    static ComputationGraph twoInTwoOut(long seed) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(seed)
                .dataType(DataType.DOUBLE).updater(new Adam(0.05)).weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("a", "b")
                .addVertex("merge", new org.deeplearning4j.nn.conf.graph.MergeVertex(), "a", "b")
                .addLayer("lora", new LoRADenseLayer.Builder().nIn(5).nOut(4).rank(2).alpha(2)
                        .activation(Activation.TANH).build(), "merge")
                .addLayer("out1", new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "lora")
                .addLayer("out2", new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "lora")
                .setOutputs("out1", "out2").build());
        g.init();
        return withRandomB(g, "lora", seed);
    }

    static org.nd4j.linalg.dataset.api.MultiDataSet multiData(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        INDArray a = Nd4j.zeros(DataType.DOUBLE, N, 3);
        INDArray b = Nd4j.zeros(DataType.DOUBLE, N, 2);
        INDArray y1 = Nd4j.zeros(DataType.DOUBLE, N, 3);
        INDArray y2 = Nd4j.zeros(DataType.DOUBLE, N, 2);
        for (int i = 0; i < N; i++) {
            double scale = 0.2 + 3.0 * (i % 5) / 4.0;
            for (int j = 0; j < 3; j++) {
                a.putScalar(i, j, scale * r.nextGaussian());
            }
            for (int j = 0; j < 2; j++) {
                b.putScalar(i, j, scale * r.nextGaussian());
            }
            y1.putScalar(i, r.nextInt(3), 1.0);
            y2.putScalar(i, r.nextInt(2), 1.0);
        }
        return new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[] {a, b}, new INDArray[] {y1, y2});
    }

    @Test
    void aMultiDataSetRunEqualsTheSingleMachineMultiDataSetRun() {
        org.nd4j.linalg.dataset.api.MultiDataSet data = multiData(5);
        DPConfig config = config(8);
        ComputationGraph single = twoInTwoOut(6);
        PrivateTraining t = DPLoRA.makePrivate(single, data, config);
        t.fit();
        ComputationGraph distributed = twoInTwoOut(6);
        double[] start = flat(distributed);
        try (SparkPrivateTraining s = SparkPrivateTraining.createForMultiDataSets(sc, distributed,
                sc.parallelize(data.asList(), PARTITIONS), config)) {
            runSpark(s);
            assertEquals(8, s.ledger().totalSteps());
            assertEquals(t.epsilon(), s.epsilon(), 0.0);
        }
        assertTrue(maxRelDiff(start, flat(distributed)) > 1e-3, "the run trained");
        double d = maxRelDiff(flat(single), flat(distributed));
        assertTrue(d <= 1e-12, "same samples, clipping and noise over both inputs and heads: max relative "
                + "parameter difference " + d);
    }

    @Test
    void partitionSumsAreTheNoiseFreeClippedSumOfTheSample() {
        DataSet data = data(2);
        DPConfig config = config(3);
        ComputationGraph local = net(4);
        ClippedSumWorker worker = ClippedSumWorker.of(local.clone(), config);
        try (SparkPrivateTraining s = SparkPrivateTraining.create(sc, net(4), rdd(data), config)) {
            LogicalBatch b = s.driver().nextLogicalBatch();
            int[] sample = s.sampler().sample(b.step(), 0, N);
            assertTrue(sample.length > 0);
            PartialSum spark = s.clippedSum(b);
            worker.reset();
            worker.setTrainableParameters(s.driver().trainableParameters());
            worker.add(new InMemoryDataSource(data).get(sample), b.step());
            assertEquals(sample.length, spark.sampled());
            assertEquals(N, spark.held());
            double d = maxRelDiff(worker.sum(), spark.sum());
            assertTrue(d <= 1e-12, "partition sums must add up to the noise-free clipped sum, diff " + d);
            assertEquals(0, s.ledger().totalSteps(), "computing sums releases nothing");
        }
    }

    @Test
    void aRestartedDriverContinuesEpsilonFromItsCheckpoint(@TempDir Path dir) throws Exception {
        DataSet data = data(3);
        DPConfig config = config(8);
        double uninterrupted;
        try (SparkPrivateTraining s = SparkPrivateTraining.create(sc, net(5), rdd(data), config)) {
            s.fit();
            uninterrupted = s.epsilon();
        }
        File ckpt = dir.resolve("run.zip").toFile();
        try (SparkPrivateTraining s = SparkPrivateTraining.create(sc, net(5), rdd(data), config)) {
            for (int k = 0; k < 3; k++) {
                assertTrue(s.step());
            }
            s.save(ckpt);
        }
        DPCheckpoint.Restored<ComputationGraph> restored = DPCheckpoint.restoreComputationGraph(ckpt);
        assertEquals(3, restored.ledger().totalSteps());
        try (SparkPrivateTraining s = SparkPrivateTraining.resume(sc, restored, rdd(data), config)) {
            assertEquals(5, s.fit());
            assertEquals(8, s.ledger().totalSteps());
            assertEquals(uninterrupted, s.epsilon(), 1e-12 * uninterrupted);
        }
    }

    @Test
    void aSequentialConfigurationIsSampledKeyedOnTheExecutors() {
        DPConfig sequential = config(2).toBuilder().sampling(SamplingScheme.SEQUENTIAL).build();
        try (SparkPrivateTraining s = SparkPrivateTraining.create(sc, net(7), rdd(data(6)), sequential)) {
            assertEquals(2, s.fit());
            assertTrue(s.lastBatch().sampledByWorkers());
            assertEquals(SamplingScheme.KEYED, s.training().config().getSampling());
        }
    }

    @Test
    void aDataSetSizeOtherThanTheDataIsRefused() {
        DPConfig wrongN = config(3).toBuilder().datasetSize(N + 1).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkPrivateTraining.create(sc, net(6), rdd(data(4)), wrongN));
        assertTrue(e.getMessage().contains("datasetSize"), e.getMessage());
    }

    @Test
    void theGuardRunsOnTheDriverBeforeAnyStep() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE)
                .updater(new Adam(0.05)).graphBuilder().addInputs("in")
                .addLayer("plainDense", new DenseLayer.Builder().nIn(4).nOut(6).activation(Activation.TANH).build(),
                        "in")
                .addLayer("out", new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "plainDense")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SparkPrivateTraining.create(sc, g, rdd(data(5)), config(3)));
        assertTrue(e.getMessage().contains("plainDense"), e.getMessage());
    }
}
