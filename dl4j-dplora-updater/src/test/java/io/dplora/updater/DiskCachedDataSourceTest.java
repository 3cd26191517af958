package io.dplora.updater;

import io.dplora.accounting.AccountantType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.ViewIterator;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12: private data larger than memory, cached on disk once and read back by index. The same checks as the
 * in-memory path: the rows of any index list equal the in-memory source's (2D, and sequences with masks and integer
 * ids), a seeded DP run through the cache trains exactly like the DataSet path, and the cache's own file is the only
 * file it creates or deletes.
 */
class DiskCachedDataSourceTest {

    @TempDir
    Path dir;

    private static void assertSameRows(IndexedDataSource expected, IndexedDataSource actual, int[] indices) {
        DataSet e = expected.get(indices);
        DataSet a = actual.get(indices);
        INDArray[][] pairs = {{e.getFeatures(), a.getFeatures()}, {e.getLabels(), a.getLabels()},
            {e.getFeaturesMaskArray(), a.getFeaturesMaskArray()}, {e.getLabelsMaskArray(), a.getLabelsMaskArray()}};
        for (INDArray[] p : pairs) {
            if (p[0] == null) {
                assertNull(p[1]);
            } else {
                assertEquals(p[0].dataType(), p[1].dataType());
                assertEquals(p[0], p[1], "rows " + java.util.Arrays.toString(indices));
            }
        }
    }

    private static int[] randomIndices(Random r, int n, int count) {
        int[] idx = new int[count];
        for (int i = 0; i < count; i++) {
            idx[i] = r.nextInt(n);
        }
        return idx;
    }

    @Test
    void rowsEqualTheInMemorySourceFor2DData() {
        DataSet data = TestSupport.data(3, 37);
        try (DiskCachedDataSource disk = DiskCachedDataSource.fromIterator(new ViewIterator(data.copy(), 10), dir)) {
            InMemoryDataSource memory = new InMemoryDataSource(data);
            assertEquals(37, disk.size());
            Random r = new Random(1);
            for (int t = 0; t < 20; t++) {
                assertSameRows(memory, disk, randomIndices(r, 37, 1 + r.nextInt(12)));
            }
            assertSameRows(memory, disk, new int[] {36, 0, 36});
            assertThrows(IndexOutOfBoundsException.class, () -> disk.get(new int[] {37}));
        }
    }

