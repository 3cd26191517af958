package io.dplora.samples.task;

import io.dplora.samples.data.DataLocations;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.List;

/**
 * One fine-tuning task of the samples: which real data set is public (pretraining) and which is private (DP
 * fine-tuning), the base model pretrained on the public part, which of its layers get LoRA adapters and which layer
 * is the trainable (DP) classification head.
 *
 * <p>Base models are ComputationGraphs of stock DL4J layers; {@code LoRA.apply} later turns the {@link #loraTargets()}
 * dense layers into LoRA layers that keep the pretrained weights frozen, freezes every other layer and makes the
 * {@link #head()} a DP-capable output layer.
 */
public interface Task {

    /** @return the task's name on the command line, e.g. {@code fashion}. */
    String name();

    /** @return the argument of {@code scripts/fetch-data.sh} that fetches this task's data. */
    String dataSet();

    /** @return whether the task's data files are in place (the loader still checks their content). */
    boolean dataPresent(DataLocations locations);

    /** @return one paragraph: what is public, what is private, and the model. */
    String description();

    /**
     * Loads the data and builds the tensors sources; anything derived from data (a vocabulary) comes from the public
     * training split only.
     */
    TaskData load(DataLocations locations);

    /**
     * The task's public rehearsal, for choosing fine-tuning hyperparameters without private data: a task of the same
     * shape built from PUBLIC data only (its "private" splits are public examples the rehearsal base did not see).
     * Tuning on the real private splits would be outside the accountant (see {@link RehearsalTask}).
     */
    TaskData loadRehearsal(DataLocations locations);

    /**
     * @param data     the loaded task (input sizes, vocabulary size, unlabelled public text)
     * @param settings pretraining settings (seed and learning rate go into the configuration)
     * @return a freshly initialised base model, not yet trained on labels (its initialisation may use the task's
     *         unlabelled PUBLIC text, e.g. imdb's word vectors; never private data)
     */
    ComputationGraph buildBase(TaskData data, PretrainSettings settings);

    /**
     * @return a version string of the architecture; bump it when {@link #buildBase} changes, so cached bases of the
     *         old architecture are not reused
     */
    String architecture();

    /** @return names of the base's dense layers that get LoRA adapters. */
    List<String> loraTargets();

    /**
     * @return the name of the classification head, trained (as a DP head) during fine-tuning; by default the head
     *         that {@code BaseGraphs.denseStack} appends
     */
    default String head() {
        return BaseGraphs.HEAD;
    }

    /** @return the default pretraining of the base. */
    PretrainSettings pretraining();

    /** @return the default fine-tuning settings. */
    FineTuneDefaults fineTuneDefaults();

    /**
     * @return the fit of the head on frozen features when the task's head sits on a frozen encoder's features (the
     *         converged probe, method logreg, uses it with {@link #pretraining()}'s settings), or null
     */
    default FrozenFeatureHead frozenFeatureHead() {
        return null;
    }

    /**
     * @return true when {@link #buildBase} already fits the base on the public labelled data (imdb-minilm fits its
     *         classifier on the frozen encoder's embeddings), so pretraining only evaluates it; false (default) when
     *         the base is trained by the generic pretraining loop
     */
    default boolean buildBaseTrainsHead() {
        return false;
    }

    /**
     * The task with other text settings ({@code --max-tokens}, {@code --truncation}, {@code --private-train}); null
     * keeps a setting. Only tasks with a tokenizer of their own take them.
     *
     * @throws IllegalArgumentException naming the task when it has no such settings
     */
    default Task withTextOptions(Integer maxTokens, io.dplora.transformers.Truncation truncation,
                                 Integer privateTrain) {
        throw new IllegalArgumentException("--max-tokens, --truncation and --private-train apply to imdb-minilm "
                + "only, not to task " + name());
    }

    /** @return examples per inference pass when the task's test splits are scored */
    default int evaluationBatch() {
        return io.dplora.samples.run.Evaluator.BATCH;
    }

    /** @return whether F1 and balanced accuracy are reported (binary tasks with unequal classes, e.g. spam). */
    boolean reportsBinaryMetrics();
}
