package io.dplora.samples.task;

import io.dplora.samples.data.DataLocations;
import io.dplora.transformers.BertGraph;
import io.dplora.transformers.MiniLM;
import io.dplora.transformers.Truncation;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The imdb-minilm task on the real reviews: split sizes, the model's [CLS]/[SEP] framing, T, padding masks and
 * one-hot labels of its batches; the rehearsal uses public reviews only; every LoRA target and the head exist in the
 * MiniLM classifier graph.
 */
class ImdbMiniLmTaskTest {

    private static final int T = 48;
    private static TaskData data;
    private static TaskData rehearsal;

    @BeforeAll
    static void load() {
        DataLocations loc = DataLocations.defaults();
        assertTrue(loc.allPresent(), () -> "the real data sets are missing under " + loc.root()
                + ": run scripts/fetch-data.sh first (CI does)");
        ImdbMiniLmTask task = new ImdbMiniLmTask(T, Truncation.HEAD_TAIL, 64);
        data = task.load(loc);
        rehearsal = new RehearsalTask(task).load(loc);
    }

    @Test
    void splitsHaveTheDocumentedSizes() {
        assertEquals(ImdbMiniLmTask.LABELLED_PUBLIC, data.publicTrain().size());
        assertEquals(ImdbMiniLmTask.TEST_REVIEWS, data.publicTest().size());
        assertEquals(64, data.privateTrain().size());
        assertEquals(ImdbMiniLmTask.TEST_REVIEWS, data.privateTest().size());
        assertEquals(2, data.numClasses());
        assertEquals(MiniLM.config().vocabSize(), data.inputSize());
    }

    @Test
    void batchesAreClsPiecesSepPaddedToTheirLongestReviewUnderTheMask() {
        int[] idx = new int[64];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        DataSet b = data.privateTrain().get(idx);
        INDArray ids = b.getFeatures();
        INDArray mask = b.getFeaturesMaskArray();
        assertNotNull(mask);
        assertTrue(ids.size(1) <= T, "longer than T: " + ids.size(1));
        int longest = 0;
        for (int i = 0; i < idx.length; i++) {
            int len = mask.getRow(i).sumNumber().intValue();
            longest = Math.max(longest, len);
            assertTrue(len >= 3, "a review needs [CLS], a piece and [SEP]");
            assertEquals(101, ids.getInt(i, 0), "[CLS] first");
            assertEquals(102, ids.getInt(i, len - 1), "[SEP] last");
            for (int t = 0; t < ids.size(1); t++) {
                assertEquals(t < len ? 1.0 : 0.0, mask.getDouble(i, t), "mask is a prefix of ones");
                if (t >= len) {
                    assertEquals(0, ids.getInt(i, t), "padding is [PAD] = 0");
                }
            }
            assertEquals(1.0, b.getLabels().getRow(i).sumNumber().doubleValue(), 0.0, "one-hot label");
        }
        assertEquals(ids.size(1), longest, "a batch is padded only to its longest review");
        assertEquals(T, longest, "most IMDb reviews are longer than 48 pieces");
    }

    @Test
    void theRehearsalUsesPublicReviewsOnly() {
        // rehearsal "private" training reviews come after the 500 labelled public ones; its test split is the
        // public test split; so no private review can be among them
        assertEquals(64, rehearsal.privateTrain().size());
        assertEquals(data.publicTest().get(new int[]{0, 1, 2}).getFeatures(),
                rehearsal.privateTest().get(new int[]{0, 1, 2}).getFeatures());
        Set<String> privateRows = new HashSet<>();
        for (int i = 0; i < 64; i++) {
            privateRows.add(data.privateTrain().get(new int[]{i}).getFeatures().toString());
        }
        int shared = 0;
        for (int i = 0; i < 64; i++) {
            shared += privateRows.contains(rehearsal.privateTrain().get(new int[]{i}).getFeatures().toString()) ? 1 : 0;
        }
        assertEquals(0, shared, "rehearsal reviews must not be private reviews");
    }

    @Test
    void targetsAndHeadAreLayersOfTheMiniLmClassifier() throws Exception {
        ImdbMiniLmTask task = new ImdbMiniLmTask();
        ComputationGraph net = BertGraph.withClassifier(MiniLM.encoder(), MiniLM.config(), 2, new Adam(1e-3));
        List<String> targets = task.loraTargets();
        assertEquals(12, targets.size());
        for (String t : targets) {
            assertNotNull(net.getLayer(t), "no layer " + t);
            assertTrue(t.endsWith("attention.self.query") || t.endsWith("attention.self.value"), t);
        }
        assertNotNull(net.getLayer(task.head()));
    }

    @Test
    void theConvergedProbeFitsTheHeadOnFrozenFeaturesOnlyAndSeparatesItsTrainingReviews() throws Exception {
        ImdbMiniLmTask task = new ImdbMiniLmTask(T, Truncation.HEAD_TAIL, 64);
        ComputationGraph net = BertGraph.withClassifier(MiniLM.encoder(), MiniLM.config(), 2, new Adam(1e-3));
        INDArray before = net.params().dup();
        String head = task.head();
        long headParams = net.getLayer(head).numParams();
        double untrained = accuracy(net, data.privateTrain());
        double loss = task.frozenFeatureHead().fit(net, data.privateTrain(), new PretrainSettings(200, 64, 1e-2, 5L));
        INDArray after = net.params();
        long headStart = after.length() - headParams; // the classifier is the graph's last layer
        assertTrue(before.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, headStart))
                .equals(after.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, headStart))),
                "the encoder is unchanged: only the head is fitted");
        double fitted = accuracy(net, data.privateTrain());
        assertTrue(fitted >= 0.9 && fitted > untrained, "logistic regression separates 64 reviews in 384 "
                + "dimensions: " + untrained + " -> " + fitted + " (loss " + loss + ")");
        assertTrue(loss < Math.log(2), "below chance-level cross-entropy: " + loss);
    }

    private static double accuracy(ComputationGraph net, io.dplora.updater.IndexedDataSource source) {
        int[] idx = new int[source.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        DataSet d = source.get(idx);
        INDArray out = net.output(false, new INDArray[] {d.getFeatures()}, new INDArray[] {d.getFeaturesMaskArray()})[0];
        int right = 0;
        for (int i = 0; i < idx.length; i++) {
            right += out.getRow(i).argMax().getInt(0) == d.getLabels().getRow(i).argMax().getInt(0) ? 1 : 0;
        }
        return right / (double) idx.length;
    }

    @Test
    void optionsOutsideTheModelAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImdbMiniLmTask(513, Truncation.HEAD, 10));
        assertTrue(e.getMessage().contains("--max-tokens"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ImdbTask().withTextOptions(64, null, null));
        assertTrue(e.getMessage().contains("imdb-minilm"), e.getMessage());
    }
}
