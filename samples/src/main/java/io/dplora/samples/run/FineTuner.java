package io.dplora.samples.run;

import io.dplora.layers.LoRA;
import io.dplora.layers.LoRASpec;
import io.dplora.samples.base.BaseModel;
import io.dplora.samples.task.Task;
import io.dplora.samples.task.TaskData;
import io.dplora.updater.IndexedDataSource;
import io.dplora.updater.SamplingScheme;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.learning.config.Adam;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * One fine-tuning run: converts the pretrained base with {@code LoRA.apply} (adapters on the task's dense layers,
 * the head trained as a DP head, everything else frozen), fine-tunes it on the private training split (DP-SGD via
 * {@code DPLoRA.makePrivate} for vanilla/FFA, ordinary training for {@code none}), evaluates on the private test
 * split after every epoch and returns the {@link RunResult}; optionally saves the artifacts.
 */
public final class FineTuner {

    private final PrintStream out;
    private final String sparkMaster;
    private final SamplingScheme sampling;

    /** @param out where the run's header and per-epoch summary lines go */
    public FineTuner(PrintStream out) {
        this(out, null, null);
    }

    private FineTuner(PrintStream out, String sparkMaster, SamplingScheme sampling) {
        this.out = out;
        this.sparkMaster = sparkMaster;
        this.sampling = sampling;
    }

    /**
     * @param scheme how DP runs draw their Poisson samples (null: the library default, KEYED unseeded and SEQUENTIAL
     *               seeded; Spark runs always sample KEYED)
     * @return a fine-tuner whose single-machine DP runs sample with that scheme
     */
    public FineTuner withSampling(SamplingScheme scheme) {
        return new FineTuner(out, sparkMaster, scheme);
    }

    /**
     * @param master a Spark master URL ({@code local[2]}, {@code spark://host:7077}, ...), or null for the
     *               single-machine DP step
     * @return a fine-tuner whose DP runs compute their clipped sums on Spark ({@link SparkLoop})
     */
    public FineTuner withSpark(String master) {
        return new FineTuner(out, master, sampling);
    }

