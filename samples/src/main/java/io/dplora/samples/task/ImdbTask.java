package io.dplora.samples.task;

import io.dplora.samples.data.DataLocations;
import io.dplora.samples.data.Imdb;
import io.dplora.samples.data.LabeledText;
import io.dplora.samples.data.SplitOptions;
import io.dplora.samples.data.TextCorpus;
import io.dplora.samples.run.ExampleRange;
import io.dplora.samples.run.FirstExamples;
import io.dplora.updater.IndexedDataSource;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToRnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.RnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.NoOp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.util.List;
import java.util.Locale;

/**
 * IMDb movie-review sentiment, the SST-2 analogue, in the usual DP fine-tuning setting: SCARCE public labelled data,
 * ABUNDANT private data.
 * <ul>
 *   <li>PUBLIC: one half of the deduplicated reviews. Its training reviews' TEXT gives the vocabulary (at most
 *       {@code vocabulary} ids, tokens seen at least twice; no labels involved), and only the first
 *       {@code labelledPublic} of them are used WITH their labels, to pretrain the base. The public test reviews
 *       report the base's own accuracy. No privacy claim is made about public data.</li>
 *   <li>PRIVATE: the other half (disjoint reviews): DP fine-tuning on its training reviews, the reported accuracy on
 *       its test reviews.</li>
 * </ul>
 *
 * <p>Model: token embeddings ({@code embedding} dims, first {@code maxTokens} tokens) -&gt; {@value #TOKEN_LAYER}: a
 * dense layer applied to every token (ReLU, {@code tokenWidth}) -&gt; masked average pooling over the real tokens
 * -&gt; {@value #POOLED_LAYER}: dense (ReLU, {@code pooledWidth}) -&gt; softmax over {negative, positive}. The base is
 * stock DL4J: the token layer is a DenseLayer between an RnnToFeedForward and a FeedForwardToRnn preprocessor;
 * {@code LoRA.apply} turns it into a LoRADenseLayer on native 3D sequences with the feature mask (padding never
 * reaches the pooled features, and per-example gradients sum over each review's own tokens).
 *
 * <p>Fine-tuning freezes the embeddings, puts LoRA on the token layer and on the pooled dense layer, and trains the
 * head.
 */
public final class ImdbTask implements Task {

    private static final Logger log = LoggerFactory.getLogger(ImdbTask.class);

    /** Name of the dense layer applied to every token (a 3D LoRA target). */
    static final String TOKEN_LAYER = "token";
    /** Name of the dense layer after the pooling (a 2D LoRA target). */
    static final String POOLED_LAYER = "dense1";
    static final int WORD_VECTOR_WINDOW = 5;
    static final int WORD_VECTOR_EPOCHS = 5;

    /**
     * The sizes of the task's data and model.
     *
     * @param vocabulary     most token ids (from the public training text)
     * @param maxTokens      T, tokens kept per review (the first T)
     * @param embedding      embedding width
     * @param tokenWidth     width of the token-level dense layer
     * @param pooledWidth    width of the dense layer after pooling
     * @param labelledPublic public training reviews used with their labels for pretraining (the first ones of the
     *                       shuffled public training split)
     */
    record Design(int vocabulary, int maxTokens, int embedding, int tokenWidth, int pooledWidth, int labelledPublic) {
    }

