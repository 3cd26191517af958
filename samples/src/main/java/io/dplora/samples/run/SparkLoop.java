package io.dplora.samples.run;

import io.dplora.spark.SparkPrivateTraining;
import io.dplora.updater.IndexedDataSource;
import me.tongfei.progressbar.ProgressBar;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * DP-SGD fine-tuning on Apache Spark ({@code --spark MASTER}, e.g. {@code local[2]}): the private training examples
 * become an RDD, and {@link SparkPrivateTraining} computes each logical step's clipped sums on the executors and adds
 * the noise once on the driver. Same configuration, sampler, accountant and ledger as {@link PrivateLoop}; the
 * epoch's training loss is the mean over the sampled examples, as the executors report it with their sums.
 */
final class SparkLoop implements DPLoop, AutoCloseable {

    /** Examples read from the source per call while building the RDD. */
    private static final int READ_CHUNK = 1024;

    private final RunSettings settings;
    private final JavaSparkContext sc;
    private final SparkPrivateTraining training;

    SparkLoop(ComputationGraph net, IndexedDataSource train, RunSettings s, String master) {
        this.settings = s;
        SparkConf conf = new SparkConf().setMaster(master).setAppName("dplora-" + s.runName())
                .set("spark.ui.enabled", "false");
        if (master.startsWith("local")) {
            conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        }
        this.sc = new JavaSparkContext(conf);
        try {
            List<DataSet> examples = new ArrayList<>(train.size());
            for (int start = 0; start < train.size(); start += READ_CHUNK) {
                int[] idx = new int[Math.min(READ_CHUNK, train.size() - start)];
                for (int j = 0; j < idx.length; j++) {
                    idx[j] = start + j;
                }
                examples.addAll(train.get(idx).asList());
            }
            JavaRDD<DataSet> rdd = sc.parallelize(examples, 2 * sc.defaultParallelism());
            // the elements of a parallelized RDD travel inside its partitions, with every task; once persisted and
            // locally checkpointed, a step's tasks carry only partition ids
            rdd.persist(StorageLevel.MEMORY_AND_DISK());
            rdd.rdd().localCheckpoint();
            rdd.count();
            this.training = SparkPrivateTraining.create(sc, net, rdd, PrivateLoop.config(s, null));
        } catch (RuntimeException e) {
            sc.stop();
            throw e;
        }
    }

    @Override
    public int plannedEpochs() {
        return PrivateLoop.plannedEpochs(training.training());
    }

    @Override
    public boolean hasNextEpoch() {
        return training.training().iterator().hasRemainingSteps();
    }

    @Override
    public double runEpoch(String label) {
        long before = training.training().stepsTaken();
        long perEpoch = Math.min(training.training().iterator().stepsPerEpoch(),
                training.training().stepLimit() - before);
        double loss = 0;
        long examples = 0;
        try (ProgressBar bar = Progress.bar(label, perEpoch)) {
            for (long k = 0; k < perEpoch && training.step(); k++) {
                loss += training.lastStepStats().lossSum();
                examples += training.lastStepStats().sampled();
                bar.stepTo(k + 1);
            }
        }
        if (training.training().stepsTaken() == before && hasNextEpoch()) {
            throw new IllegalStateException("a DP epoch made no progress although steps remain");
        }
        return examples == 0 ? Double.NaN : loss / examples;
    }

    @Override
    public long steps() {
        return training.training().stepsTaken();
    }

    @Override
    public long plannedSteps() {
        return training.training().stepLimit();
    }

    @Override
    public Double epsilon() {
        return training.epsilon();
    }

    @Override
    public double noiseMultiplier() {
        return training.training().noiseMultiplier();
    }

    @Override
    public double samplingRate() {
        return training.training().samplingRate();
    }

    @Override
    public long droppedExamples() {
        return training.droppedExamples();
    }

    @Override
    public void writeLedger(Path file) throws IOException {
        Files.writeString(file, training.ledger().toJson(), StandardCharsets.UTF_8);
    }

    /** @return the statistics of the last step (bytes moved, time) */
    SparkPrivateTraining.StepStats lastStepStats() {
        return training.lastStepStats();
    }

    @Override
    public String toString() {
        return PrivateLoop.describe(settings, training.training()) + ", on Spark " + sc.master() + " over "
                + training.partitions() + " partitions";
    }

    @Override
    public void close() {
        try {
            training.close();
        } finally {
            sc.stop();
        }
    }
}
