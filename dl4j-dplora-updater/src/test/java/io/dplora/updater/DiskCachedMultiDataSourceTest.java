package io.dplora.updater;

import io.dplora.accounting.AccountantType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12: MultiDataSetIterator data larger than memory, cached on disk once. The checks of the DataSet disk cache
 * through the MultiDataSet path: rows of any index list equal the in-memory source's (two inputs with INT ids and a
 * FLOAT sequence, masks on some arrays only, two labels), a seeded DP run through the cache with a pre-processor
 * trains like the pre-processed MultiDataSet in memory (same steps, ledger, epsilon, parameters), and the cache
 * creates and deletes only its own file, also when the data is refused.
 */
class DiskCachedMultiDataSourceTest {

    @TempDir
    Path dir;

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    /** n examples: INT ids [n, T] with a mask, a FLOAT sequence [n, 3, T], a class label and a masked sequence label */
    private static MultiDataSet sequences(int n, int t, long seed) {
        Random r = new Random(seed);
        INDArray ids = Nd4j.zeros(DataType.INT, n, t);
        INDArray idMask = Nd4j.zeros(DataType.FLOAT, n, t);
        INDArray seq = Nd4j.zeros(DataType.FLOAT, n, 3, t);
        INDArray cls = Nd4j.zeros(DataType.FLOAT, n, 2);
        INDArray seqLabel = Nd4j.zeros(DataType.FLOAT, n, 4, t);
        INDArray labelMask = Nd4j.zeros(DataType.FLOAT, n, t);
        for (int i = 0; i < n; i++) {
            int len = 1 + r.nextInt(t);
            for (int j = 0; j < len; j++) {
                ids.putScalar(new long[] {i, j}, 1 + r.nextInt(30000));
                idMask.putScalar(new long[] {i, j}, 1);
                labelMask.putScalar(new long[] {i, j}, 1);
                seqLabel.putScalar(new long[] {i, r.nextInt(4), j}, 1);
                for (int c = 0; c < 3; c++) {
                    seq.putScalar(new long[] {i, c, j}, (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4)));
                }
            }
            cls.putScalar(new long[] {i, r.nextInt(2)}, 1);
        }
        return new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[] {ids, seq}, new INDArray[] {cls, seqLabel},
                new INDArray[] {idMask, null}, new INDArray[] {null, labelMask});
    }

    private static void assertSameArrays(INDArray[] expected, INDArray[] actual, int[] indices) {
        if (expected == null) {
            assertNull(actual);
            return;
        }
        assertEquals(expected.length, actual.length);
        for (int k = 0; k < expected.length; k++) {
            if (expected[k] == null) {
                assertNull(actual[k]);
            } else {
                assertEquals(expected[k].dataType(), actual[k].dataType());
                assertEquals(expected[k], actual[k], "array " + k + ", rows " + Arrays.toString(indices));
            }
        }
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = from; i < to; i++) {
            r[i - from] = i;
        }
        return r;
    }

    /** The data as a user's iterator would hand it out: in batches of at most {@code size} examples. */
    private static MultiDataSetDPTest.ListIterator batches(IndexedMultiDataSource source, int size) {
        List<MultiDataSet> parts = new java.util.ArrayList<>();
        for (int from = 0; from < source.size(); from += size) {
            parts.add(source.get(range(from, Math.min(source.size(), from + size))));
        }
        return new MultiDataSetDPTest.ListIterator(parts);
    }

    @Test
    void rowsEqualTheInMemorySourceForIdsSequencesAndPartialMasks() {
        InMemoryMultiDataSource memory = new InMemoryMultiDataSource(sequences(23, 7, 2));
        try (DiskCachedMultiDataSource disk = DiskCachedMultiDataSource.fromIterator(batches(memory, 10), dir)) {
            assertEquals(23, disk.size());
            Random r = new Random(4);
            for (int trial = 0; trial < 20; trial++) {
                int[] indices = new int[1 + r.nextInt(12)];
                for (int i = 0; i < indices.length; i++) {
                    indices[i] = r.nextInt(23);
                }
                MultiDataSet e = memory.get(indices);
                MultiDataSet a = disk.get(indices);
                assertSameArrays(e.getFeatures(), a.getFeatures(), indices);
                assertSameArrays(e.getLabels(), a.getLabels(), indices);
                assertSameArrays(e.getFeaturesMaskArrays(), a.getFeaturesMaskArrays(), indices);
                assertSameArrays(e.getLabelsMaskArrays(), a.getLabelsMaskArrays(), indices);
            }
            assertThrows(IndexOutOfBoundsException.class, () -> disk.get(new int[] {23}));
            assertThrows(IllegalArgumentException.class, () -> disk.get(new int[0]));
        }
    }

    @Test
    void aSeededRunThroughTheCacheTrainsLikeTheMultiDataSetInMemory() {
        MultiDataSet raw = MultiDataSetDPTest.data(40);
        org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor scaleFirstInput = d -> d.getFeatures(0).muli(0.5);
        MultiDataSet expected = raw.copy();
        scaleFirstInput.preProcess(expected);
        MultiDataSetDPTest.ListIterator it = new MultiDataSetDPTest.ListIterator(MultiDataSetDPTest.split(raw, 12));
        it.setPreProcessor(scaleFirstInput);
        DPConfig config = DPConfig.builder().accountant(AccountantType.RDP).noiseMultiplier(1.0).delta(1e-5)
                .maxGradNorm(1.0).expectedBatchSize(8).steps(6).seed(17).build();

        ComputationGraph inMemory = MultiDataSetDPTest.twoInTwoOut(9);
        PrivateTraining a = DPLoRA.makePrivate(inMemory, expected, config);
        a.fit();
        ComputationGraph viaDisk = MultiDataSetDPTest.twoInTwoOut(9);
        try (DiskCachedMultiDataSource disk = DiskCachedMultiDataSource.fromIterator(it, dir)) {
            PrivateTraining b = DPLoRA.makePrivate(viaDisk, disk, config);
            b.fit();
            assertEquals(6, b.stepsTaken());
            assertEquals(40, b.budget().plan().datasetSize());
            assertEquals(a.ledger().totalSteps(), b.ledger().totalSteps());
            assertEquals(a.ledger().epsilon(1e-5, AccountantType.RDP), b.ledger().epsilon(1e-5, AccountantType.RDP));
            assertTrue(a.iterator().emptyLogicalBatches() == b.iterator().emptyLogicalBatches());
        }
        assertTrue(inMemory.params().equalsWithEps(viaDisk.params(), 1e-12),
                "same pre-processed examples, same sampling, same noise, same parameters");
        assertTrue(!inMemory.params().equalsWithEps(MultiDataSetDPTest.twoInTwoOut(9).params(), 1e-6),
                "the run changed the parameters");
    }

    @Test
    void theCacheCreatesOneNewFileAndDeletesOnlyIt() throws IOException {
        Path userFile = Files.writeString(dir.resolve("notes.txt"), "user data");
        InMemoryMultiDataSource memory = new InMemoryMultiDataSource(MultiDataSetDPTest.data(12));
        DiskCachedMultiDataSource disk = DiskCachedMultiDataSource.fromIterator(batches(memory, 5), dir);
        assertEquals(2, files().size());
        assertTrue(Files.size(disk.file()) > 0 && disk.file().getParent().equals(dir));
        disk.close();
        assertEquals(List.of(userFile), files());
        assertEquals("user data", Files.readString(userFile));
        assertThrows(IllegalStateException.class, () -> disk.get(new int[] {0}));
    }

    @Test
    void batchesWithOtherArraysOrShapesAreRefusedAndLeaveNoFile() throws IOException {
        MultiDataSet first = sequences(4, 7, 5);
        MultiDataSet longer = sequences(4, 9, 6);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> DiskCachedMultiDataSource.fromIterator(
                        new MultiDataSetDPTest.ListIterator(List.of(first, longer)), dir));
        assertTrue(shape.getMessage().contains("batch 1") && shape.getMessage().contains("input 0")
                && shape.getMessage().contains("one shape"), shape.getMessage());
        MultiDataSet oneInput = new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[] {first.getFeatures(0)},
                first.getLabels(), new INDArray[] {first.getFeaturesMaskArray(0)}, first.getLabelsMaskArrays());
        IllegalArgumentException arrays = assertThrows(IllegalArgumentException.class,
                () -> DiskCachedMultiDataSource.fromIterator(
                        new MultiDataSetDPTest.ListIterator(List.of(first, oneInput)), dir));
        assertTrue(arrays.getMessage().contains("batch 1") && arrays.getMessage().contains("same arrays"),
                arrays.getMessage());
        MultiDataSet noMask = new org.nd4j.linalg.dataset.MultiDataSet(first.getFeatures(), first.getLabels(), null,
                first.getLabelsMaskArrays());
        IllegalArgumentException mask = assertThrows(IllegalArgumentException.class,
                () -> DiskCachedMultiDataSource.fromIterator(
                        new MultiDataSetDPTest.ListIterator(List.of(first, noMask)), dir));
        assertTrue(mask.getMessage().contains("input mask 0"), mask.getMessage());
        assertTrue(files().isEmpty(), "the partial cache files are deleted");
        assertThrows(IllegalArgumentException.class, () -> DiskCachedMultiDataSource.fromIterator(
                new MultiDataSetDPTest.ListIterator(List.of(first)), dir.resolve("missing")));
        assertTrue(!Files.exists(dir.resolve("missing")));
    }
}