    static final Design DESIGN = new Design(20_000, 128, 32, 64, 64, 500);

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
        return String.format(Locale.ROOT, "IMDb sentiment, scarce public labels. Public: one half of the 49,578 "
                        + "deduplicated reviews; the text of its 19,831 training reviews gives the vocabulary, and "
                        + "only the first %,d of them are used with their labels (base pretraining). Private (DP "
                        + "fine-tuning): the other half (19,831 training and 4,958 test reviews). Model: embeddings "
                        + "(%d, first %d tokens) -> dense %d on every token -> masked mean pooling -> dense %d -> 2; "
                        + "fine-tuning freezes the embeddings, LoRA on the token-level dense layer (3D, masked) and "
                        + "on the pooled dense layer, head trained.", DESIGN.labelledPublic(), DESIGN.embedding(),
                DESIGN.maxTokens(), DESIGN.tokenWidth(), DESIGN.pooledWidth());
    }

    @Override
    public TaskData load(DataLocations locations) {
        return load(locations, false);
    }

    /** @param rehearsal whether to build the public rehearsal (see {@link #loadRehearsal}) instead of the task */
    private TaskData load(DataLocations locations, boolean rehearsal) {
        TextCorpus corpus = Imdb.load(locations, SplitOptions.defaults());
        TextEncoding e = TextEncoding.of(corpus, 2, DESIGN.vocabulary(), DESIGN.maxTokens());
        List<LabeledText> publicTexts = corpus.publicSplit().train();
        IndexedDataSource publicTrain = e.publicTrain().asTrimmedSequenceSource();
        IndexedDataSource publicTest = e.publicTest().asTrimmedSequenceSource();
        String fingerprint = "sequence," + e.fingerprint() + ",labelled-public=" + DESIGN.labelledPublic()
                + ",word-vector-text=public-train-untruncated";
        IndexedDataSource labelled = FirstExamples.of(publicTrain, DESIGN.labelledPublic());
        return rehearsal
                ? new TaskData(labelled, publicTest,
                        new ExampleRange(publicTrain, DESIGN.labelledPublic(), publicTrain.size()), publicTest,
                        corpus.labelNames(), e.vocabulary().size(), fingerprint, () -> e.untruncated(publicTexts))
                : new TaskData(labelled, publicTest, e.privateTrain().asTrimmedSequenceSource(),
                        e.privateTest().asTrimmedSequenceSource(), corpus.labelNames(), e.vocabulary().size(),
                        fingerprint, () -> e.untruncated(publicTexts));
    }

    /**
     * Same task, public data only: the rehearsal base is the real base (word vectors from the public text, the first
     * 500 labelled public reviews); rehearsal fine-tuning uses the other 19,331 public training reviews with their
     * labels and is scored on the public test reviews.
     */
    @Override
    public TaskData loadRehearsal(DataLocations locations) {
        return load(locations, true);
    }

    /**
     * The base before label training: the embedding holds word vectors learnt without labels from the unlabelled
     * public text ({@link PublicWordVectors}, seeded with the pretraining seed); the layers above are randomly
     * initialised. The embedding's NoOp updater does NOT keep it fixed in pretraining: DL4J 1.0.0-M2.1 applies a
     * NoOp layer's raw gradient (plain SGD at rate 1), so the word vectors are tuned along on the public labelled
     * reviews (public data only; in DP fine-tuning {@code LoRA.apply} freezes the embedding for real). Kept as is:
     * the published imdb results were made with this base. Without unlabelled text (tests) the embedding keeps its
     * random initialisation.
     */
    @Override
    public ComputationGraph buildBase(TaskData data, PretrainSettings settings) {
        var g = BaseGraphs.graph(settings).addInputs("tokens")
                .addLayer("embed", new EmbeddingSequenceLayer.Builder().nIn(data.inputSize())
                        .nOut(DESIGN.embedding()).inferInputLength(true).updater(new NoOp()).build(), "tokens")
                .addLayer(TOKEN_LAYER, new DenseLayer.Builder().nIn(DESIGN.embedding()).nOut(DESIGN.tokenWidth())
                        .activation(Activation.RELU).build(), new RnnToFeedForwardPreProcessor(RNNFormat.NCW), "embed")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(),
                        new FeedForwardToRnnPreProcessor(RNNFormat.NCW), TOKEN_LAYER);
        ComputationGraph net = new ComputationGraph(BaseGraphs.denseStack(g, "pool", DESIGN.tokenWidth(),
                data.numClasses(), DESIGN.pooledWidth()).build());
        net.init();
        List<int[]> text = data.unlabelledPublicText().get();
        if (!text.isEmpty()) {
            long start = System.nanoTime();
            log.info("learning {}-dimensional word vectors from {} unlabelled public reviews (word2vec, one thread)",
                    DESIGN.embedding(), text.size());
            net.getLayer("embed").getParam("W").assign(wordVectors(settings).train(text, data.inputSize()));
            log.info("word vectors learnt in {} s", String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
        }
        return net;
    }

    private PublicWordVectors wordVectors(PretrainSettings settings) {
        return new PublicWordVectors(DESIGN.embedding(), WORD_VECTOR_WINDOW, WORD_VECTOR_EPOCHS, settings.seed());
    }

    @Override
    public String architecture() {
        return String.format(Locale.ROOT, "w2v-sgns-win%d-ep%d/embed%d-frozen-token%d-maskedavg-%d-2/T%d/v3",
                WORD_VECTOR_WINDOW, WORD_VECTOR_EPOCHS, DESIGN.embedding(), DESIGN.tokenWidth(), DESIGN.pooledWidth(),
                DESIGN.maxTokens());
    }

    @Override
    public List<String> loraTargets() {
        return List.of(TOKEN_LAYER, POOLED_LAYER);
    }

    @Override
    public PretrainSettings pretraining() {
        return new PretrainSettings(10, 32, 2e-3, 20021003L);
    }

    @Override
    public FineTuneDefaults fineTuneDefaults() {
        // lr and epochs chosen on the public rehearsal (results/tuning/chosen.json), never on private data
        return new FineTuneDefaults(5, 512, 512, 3e-2, 1.0);
    }

    @Override
    public boolean reportsBinaryMetrics() {
        return true;
    }
}
