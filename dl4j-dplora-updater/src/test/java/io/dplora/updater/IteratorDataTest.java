package io.dplora.updater;

import io.dplora.accounting.AccountantType;
import org.nd4j.linalg.dataset.ViewIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.nd4j.linalg.learning.config.Sgd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12: private data as a DL4J DataSetIterator. It is materialised in memory (the iterator's pre-processor
 * applied), and a seeded run through the iterator path samples and trains exactly as through the DataSet path.
 */
class IteratorDataTest {

    private static DPConfig config() {
        return DPConfig.builder().accountant(AccountantType.RDP).noiseMultiplier(1.0).delta(1e-5).maxGradNorm(1.0)
                .expectedBatchSize(8).steps(6).seed(11).build();
    }

    @Test
    void anIteratorWithAPreProcessorTrainsExactlyLikeThePreprocessedDataSet() {
        DataSet raw = TestSupport.data(3, 48);
        NormalizerStandardize publicNormaliser = new NormalizerStandardize();
        publicNormaliser.fit(TestSupport.data(99, 32)); // fitted on other (public) data
        ViewIterator it = new ViewIterator(raw.copy(), 10);
        it.setPreProcessor(publicNormaliser);

        DataSet expected = raw.copy();
        publicNormaliser.preProcess(expected);
        ComputationGraph viaDataSet = TestSupport.loraGraph(5, new Sgd(0.1));
        DPLoRA.makePrivate(viaDataSet, expected, config()).fit();
        ComputationGraph viaIterator = TestSupport.loraGraph(5, new Sgd(0.1));
        PrivateTraining t = DPLoRA.makePrivate(viaIterator, it, config());
        t.fit();
        assertEquals(6, t.stepsTaken());
        assertEquals(48, t.budget().plan().datasetSize());
        assertTrue(viaDataSet.params().equalsWithEps(viaIterator.params(), 1e-6),
                "same examples, same sampling, same noise, same parameters");
    }

    @Test
    void dataBeyondTheMemoryLimitIsRefusedNamingTheLimit() {
        ViewIterator it = new ViewIterator(TestSupport.data(3, 48), 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InMemoryDataSource.fromIterator(it, 100));
        assertTrue(e.getMessage().contains("100 bytes") && e.getMessage().contains("IndexedDataSource"),
                e.getMessage());
    }
}