    /**
     * @param task   the task
     * @param data   its loaded data
     * @param base   its pretrained base (not modified)
     * @param s      the run's settings
     * @param folder where to save the merged model, adapter, ledger and result (prepared before training, see
     *               {@link RunFolder}), or null to save nothing
     */
    public RunResult run(Task task, TaskData data, BaseModel base, RunSettings s, RunFolder folder)
            throws IOException {
        long start = System.nanoTime();
        ComputationGraph net = convert(task, base.network(), s);
        IndexedDataSource train;
        IndexedDataSource scored;
        if (s.validates()) {
            int n = data.privateTrain().size();
            if (s.validation() >= n) {
                throw new IllegalArgumentException("--validation " + s.validation() + " leaves no training examples "
                        + "(the private training split has " + n + ")");
            }
            train = FirstExamples.of(new ExampleRange(data.privateTrain(), 0, n - s.validation()), s.limit());
            scored = new ExampleRange(data.privateTrain(), n - s.validation(), n);
        } else {
            train = FirstExamples.of(data.privateTrain(), s.limit());
            scored = data.privateTest();
        }
        if (sparkMaster != null && !s.method().isPrivate()) {
            throw new IllegalArgumentException("--spark runs DP methods (vanilla, ffa); method " + s.method().label()
                    + " trains on one machine");
        }
        if (s.method() == Method.LOGREG && task.frozenFeatureHead() == null) {
            throw new IllegalArgumentException("method logreg needs a task whose classifier sits on frozen features "
                    + "(imdb-minilm); task " + task.name() + " has none");
        }
        TrainingLoop loop = s.method() == Method.LOGREG
                ? new ConvergedProbeLoop(net, train, task.frozenFeatureHead(), task.pretraining())
                : !s.method().isPrivate() ? new NonPrivateLoop(net, train, s)
                : sparkMaster != null ? new SparkLoop(net, train, s, sparkMaster) : new PrivateLoop(net, train, s, sampling);
        try {
            return train(task, base, s, folder, net, train, scored, loop, start);
        } finally {
            if (loop instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    out.println("warning: could not stop Spark cleanly: " + e);
                }
            }
        }
    }

    /**
     * The per-epoch line. DP and non-private runs with the same {@code --epochs} see the same number of examples in
     * expectation: a DP epoch is ceil(N/E) logical steps of Poisson batches of expected size E, a non-private epoch
     * one shuffled pass; "passes" states it (expected passes under DP). The ETA covers the rest of the run
     * (training and evaluation), from the time per step so far.
     */
    static String epochLine(int epoch, int planned, double loss, String split, double accuracy, Double epsilon,
                            TrainingLoop loop, RunSettings s, int trainSize, long elapsedNanos, long stepsThisRun) {
        boolean dp = s.method().isPrivate();
        double passes = dp ? loop.steps() * (double) Math.min(s.batch(), trainSize) / trainSize : epoch;
        long left = Math.max(0, loop.plannedSteps() - loop.steps());
        String eta = !loop.hasNextEpoch() || stepsThisRun == 0 ? ""
                : ", run ETA " + clock(elapsedNanos / 1e9 / stepsThisRun * left);
        return String.format(java.util.Locale.ROOT, "epoch %d/%d: loss %.4f, %s accuracy %.4f%s, %s %d/%d (%s %.2f)%s",
                epoch, planned, loss, split, accuracy,
                epsilon == null ? "" : ", epsilon " + io.dplora.updater.PrivacyReport.formatEpsilon(epsilon),
                dp ? "logical steps" : "steps", loop.steps(), loop.plannedSteps(),
                dp ? "expected passes" : "passes", passes, eta);
    }

    /** @return seconds as h:mm:ss */
    static String clock(double seconds) {
        long t = Math.round(seconds);
        return String.format(java.util.Locale.ROOT, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
    }

    private RunResult train(Task task, BaseModel base, RunSettings s, RunFolder folder, ComputationGraph net,
                            IndexedDataSource train, IndexedDataSource scored, TrainingLoop loop, long start)
            throws IOException {
        String split = s.scoredSplit();
        double before = Evaluator.evaluate(net, scored, task.evaluationBatch()).accuracy();
        out.printf("fine-tuning %s: %s LoRA r=%d (alpha %s) on %d private training examples, %s; %s accuracy "
                        + "before fine-tuning %.4f%s%n", task.name(), s.method().label(), s.rank(),
                RunSettings.number(s.alpha()), train.size(), loop, split, before,
                s.validates() ? " (validation: the last " + scored.size() + " private training examples, held out)"
                        : "");
        List<Double> losses = new ArrayList<>();
        List<Double> accuracies = new ArrayList<>();
        List<Double> epsilons = new ArrayList<>();
        Evaluation metrics = null;
        int epoch = 0;
        int planned = loop.plannedEpochs();
        long trainingNanos = 0;
        long loopStart = System.nanoTime();
        long stepsAtStart = loop.steps();
        while (loop.hasNextEpoch()) {
            epoch++;
            long epochStart = System.nanoTime();
            double loss = loop.runEpoch("epoch " + epoch + "/" + planned);
            trainingNanos += System.nanoTime() - epochStart;
            metrics = Evaluator.evaluate(net, scored, task.evaluationBatch());
            losses.add(loss);
            accuracies.add(metrics.accuracy());
            Double eps = loop.epsilon();
            if (eps != null) {
                epsilons.add(eps);
            }
            out.println(epochLine(epoch, planned, loss, split, metrics.accuracy(), eps, loop, s, train.size(),
                    System.nanoTime() - loopStart, loop.steps() - stepsAtStart));
        }
        if (metrics == null) {
            metrics = Evaluator.evaluate(net, scored, task.evaluationBatch());
        }
        if (loop.steps() > 0) {
            out.printf("time in training steps: %.1f s, %.1f ms per %s (evaluation and set-up excluded)%n",
                    trainingNanos / 1e9, trainingNanos / 1e6 / loop.steps(),
                    s.method().isPrivate() ? "logical step" : "step");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        boolean binary = task.reportsBinaryMetrics();
        DPLoop dp = loop instanceof DPLoop p ? p : null;
        RunResult result = new RunResult(task.name(), s.method().label(), s.rank(), s.alpha(),
                dp == null ? null : s.epsilon(), loop.epsilon(), s.delta(), dp == null ? null : s.accountant().name(),
                dp == null ? null : dp.noiseMultiplier(), dp == null ? null : dp.samplingRate(), loop.steps(),
                metrics.accuracy(), binary ? metrics.f1(1) : null, binary ? Evaluator.balancedAccuracy(metrics) : null,
                seconds, s.epochs(), s.batch(), s.physicalBatch(), s.learningRate(), s.maxGradNorm(), s.seed(),
                s.seeded(), dp != null && !s.seeded(),
                s.limit(), s.validation(), train.size(), TrainableCount.of(net), dp == null ? 0 : dp.droppedExamples(),
                losses,
                accuracies, epsilons, before, base.info().publicTestAccuracy(), base.info().key());
        if (folder != null) {
            RunArtifacts.save(folder, s.runName(), RunArtifacts.files(net, dp == null ? null : dp::writeLedger,
                    result));
        }
        return result;
    }

    /**
     * The LoRA network of a run, converted by {@code LoRA.apply} with Adam at the run's learning rate for every
     * trainable parameter; the adapters' random A are drawn from the run's seed ({@code LoRASpec.seed}, which never
     * reaches ND4J's generator as 0).
     */
    static ComputationGraph convert(Task task, ComputationGraph base, RunSettings s) {
        LoRASpec.Builder b = LoRASpec.builder();
        if (s.method().hasAdapters()) {
            b.targets(task.loraTargets().toArray(String[]::new));
        }
        LoRASpec spec = b
                .rank(s.rank())
                .alpha(s.alpha())
                .mode(s.method().loraMode())
                .trainable(task.head())
                .updater(new Adam(s.learningRate()))
                .seed(s.seedOrRandom())
                .build();
        return LoRA.apply(base, spec);
    }
}
