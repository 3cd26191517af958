package io.dplora.samples.task;

import io.dplora.samples.data.DataLocations;
import io.dplora.samples.data.SpamAssassin;
import io.dplora.samples.data.SplitOptions;
import io.dplora.samples.data.TextCorpus;
import io.dplora.samples.run.ExampleRange;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.nio.file.Files;
import java.util.List;

/**
 * SpamAssassin spam filtering across releases: the base is trained on the PUBLIC 2002 release (easy-ham-1,
 * hard-ham-1, spam-1: 14% spam); DP fine-tuning adapts it to the PRIVATE 2003 release (easy-ham-2, spam-2: 46% spam,
 * newer spam). The vocabulary (at most {@value #VOCABULARY} ids, tokens seen at least twice) comes from the public
 * training mails only.
 *
 * <p>Model: binary bag of words (first {@value #MAX_TOKENS} tokens of the decoded body) -> dense 128 -> dense 64 ->
 * softmax over {ham, spam}; LoRA on both dense layers, head trained. Reports F1 (spam = positive) and balanced
 * accuracy, since the classes are unequal.
 */
public final class SpamTask implements Task {

    static final int VOCABULARY = 10_000;
    static final int MAX_TOKENS = 1_000;

    @Override
    public String name() {
        return "spam";
    }

    @Override
    public String dataSet() {
        return "spam";
    }

    @Override
    public boolean dataPresent(DataLocations locations) {
        return Files.isDirectory(locations.spamAssassin());
    }

    @Override
    public String description() {
        return "SpamAssassin. Public (pretraining): the 2002 release (easy-ham-1, hard-ham-1, spam-1; 2,530 training "
                + "mails, 14% spam), which also gives the vocabulary. Private (DP fine-tuning): the 2003 release "
                + "(easy-ham-2, spam-2; 2,054 training and 514 test mails, 46% spam). Model: binary bag of words over "
                + "the public vocabulary -> dense 128 -> dense 64 -> 2, LoRA on both dense layers, head trained.";
    }

    @Override
    public TaskData load(DataLocations locations) {
        TextCorpus corpus = SpamAssassin.load(locations, SplitOptions.defaults());
        TextEncoding e = TextEncoding.of(corpus, 2, VOCABULARY, MAX_TOKENS);
        return new TaskData(e.publicTrain().asBagOfWordsSource(true), e.publicTest().asBagOfWordsSource(true),
                e.privateTrain().asBagOfWordsSource(true), e.privateTest().asBagOfWordsSource(true),
                corpus.labelNames(), e.vocabulary().size(), "binary-bow," + e.fingerprint());
    }

    /**
     * Public data only: the 2002 release's training mails split in two halves (its split is shuffled and
     * stratified): the rehearsal base is pretrained on the first, rehearsal fine-tuning uses the second and is scored
     * on the 2002 test mails.
     */
    @Override
    public TaskData loadRehearsal(DataLocations locations) {
        TaskData real = load(locations);
        int n = real.publicTrain().size();
        return new TaskData(new ExampleRange(real.publicTrain(), 0, n / 2), real.publicTest(),
                new ExampleRange(real.publicTrain(), n / 2, n), real.publicTest(), real.labelNames(),
                real.inputSize(), real.fingerprint() + ",rehearsal-halves");
    }

    @Override
    public ComputationGraph buildBase(TaskData data, PretrainSettings settings) {
        var g = BaseGraphs.graph(settings).addInputs("words");
        ComputationGraph net = new ComputationGraph(BaseGraphs.denseStack(g, "words", data.inputSize(),
                data.numClasses(), 128, 64).build());
        net.init();
        return net;
    }

    @Override
    public String architecture() {
        return "bow-V-128-64-2/v1";
    }

    @Override
    public List<String> loraTargets() {
        return List.of("dense1", "dense2");
    }

    @Override
    public PretrainSettings pretraining() {
        return new PretrainSettings(5, 64, 1e-3, 20021003L);
    }

    @Override
    public FineTuneDefaults fineTuneDefaults() {
        // lr and epochs chosen on the public rehearsal (results/tuning/chosen.json), never on private data
        return new FineTuneDefaults(5, 256, 256, 3e-3, 1.0);
    }

    @Override
    public boolean reportsBinaryMetrics() {
        return true;
    }
}
