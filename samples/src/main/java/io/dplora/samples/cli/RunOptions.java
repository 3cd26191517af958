package io.dplora.samples.cli;

import io.dplora.accounting.AccountantType;
import io.dplora.samples.run.Method;
import io.dplora.samples.run.RunSettings;
import io.dplora.samples.task.FineTuneDefaults;
import io.dplora.samples.task.Task;
import io.dplora.samples.task.Tasks;
import io.dplora.transformers.Truncation;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The options shared by {@code train} and {@code sweep}; left-out ones take the task's defaults. */
final class RunOptions {

    @Option(names = "--task", defaultValue = "fashion", paramLabel = "TASK",
            description = "imdb, spam, fashion, fashion-cnn or imdb-minilm; <task>-rehearsal for the public rehearsal used to "
                    + "choose settings (default: ${DEFAULT-VALUE})")
    String task;

    @Option(names = "--rank", defaultValue = "8", paramLabel = "R", description = "LoRA rank (default: ${DEFAULT-VALUE})")
    int rank;

    @Option(names = "--alpha", defaultValue = "16", paramLabel = "A",
            description = "LoRA alpha, scale alpha/rank (default: ${DEFAULT-VALUE})")
    double alpha;

    @Option(names = "--epsilon", defaultValue = "8", paramLabel = "E",
            description = "target epsilon of DP training (default: ${DEFAULT-VALUE})")
    double epsilon;

    @Option(names = "--delta", defaultValue = "1e-5", paramLabel = "D",
            description = "delta of the (epsilon, delta) guarantee (default: ${DEFAULT-VALUE})")
    double delta;

    @Option(names = "--accountant", defaultValue = "PLD", paramLabel = "A",
            description = "privacy accountant that calibrates the noise and reports epsilon: PLD or RDP "
                    + "(default: ${DEFAULT-VALUE}); PLD's tighter epsilon means less noise for the same target")
    AccountantType accountant;

    @Option(names = "--epochs", paramLabel = "N", description = "epochs over the private training set (default: task's)")
    Integer epochs;

    @Option(names = "--batch", paramLabel = "B",
            description = "logical batch: expected Poisson batch size under DP (default: task's)")
    Integer batch;

    @Option(names = "--physical-batch", paramLabel = "b",
            description = "most examples per forward/backward pass under DP (default: task's)")
    Integer physicalBatch;

    @Option(names = "--lr", paramLabel = "LR", description = "Adam learning rate (default: task's)")
    Double lr;

    @Option(names = "--max-grad-norm", paramLabel = "C", description = "per-example clipping norm (default: task's)")
    Double maxGradNorm;

    @Option(names = "--seed", paramLabel = "S",
            description = "seed of adapter init, sampling and noise, for reproducible experiments: a seeded run is "
                    + "NOT for release (its noise is only as secret as the seed). Default for train: none "
                    + "(SecureRandom); sweep: 0")
    Long seed;

    @Option(names = "--limit", paramLabel = "N",
            description = "use only the first N private training examples (quick smoke runs)")
    Integer limit;

    @Option(names = "--validation", paramLabel = "N",
            description = "tuning: hold out the last N private training examples, train on the rest and report "
                    + "accuracy on the held-out N instead of the private test split")
    Integer validation;

    @Option(names = "--max-tokens", paramLabel = "T",
            description = "imdb-minilm: word-piece ids per review, [CLS] and [SEP] included (default: 128)")
    Integer maxTokens;

    @Option(names = "--truncation", paramLabel = "HOW",
            description = "imdb-minilm: which pieces of a longer review are kept: head, or head_tail (a quarter "
                    + "from the start, the rest from the end) (default: head)")
    Truncation truncation;

    @Option(names = "--private-train", paramLabel = "N",
            description = "imdb-minilm: private training reviews used (default: 2000)")
    Integer privateTrain;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "data folder (default: $DPLORA_DATA, else ~/.cache/dplora)")
    Path dataDir;

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "pretrained base models (default: <data folder>/bases)")
    Path cacheDir;

    /** @return the task, or a usage error naming the known tasks. */
    Task task(CommandLine cl) {
        try {
            Task t = Tasks.byName(task);
            return maxTokens == null && truncation == null && privateTrain == null ? t
                    : t.withTextOptions(maxTokens, truncation, privateTrain);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
    }

    /** A usage error when the method cannot run on the task (logreg needs a head on frozen features). */
    static void checkMethodFitsTask(CommandLine cl, io.dplora.samples.run.Method m, Task t) {
        if (m == io.dplora.samples.run.Method.LOGREG && t.frozenFeatureHead() == null) {
            throw new CommandLine.ParameterException(cl, "method logreg needs a task whose classifier sits on frozen "
                    + "features (imdb-minilm); task " + t.name() + " has none");
        }
    }

    /** @return validated settings of a run with method {@code m}, or a usage error naming the wrong setting. */
    RunSettings settings(CommandLine cl, Method m) {
        Task t = task(cl);
        FineTuneDefaults d = t.fineTuneDefaults();
        try {
            int b = batch != null ? batch : d.batchSize();
            if (limit != null && limit >= 1 && b > limit) {
                throw new IllegalArgumentException("batch (" + b + ") must not exceed --limit (" + limit + ")");
            }
            return new RunSettings(t.name(), m, rank, alpha, epsilon, delta, epochs != null ? epochs : d.epochs(), b,
                    physicalBatch != null ? physicalBatch : Math.min(b, d.physicalBatch()),
                    lr != null ? lr : d.learningRate(), maxGradNorm != null ? maxGradNorm : d.maxGradNorm(), seed,
                    limit, validation, accountant);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
    }

    /** @return where data and cached bases live. */
    Workspace workspace() {
        return Workspace.of(dataDir, cacheDir);
    }
}
