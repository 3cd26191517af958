package io.dplora.spark;

import io.dplora.accounting.PrivacyLedger;
import io.dplora.updater.DPCheckpoint;
import io.dplora.updater.DPConfig;
import io.dplora.updater.DistributedPrivateTraining;
import io.dplora.updater.KeyedPoissonSampler;
import io.dplora.updater.LogicalBatch;
import io.dplora.updater.PrivateTraining;
import io.dplora.updater.SamplingScheme;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.util.UUID;

/**
 * Data-parallel DP-SGD of a DL4J network with LoRA (or other DP) layers over private data held in a Spark RDD: the
 * Spark twin of {@link PrivateTraining}, with the same {@link DPConfig}, budget, ledger, epsilon and checkpoints.
 *
 * <p>Per logical step:
 * <ol>
 *   <li>the driver broadcasts the step number and the current trainable DP parameters ({@link StepPayload}; the
 *       frozen base and the run's sampling key were shipped once);</li>
 *   <li>each partition decides the Poisson membership of its own examples with the run's
 *       {@link KeyedPoissonSampler} (Bernoulli(q) per example from a keyed AES function of (step, global index), the
 *       key from SecureRandom, or from the seed in a seeded experiment; the configuration is switched to
 *       {@link SamplingScheme#KEYED} if it asked for sequential draws: same rate, same accounting), runs the sampled
 *       examples through its executor's replica and returns their noise-free clipped sum and count
 *       ({@link PartitionClippedSum}); a retried task redraws the same sample and recomputes the same sum, and Spark
 *       keeps one successful attempt per partition. A seeded run samples exactly what the single-machine run with
 *       {@code sampling(SamplingScheme.KEYED)} and the same seed samples;</li>
 *   <li>the sums are combined with {@code treeReduce}; the driver checks that the partitions hold exactly N examples
 *       and sampled exactly the drawn ones, then adds the Gaussian noise once, divides by E, runs the configured
 *       DL4J updater, records the step in the ledger and stops at the budget
 *       ({@link DistributedPrivateTraining#release}).</li>
 * </ol>
 * The guard checks the driver's network before the first step; noise is never added on the executors, and partition
 * sums never leave the job on their own.
 *
 * <p>The private data must be deterministic (re-reading it gives the same examples in the same order, as for any
 * Spark {@code zipWithIndex}); it is indexed once and persisted. Each element is one example (a DataSet with several
 * examples is split), or, for ComputationGraphs with several inputs or outputs, one MultiDataSet example
 * ({@link #createForMultiDataSets}). Data made on the driver with {@code parallelize} carries its elements in its partitions, which
 * Spark ships with every task (every step): persist it and call {@code localCheckpoint()} and an action on it first
 * (as {@code ./dplora train --spark} does), so that a step's tasks carry only the partitions' ids.
 */
