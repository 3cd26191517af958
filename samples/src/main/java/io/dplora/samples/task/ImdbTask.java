package io.dplora.samples.task;

import io.dplora.samples.data.DataLocations;
import io.dplora.samples.data.Imdb;
import io.dplora.samples.data.SplitOptions;
import io.dplora.samples.data.TextCorpus;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.nio.file.Files;
import java.util.List;

/**
 * IMDb movie-review sentiment, the SST-2 analogue: the PUBLIC half of the deduplicated reviews pretrains a text
 * encoder (and gives the vocabulary: at most {@value #VOCABULARY} ids, tokens seen at least twice); DP fine-tuning
 * runs on the PRIVATE half (disjoint reviews).
 *
 * <p>Model: token embeddings ({@value #EMBEDDING} dims, first {@value #MAX_TOKENS} tokens) -> masked average pooling
 * -> dense 128 -> dense 64 -> softmax over {negative, positive}. Fine-tuning freezes the embeddings, puts LoRA on
 * both dense layers and trains the head.
 */
public final class ImdbTask implements Task {

    static final int VOCABULARY = 20_000;
    static final int MAX_TOKENS = 256;
    static final int EMBEDDING = 64;

    @Override
    public String name() {
        return "imdb";
    }

    @Override
    public String dataSet() {
        return "imdb";
    }

    @Override
    public boolean dataPresent(DataLocations locations) {
        return Files.isRegularFile(locations.imdbReviews());
    }

    @Override
    public String description() {
        return "IMDb sentiment. Public (pretraining): one half of the 49,578 deduplicated reviews (19,831 training "
                + "reviews), which also gives the vocabulary. Private (DP fine-tuning): the other half (19,831 "
                + "training and 4,958 test reviews). Model: embeddings (64) -> masked mean pooling -> dense 128 -> "
                + "dense 64 -> 2; fine-tuning freezes the embeddings, LoRA on both dense layers, head trained.";
    }

    @Override
    public TaskData load(DataLocations locations) {
        TextCorpus corpus = Imdb.load(locations, SplitOptions.defaults());
        TextEncoding e = TextEncoding.of(corpus, 2, VOCABULARY, MAX_TOKENS);
        return new TaskData(e.publicTrain().asTrimmedSequenceSource(), e.publicTest().asTrimmedSequenceSource(),
                e.privateTrain().asTrimmedSequenceSource(), e.privateTest().asTrimmedSequenceSource(),
                corpus.labelNames(), e.vocabulary().size(), "sequence," + e.fingerprint());
    }

    @Override
    public ComputationGraph buildBase(TaskData data, PretrainSettings settings) {
        var g = BaseGraphs.graph(settings).addInputs("tokens")
                .addLayer("embed", new EmbeddingSequenceLayer.Builder().nIn(data.inputSize()).nOut(EMBEDDING)
                        .inferInputLength(true).build(), "tokens")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "embed");
        ComputationGraph net = new ComputationGraph(BaseGraphs.denseStack(g, "pool", EMBEDDING, data.numClasses(),
                128, 64).build());
        net.init();
        return net;
    }

    @Override
    public String architecture() {
        return "embed64-avgpool-128-64-2/v2";
    }

    @Override
    public List<String> loraTargets() {
        return List.of("dense1", "dense2");
    }

    @Override
    public String head() {
        return BaseGraphs.HEAD;
    }

    @Override
    public PretrainSettings pretraining() {
        return new PretrainSettings(5, 64, 2e-3, 20021003L);
    }

    @Override
    public FineTuneDefaults fineTuneDefaults() {
        return new FineTuneDefaults(3, 1024, 512, 5e-3, 1.0);
    }

    @Override
    public boolean reportsBinaryMetrics() {
        return true;
    }
}
