package io.dplora.samples.task;

import io.dplora.samples.data.DataLocations;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.List;

/**
 * A task's public rehearsal ({@code <task>-rehearsal} on the command line): the same model, LoRA targets, head and
 * settings, on a task built from the task's PUBLIC data only ({@link Task#loadRehearsal}). Fine-tuning
 * hyperparameters are chosen by running the rehearsal ({@code ./dplora sweep lr --task fashion-rehearsal ...}), never
 * on the private training or test split: any choice made by looking at private data is a release of private
 * information that no accountant counts.
 */
public final class RehearsalTask implements Task {

    /** Name suffix of a rehearsal. */
    public static final String SUFFIX = "-rehearsal";

    private final Task task;

    /** @param task the real task */
    public RehearsalTask(Task task) {
        this.task = task;
    }

    @Override
    public String name() {
        return task.name() + SUFFIX;
    }

    @Override
    public String dataSet() {
        return task.dataSet();
    }

    @Override
    public boolean dataPresent(DataLocations locations) {
        return task.dataPresent(locations);
    }

    @Override
    public String description() {
        return "Public rehearsal of " + task.name() + " (public data only, for choosing hyperparameters). " + task
                .description();
    }

    @Override
    public TaskData load(DataLocations locations) {
        return task.loadRehearsal(locations);
    }

    @Override
    public TaskData loadRehearsal(DataLocations locations) {
        return task.loadRehearsal(locations);
    }

    @Override
    public ComputationGraph buildBase(TaskData data, PretrainSettings settings) {
        return task.buildBase(data, settings);
    }

    @Override
    public String architecture() {
        return task.architecture();
    }

    @Override
    public List<String> loraTargets() {
        return task.loraTargets();
    }

    @Override
    public String head() {
        return task.head();
    }

    @Override
    public PretrainSettings pretraining() {
        return task.pretraining();
    }

    @Override
    public FineTuneDefaults fineTuneDefaults() {
        return task.fineTuneDefaults();
    }

    @Override
    public int evaluationBatch() {
        return task.evaluationBatch();
    }

    @Override
    public boolean buildBaseTrainsHead() {
        return task.buildBaseTrainsHead();
    }

    @Override
    public FrozenFeatureHead frozenFeatureHead() {
        return task.frozenFeatureHead();
    }

    @Override
    public Task withTextOptions(Integer maxTokens, io.dplora.transformers.Truncation truncation,
                                Integer privateTrain) {
        return new RehearsalTask(task.withTextOptions(maxTokens, truncation, privateTrain));
    }

    @Override
    public boolean reportsBinaryMetrics() {
        return task.reportsBinaryMetrics();
    }
}