    @Test
    void aBatchLargerThanTheWriteBufferIsWrittenInWholeRecords() {
        // 5,000 records of 4,008 bytes in one batch: more than the 16 MiB write buffer, so several chunks
        DataSet big = new DataSet(Nd4j.rand(DataType.FLOAT, 5000, 1000), Nd4j.rand(DataType.FLOAT, 5000, 2));
        try (DiskCachedDataSource disk = DiskCachedDataSource.fromIterator(new ViewIterator(big.copy(), 5000),
                dir)) {
            assertEquals(5000L * 4008, Files.size(disk.file()));
            assertSameRows(new InMemoryDataSource(big), disk, new int[] {0, 4185, 4186, 4187, 4999, 2093});
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void sequencesWithMasksAndIntegerIdsComeBackInTheirTypes() {
        int n = 9;
        int t = 6;
        INDArray ids = Nd4j.create(DataType.INT, n, 1, t);
        INDArray mask = Nd4j.zeros(DataType.FLOAT, n, t);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, n, 3, t);
        Random r = new Random(2);
        for (int i = 0; i < n; i++) {
            int len = 1 + r.nextInt(t);
            for (int s = 0; s < t; s++) {
                ids.putScalar(new int[] {i, 0, s}, 20_000_001 + 2 * r.nextInt(4_000_000)); // odd, > 2^24: not a FLOAT
                if (s < len) {
                    mask.putScalar(i, s, 1);
                    labels.putScalar(new int[] {i, r.nextInt(3), s}, 1);
                }
            }
        }
        DataSet data = new DataSet(ids, labels, mask, mask.dup());
        try (DiskCachedDataSource disk = DiskCachedDataSource.fromIterator(new ViewIterator(data.copy(), 4), dir)) {
            InMemoryDataSource memory = new InMemoryDataSource(data);
            Random pick = new Random(3);
            for (int k = 0; k < 10; k++) {
                assertSameRows(memory, disk, randomIndices(pick, n, 1 + pick.nextInt(5)));
            }
            assertEquals(DataType.INT, disk.get(new int[] {0}).getFeatures().dataType());
        }
    }

    @Test
    void aSeededRunThroughTheCacheTrainsExactlyLikeTheDataSet() {
        DataSet raw = TestSupport.data(3, 48);
        NormalizerStandardize publicNormaliser = new NormalizerStandardize();
        publicNormaliser.fit(TestSupport.data(99, 32)); // fitted on other (public) data
        ViewIterator it = new ViewIterator(raw.copy(), 10);
        it.setPreProcessor(publicNormaliser);
        DataSet expected = raw.copy();
        publicNormaliser.preProcess(expected);
        DPConfig config = DPConfig.builder().accountant(AccountantType.RDP).noiseMultiplier(1.0).delta(1e-5)
                .maxGradNorm(1.0).expectedBatchSize(8).steps(6).seed(11).build();

        ComputationGraph viaDataSet = TestSupport.loraGraph(5, new Sgd(0.1));
        PrivateTraining a = DPLoRA.makePrivate(viaDataSet, expected, config);
        a.fit();
        ComputationGraph viaDisk = TestSupport.loraGraph(5, new Sgd(0.1));
        try (DiskCachedDataSource disk = DiskCachedDataSource.fromIterator(it, dir)) {
            PrivateTraining b = DPLoRA.makePrivate(viaDisk, disk, config);
            b.fit();
            assertEquals(6, b.stepsTaken());
            assertEquals(48, b.budget().plan().datasetSize());
            assertEquals(a.ledger().totalSteps(), b.ledger().totalSteps());
            assertEquals(a.ledger().epsilon(1e-5, AccountantType.RDP), b.ledger().epsilon(1e-5, AccountantType.RDP));
        }
        assertTrue(viaDataSet.params().equalsWithEps(viaDisk.params(), 1e-6),
                "same examples, same sampling, same noise, same parameters");
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void theCacheCreatesOneNewFileAndDeletesOnlyIt() throws IOException {
        Path userFile = Files.writeString(dir.resolve("notes.txt"), "user data");
        DiskCachedDataSource disk = DiskCachedDataSource.fromIterator(new ViewIterator(TestSupport.data(3, 12), 5),
                dir);
        assertEquals(2, files().size());
        assertTrue(Files.size(disk.file()) > 0 && disk.file().getParent().equals(dir));
        disk.close();
        assertEquals(List.of(userFile), files());
        assertEquals("user data", Files.readString(userFile));
        assertThrows(IllegalStateException.class, () -> disk.get(new int[] {0}));
    }

    @Test
    void examplesOfDifferentShapesAreRefusedAndLeaveNoFile() throws IOException {
        DataSet a = new DataSet(Nd4j.rand(DataType.FLOAT, 3, 2, 5), Nd4j.rand(DataType.FLOAT, 3, 1, 5));
        DataSet b = new DataSet(Nd4j.rand(DataType.FLOAT, 3, 2, 7), Nd4j.rand(DataType.FLOAT, 3, 1, 7));
        org.nd4j.linalg.dataset.api.iterator.DataSetIterator two =
                new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(List.of(a, b), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DiskCachedDataSource.fromIterator(two, dir));
        assertTrue(e.getMessage().contains("batch 1") && e.getMessage().contains("one shape"), e.getMessage());
        assertTrue(files().isEmpty(), "the partial cache file is deleted");
        assertThrows(IllegalArgumentException.class,
                () -> DiskCachedDataSource.fromIterator(new ViewIterator(TestSupport.data(3, 4), 2),
                        dir.resolve("missing")));
        assertFalse(Files.exists(dir.resolve("missing")));
    }
}
