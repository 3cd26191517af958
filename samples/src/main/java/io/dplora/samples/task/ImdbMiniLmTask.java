package io.dplora.samples.task;

import io.dplora.samples.data.DataLocations;
import io.dplora.samples.data.EncodedTexts;
import io.dplora.samples.data.Imdb;
import io.dplora.samples.data.LabeledText;
import io.dplora.samples.data.SplitOptions;
import io.dplora.samples.data.TextCorpus;
import io.dplora.samples.data.WordPieceEncoder;
import io.dplora.transformers.BertConfig;
import io.dplora.transformers.BertGraph;
import io.dplora.transformers.MiniLM;
import io.dplora.transformers.Truncation;
import io.dplora.transformers.WordPieceTokenizer;
import io.dplora.updater.IndexedDataSource;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.Adam;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * IMDb sentiment with a REAL pretrained transformer: sentence-transformers all-MiniLM-L6-v2 (6 layers, hidden 384,
 * 22.6 M parameters, imported from its ONNX export by {@code BertImport}) is the public model, LoRA goes on the
 * query and value projections of every attention block, and DP-SGD fine-tunes the adapters and the classifier on
 * private reviews.
 * <ul>
 *   <li>PUBLIC: the imdb task's public half. Its first {@value #LABELLED_PUBLIC} training reviews (the same reviews
 *       the imdb task uses with labels) fit the classifier on the frozen encoder's mean-pooled embeddings (logistic
 *       regression, non-private); the first {@value #TEST_REVIEWS} public test reviews report its accuracy.</li>
 *   <li>PRIVATE: the imdb task's private half: DP fine-tuning on its first {@code privateTrain} training reviews
 *       (an option, default {@value #DEFAULT_PRIVATE_TRAIN}), accuracy on its first {@value #TEST_REVIEWS} test
 *       reviews (a fixed subset, so a run's evaluation does not cost more than its training).</li>
 * </ul>
 *
 * <p>Text: the model's own WordPiece tokenizer ({@code [CLS] pieces [SEP]}), at most {@code maxTokens} ids per review,
 * truncated as {@link Truncation} says; reviews are tokenised once per run and batches are padded only to their
 * longest review (the padding mask is the feature mask of {@code input_ids}).
 *
 * <p>Sizes are options because the cost of a real transformer on a CPU grows with them: see the defaults' measured
 * time in README.
 */
public final class ImdbMiniLmTask implements Task {

    private static final Logger log = LoggerFactory.getLogger(ImdbMiniLmTask.class);

    /** Public training reviews used with their labels (the classifier's initialisation). */
    static final int LABELLED_PUBLIC = 500;
    /** Public and private test reviews scored (the first ones of each test split). */
    static final int TEST_REVIEWS = 1000;
    /** Default number of private training reviews. */
    public static final int DEFAULT_PRIVATE_TRAIN = 2000;
    /** Default T: ids per review, [CLS] and [SEP] included. */
    public static final int DEFAULT_MAX_TOKENS = 128;
    /** Examples per forward pass when the public features are computed. */
    private static final int FEATURE_BATCH = 32;

    private final int maxTokens;
    private final Truncation truncation;
    private final int privateTrain;

    /** The task with its default sizes. */
    public ImdbMiniLmTask() {
        this(DEFAULT_MAX_TOKENS, Truncation.HEAD, DEFAULT_PRIVATE_TRAIN);
    }

    /**
     * @param maxTokens    T, ids per review (3..512, the model's positions)
     * @param truncation   which pieces of a longer review are kept
     * @param privateTrain private training reviews used (1..19,831)
     */
    public ImdbMiniLmTask(int maxTokens, Truncation truncation, int privateTrain) {
        int positions = MiniLM.config().maxPositions();
        if (maxTokens < 3 || maxTokens > positions) {
            throw new IllegalArgumentException("--max-tokens must be in [3, " + positions + "] (the model's "
                    + "positions), got " + maxTokens);
        }
        if (privateTrain < 1) {
            throw new IllegalArgumentException("--private-train must be >= 1, got " + privateTrain);
        }
        this.maxTokens = maxTokens;
        this.truncation = Objects.requireNonNull(truncation, "truncation");
        this.privateTrain = privateTrain;
    }

    @Override
    public String name() {
        return "imdb-minilm";
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
        return String.format(Locale.ROOT, "IMDb sentiment with the pretrained all-MiniLM-L6-v2 (6 layers, hidden 384, "
                        + "imported from ONNX): LoRA on query and value of every attention block, masked mean pooling, "
                        + "softmax classifier. Public: the imdb task's public half; the classifier is initialised by "
                        + "logistic regression on the frozen encoder's embeddings of its first %d labelled training "
                        + "reviews. Private (DP fine-tuning): the first %,d private training reviews, accuracy on the "
                        + "first %,d private test reviews. WordPiece ids, T = %d, %s truncation.", LABELLED_PUBLIC,
                privateTrain, TEST_REVIEWS, maxTokens, truncation.name().toLowerCase(Locale.ROOT).replace('_', '+'));
    }

    @Override
    public TaskData load(DataLocations locations) {
        return load(locations, false);
    }

    @Override
    public TaskData loadRehearsal(DataLocations locations) {
        return load(locations, true);
    }

    private TaskData load(DataLocations locations, boolean rehearsal) {
        TextCorpus corpus = Imdb.load(locations, SplitOptions.defaults());
        WordPieceEncoder encoder = new WordPieceEncoder(tokenizer(), maxTokens, truncation);
        int c = corpus.numClasses();
        List<LabeledText> publicTrain = corpus.publicSplit().train();
        long start = System.nanoTime();
        EncodedTexts labelled = encoder.encode("imdb/public/train-labelled", first(publicTrain, 0, LABELLED_PUBLIC), c);
        EncodedTexts publicTest = encoder.encode("imdb/public/test", first(corpus.publicSplit().test(), 0,
                TEST_REVIEWS), c);
        EncodedTexts train = rehearsal
                ? encoder.encode("imdb/public/train-rehearsal", first(publicTrain, LABELLED_PUBLIC, privateTrain), c)
                : encoder.encode("imdb/private/train", first(corpus.privateSplit().train(), 0, privateTrain), c);
        EncodedTexts test = rehearsal ? publicTest
                : encoder.encode("imdb/private/test", first(corpus.privateSplit().test(), 0, TEST_REVIEWS), c);
        log.info("tokenised {} reviews with the MiniLM WordPiece tokenizer in {} s ({} of the training reviews "
                        + "longer than T = {})", labelled.size() + publicTest.size() + train.size()
                        + (rehearsal ? 0 : test.size()), String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9),
                train.truncatedCount(), maxTokens);
        String fingerprint = "wordpiece=" + MiniLM.TOKENIZER_RESOURCE + ",T=" + maxTokens + ",truncation=" + truncation
                + ",labelled-public=" + LABELLED_PUBLIC + ",public-test=" + TEST_REVIEWS;
        return new TaskData(labelled.asTrimmedSequenceSource(), publicTest.asTrimmedSequenceSource(),
                train.asTrimmedSequenceSource(), test.asTrimmedSequenceSource(), corpus.labelNames(),
                tokenizerVocabulary(), fingerprint);
    }

    private static List<LabeledText> first(List<LabeledText> texts, int from, int count) {
        if (from + count > texts.size()) {
            throw new IllegalArgumentException("the split has " + texts.size() + " reviews; " + (from + count)
                    + " were asked for (reduce --private-train)");
        }
        return new ArrayList<>(texts.subList(from, from + count));
    }

    private static WordPieceTokenizer tokenizer() {
        try {
            return MiniLM.tokenizer();
        } catch (IOException e) {
            throw new UncheckedIOException("the MiniLM tokenizer could not be read: " + e.getMessage(), e);
        }
    }

    private static int tokenizerVocabulary() {
        return MiniLM.config().vocabSize();
    }

    /**
     * The pretrained encoder with masked mean pooling and a softmax classifier whose weights are fitted here, on the
     * public labelled reviews only ({@link FrozenFeatureHead}): the encoder is frozen during that fit, so the fit
     * runs on its pooled embeddings, computed once.
     */
    @Override
    public ComputationGraph buildBase(TaskData data, PretrainSettings settings) {
        BertConfig config = MiniLM.config();
        ComputationGraph net;
        try {
            net = BertGraph.withClassifier(MiniLM.encoder(), config, data.numClasses(),
                    new Adam(settings.learningRate()));
        } catch (IOException e) {
            throw new UncheckedIOException("all-MiniLM-L6-v2 could not be loaded: " + e.getMessage(), e);
        }
        frozenFeatureHead().fit(net, data.publicTrain(), settings);
        return net;
    }

    /** The classifier on the masked mean pooling of the frozen encoder. */
    @Override
    public FrozenFeatureHead frozenFeatureHead() {
        return new FrozenFeatureHead(BertGraph.POOLER, BertGraph.CLASSIFIER, FEATURE_BATCH);
    }

    @Override
    public int evaluationBatch() {
        return FEATURE_BATCH;
    }

    @Override
    public boolean buildBaseTrainsHead() {
        return true;
    }

    @Override
    public String architecture() {
        return "all-minilm-l6-v2/langchain4j-1.19.0-beta29/meanpool/logreg-head-on-frozen-features/v1";
    }

    /** @return query and value of every encoder block, by their Hugging Face module names */
    @Override
    public List<String> loraTargets() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < MiniLM.config().layers(); i++) {
            out.add(BertGraph.module(i, "attention.self.query"));
            out.add(BertGraph.module(i, "attention.self.value"));
        }
        return out;
    }

    @Override
    public String head() {
        return BertGraph.CLASSIFIER;
    }

    /** Logistic regression of the head on the public embeddings: full-batch Adam (settings chosen on public data). */
    @Override
    public PretrainSettings pretraining() {
        return new PretrainSettings(300, LABELLED_PUBLIC, 1e-2, 20021003L);
    }

    @Override
    public FineTuneDefaults fineTuneDefaults() {
        // lr 5e-3 (Adam): the best of 1e-3 / 2e-3 / 5e-3 in the public rehearsal (imdb-minilm-rehearsal, public data
        // only: results/tuning/imdb-minilm-rehearsal-lr.json; the a-priori choice was 2e-3, the usual LoRA rate for
        // BERT-size encoders); E = 64 and 2 epochs give 63 logical steps on the 2,000 default reviews and about 10
        // minutes a run on 2 cores
        return new FineTuneDefaults(2, 64, 16, 5e-3, 1.0);
    }

    @Override
    public boolean reportsBinaryMetrics() {
        return true;
    }

    @Override
    public Task withTextOptions(Integer maxTokens, Truncation truncation, Integer privateTrain) {
        return new ImdbMiniLmTask(maxTokens != null ? maxTokens : this.maxTokens,
                truncation != null ? truncation : this.truncation,
                privateTrain != null ? privateTrain : this.privateTrain);
    }

    /** @return T */
    public int maxTokens() {
        return maxTokens;
    }
}