public final class SparkPrivateTraining implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SparkPrivateTraining.class);

    private final JavaSparkContext sc;
    private final DistributedPrivateTraining driver;
    private final Indexed<?> indexed;
    private final Broadcast<byte[]> model;
    private final Broadcast<KeyedPoissonSampler> sampler;
    private final boolean graph;
    private final String configJson;
    private final int maxPhysicalBatchSize;
    private final String runKey = UUID.randomUUID().toString();
    private final long datasetSize;
    private int failFirstAttemptOfPartition = -1;
    private StepStats lastStep;
    private LogicalBatch lastBatch;
    private long lastPayloadBytes;
    private long droppedExamples;
    private long stepsRun;
    private long stepMillis;
    private long jobMillis;
    private long taskMillis;

    /**
     * What the last logical step moved and cost (for the performance report).
     *
     * @param step                    the logical step
     * @param sampled                 examples in its Poisson sample
     * @param partitions              partitions (tasks) of the step
     * @param broadcastBytes          Java-serialised size of the step's broadcast (indices and trainable parameters)
     * @param resultBytesPerPartition Java-serialised size of one partition's result (a clipped sum)
     * @param millis                  wall time of the step on the driver
     * @param jobMillis               of which the Spark job (broadcast, partition tasks, tree reduction)
     * @param taskMillis              time inside the partition tasks, summed over the step's tasks
     * @param lossSum                 the sampled examples' summed training loss (a private-data diagnostic)
     * @param droppedExamples         examples dropped for a non-finite norm (a private-data diagnostic)
     */
    public record StepStats(long step, int sampled, int partitions, long broadcastBytes, long resultBytesPerPartition,
                            long millis, long jobMillis, long taskMillis, double lossSum, long droppedExamples) {
    }

    /** The indexed, persisted private examples and their format (DataSet or MultiDataSet). */
    private record Indexed<T>(JavaPairRDD<T, Long> rdd, ExampleFormat<T> format) {
        PartialSum clippedSums(Broadcast<byte[]> model, Broadcast<KeyedPoissonSampler> sampler, boolean graph,
                               String configJson, int maxPhysicalBatchSize, Broadcast<StepPayload> step,
                               int failFirstAttemptOfPartition) {
            return rdd.mapPartitions(new PartitionClippedSum<>(format, model, sampler, graph, configJson,
                    maxPhysicalBatchSize, step, failFirstAttemptOfPartition)).treeReduce(PartialSum::plus);
        }
    }

    private <T> SparkPrivateTraining(JavaSparkContext sc, Model net, JavaRDD<T> privateData, ExampleFormat<T> format,
                                     DPConfig config, PrivacyLedger prior) {
        if (sc == null || net == null || privateData == null || config == null) {
            throw new IllegalArgumentException("spark context, network, data and config must not be null");
        }
        if (!(net instanceof ComputationGraph) && !(net instanceof MultiLayerNetwork)) {
            throw new IllegalArgumentException("unsupported model type " + net.getClass().getName()
                    + ": use a ComputationGraph or a MultiLayerNetwork");
        }
        this.sc = sc;
        this.graph = net instanceof ComputationGraph;
        JavaPairRDD<T, Long> idx = privateData
                .flatMap(format::singleExamples)
                .zipWithIndex()
                .persist(StorageLevel.MEMORY_AND_DISK());
        long n = idx.count();
        if (n < 1 || n > Integer.MAX_VALUE) {
            idx.unpersist();
            throw new IllegalArgumentException("the private data holds " + n + " examples; 1 to "
                    + Integer.MAX_VALUE + " are supported");
        }
        byte[] bytes = modelBytes(net);
        if (config.getSampling() != SamplingScheme.KEYED) {
            log.info("sampling with SamplingScheme.KEYED: each partition decides the Poisson membership of its own "
                    + "examples (the same rate q and accounting as the configured {} sampling)", config.getSampling());
            config = config.toBuilder().sampling(SamplingScheme.KEYED).build();
        }
        DistributedPrivateTraining d;
        try {
            d = DistributedPrivateTraining.create(net, (int) n, config, prior);
        } catch (RuntimeException e) {
            idx.unpersist();
            throw e;
        }
        this.datasetSize = n;
        this.indexed = new Indexed<>(idx, format);
        this.driver = d;
        this.model = sc.broadcast(bytes);
        this.sampler = sc.broadcast(d.keyedSampler());
        this.configJson = config.toJson();
        this.maxPhysicalBatchSize = config.getMaxPhysicalBatchSize();
        log.info("Spark private training set up: N = {} examples in {} partitions, {} trainable DP coordinates, model "
                + "{} bytes shipped once per executor", n, idx.getNumPartitions(), d.trainableParameterCount(),
                bytes.length);
    }

    /**
     * Sets up a fresh private run (calibration, budget, guard and streams exactly as {@code DPLoRA.makePrivate}).
     *
     * @param sc          the Spark context (local[k] or a cluster)
     * @param net         the driver's network with LoRA / DP layers, initialised
     * @param privateData the private examples, one per element (or DataSets that are split into examples)
     * @param config      the run's settings (E, C, epsilon or sigma, epochs, seed for experiments only)
     * @return the run
     */
    public static SparkPrivateTraining create(JavaSparkContext sc, Model net, JavaRDD<DataSet> privateData,
                                              DPConfig config) {
        return new SparkPrivateTraining(sc, net, privateData, ExampleFormat.DATA_SETS, config, null);
    }

    /**
     * {@link #create} for a ComputationGraph with several inputs or outputs (ids + mask, multi-task heads): the
     * private examples as MultiDataSets (one example per element, or MultiDataSets that are split into examples),
     * sampled, clipped, noised and accounted exactly as DataSets.
     */
    public static SparkPrivateTraining createForMultiDataSets(JavaSparkContext sc, ComputationGraph net,
                                                              JavaRDD<MultiDataSet> privateData, DPConfig config) {
        return new SparkPrivateTraining(sc, net, privateData, ExampleFormat.MULTI_DATA_SETS, config, null);
    }

    /**
     * Resumes a run from a DP checkpoint (network with optimiser state and ledger): epsilon continues from the ledger.
     *
     * @param sc          the Spark context
     * @param restored    what {@link DPCheckpoint} restored
     * @param privateData the same private data
     * @param config      the run's settings
     * @return the resumed run
     */
    public static SparkPrivateTraining resume(JavaSparkContext sc, DPCheckpoint.Restored<? extends Model> restored,
                                              JavaRDD<DataSet> privateData, DPConfig config) {
        if (restored == null) {
            throw new IllegalArgumentException("restored checkpoint must not be null");
        }
        return new SparkPrivateTraining(sc, restored.network(), privateData, ExampleFormat.DATA_SETS, config,
                restored.ledger());
    }

    /** {@link #resume} of a run over MultiDataSets ({@link #createForMultiDataSets}). */
    public static SparkPrivateTraining resumeForMultiDataSets(JavaSparkContext sc,
                                                              DPCheckpoint.Restored<ComputationGraph> restored,
                                                              JavaRDD<MultiDataSet> privateData, DPConfig config) {
        if (restored == null) {
            throw new IllegalArgumentException("restored checkpoint must not be null");
        }
        return new SparkPrivateTraining(sc, restored.network(), privateData, ExampleFormat.MULTI_DATA_SETS, config,
                restored.ledger());
    }

    private static byte[] modelBytes(Model net) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ModelSerializer.writeModel(net, out, false);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("could not serialise the network for the executors", e);
        }
    }

    /**
     * Trains until the plan is complete or the privacy budget is spent.
     *
     * @return logical steps taken by this call
     */
    public long fit() {
        long taken = 0;
        while (step()) {
            taken++;
        }
        driver.logSummary();
        return taken;
    }

    /**
     * Runs one logical step (see the class comment).
     *
     * @return false when no step is left (plan complete or budget spent)
     * @throws IllegalStateException if the partitions do not hold exactly N examples or did not sample exactly the
     *                               drawn ones (the data changed under the run); nothing is released then
     */
    public boolean step() {
        LogicalBatch batch = driver.nextLogicalBatch();
        if (batch == null) {
            return false;
        }
        long t0 = System.nanoTime();
        PartialSum total = clippedSum(batch);
        long jobNanos = System.nanoTime() - t0;
        driver.release(batch, total.sum(), total.sampled());
        lastBatch = batch;
        lastStep = new StepStats(batch.step(), (int) total.sampled(), indexed.rdd().getNumPartitions(), lastPayloadBytes,
                serializedSize(new PartialSum(total.sum(), 0, 0, 0, 0, 0)), (System.nanoTime() - t0) / 1_000_000,
                jobNanos / 1_000_000, total.taskNanos() / 1_000_000, total.lossSum(), total.dropped());
        droppedExamples += total.dropped();
        stepsRun++;
        stepMillis += lastStep.millis();
        jobMillis += lastStep.jobMillis();
        taskMillis += lastStep.taskMillis();
        return true;
    }

    /**
     * Computes the noise-free clipped sum of a drawn batch over all partitions and checks it (see {@link #step()}).
     */
    PartialSum clippedSum(LogicalBatch batch) {
        StepPayload payload = new StepPayload(runKey, batch.step(), datasetSize, batch.indices(),
                driver.trainableParameters());
        lastPayloadBytes = serializedSize(payload);
        Broadcast<StepPayload> bc = sc.broadcast(payload);
        PartialSum total;
        try {
            total = indexed.clippedSums(model, sampler, graph, configJson, maxPhysicalBatchSize, bc,
                    failFirstAttemptOfPartition);
        } finally {
            bc.destroy();
        }
        if (total.held() != datasetSize || (!batch.sampledByWorkers() && total.sampled() != batch.size())) {
            throw new IllegalStateException("logical step " + batch.step() + " refused: the partitions hold "
                    + total.held() + " examples (plan: N = " + datasetSize + ") and sampled " + total.sampled()
                    + (batch.sampledByWorkers() ? "" : " of the " + batch.size() + " drawn")
                    + "; the private data changed under the run (a non-deterministic source?). Nothing was released");
        }
        return total;
    }

    private static long serializedSize(Object o) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream(); ObjectOutputStream oos =
                new ObjectOutputStream(out)) {
            oos.writeObject(o);
            oos.flush();
            return out.size();
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Saves the driver's network (with optimiser state) and the ledger atomically ({@link DPCheckpoint}).
     *
     * @param file the checkpoint file
     * @throws IOException if it cannot be written (a previous checkpoint there stays intact)
     */
    public void save(File file) throws IOException {
        driver.training().save(file);
    }

    /** @return epsilon spent so far at the run's delta */
    public double epsilon() {
        return driver.epsilon();
    }

    /** @return the run's ledger (steps, sigma, q) */
    public PrivacyLedger ledger() {
        return driver.training().ledger();
    }

    /** @return the single-machine handle of the run (budget, noise multiplier, listener) */
    public PrivateTraining training() {
        return driver.training();
    }

    /** @return the driver's network */
    public Model network() {
        return driver.training().network();
    }

    /** @return examples dropped so far for a non-finite gradient norm (a private-data diagnostic) */
    public long droppedExamples() {
        return droppedExamples;
    }

    /** @return N, the number of private examples */
    public long datasetSize() {
        return datasetSize;
    }

    /** @return statistics of the last step, or null before the first */
    public StepStats lastStepStats() {
        return lastStep;
    }

    /** @return the driver side of the run (tests draw batches from it) */
    DistributedPrivateTraining driver() {
        return driver;
    }

    /** @return the last released batch (tests compare the sampled examples with a single-machine run) */
    LogicalBatch lastBatch() {
        return lastBatch;
    }

    /** @return the run's keyed sampler (tests recompute a step's sample with it) */
    KeyedPoissonSampler sampler() {
        return driver.keyedSampler();
    }

    /** Test hook: the first attempt of the given partition's task fails in every step. */
    void failFirstAttemptOfPartition(int partition) {
        this.failFirstAttemptOfPartition = partition;
    }

    /** @return the mean wall time of the logical steps run by this handle, in milliseconds (NaN before the first) */
    public double meanStepMillis() {
        return stepsRun == 0 ? Double.NaN : stepMillis / (double) stepsRun;
    }

    /** Releases the persisted data and the broadcast model (and logs the steps' mean time and bytes moved). */
    @Override
    public void close() {
        if (lastStep != null) {
            log.info("Spark private training: {} steps, mean step {} ms (Spark job {} ms, inside its tasks {} ms "
                    + "summed over tasks), per step {} bytes broadcast (step and trainable parameters) and {} bytes "
                    + "returned per partition ({} partitions)", stepsRun, String.format("%.1f", meanStepMillis()),
                    String.format("%.1f", jobMillis / (double) stepsRun),
                    String.format("%.1f", taskMillis / (double) stepsRun), lastStep.broadcastBytes(),
                    lastStep.resultBytesPerPartition(), lastStep.partitions());
        }
        indexed.rdd().unpersist(false);
        model.destroy();
        sampler.destroy();
    }

    /** @return the number of partitions of the indexed private data */
    public int partitions() {
        return indexed.rdd().getNumPartitions();
    }
}
