package io.dplora.samples.run;

import io.dplora.updater.IndexedDataSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every pass is a permutation of all examples; passes differ; the seed fixes the order; --limit keeps a prefix. */
class ShuffledBatchesTest {

    /** Example i has the single feature i. */
    private static IndexedDataSource identity(int n) {
        return new IndexedDataSource() {
            @Override
            public int size() {
                return n;
            }

            @Override
            public DataSet get(int[] indices) {
                float[] f = new float[indices.length];
                for (int j = 0; j < f.length; j++) {
                    f[j] = indices[j];
                }
                return new DataSet(Nd4j.createFromArray(f).reshape(f.length, 1),
                        Nd4j.ones(DataType.FLOAT, f.length, 1));
            }
        };
    }

    private static List<Integer> pass(ShuffledBatches b) {
        List<Integer> seen = new ArrayList<>();
        while (b.hasNext()) {
            DataSet ds = b.next();
            for (int j = 0; j < ds.numExamples(); j++) {
                seen.add((int) ds.getFeatures().getFloat(j, 0));
            }
        }
        b.reset();
        return seen;
    }

    @Test
    void eachPassVisitsEveryExampleOnceInANewOrder() {
        ShuffledBatches b = new ShuffledBatches(identity(103), 10, 5);
        assertEquals(11, b.batchesPerEpoch());
        List<Integer> first = pass(b);
        List<Integer> second = pass(b);
        assertEquals(103, first.size());
        assertEquals(first.stream().sorted().toList(), java.util.stream.IntStream.range(0, 103).boxed().toList());
        assertEquals(second.stream().sorted().toList(), first.stream().sorted().toList());
        assertNotEquals(first, second);
        assertEquals(first, pass(new ShuffledBatches(identity(103), 10, 5)), "same seed, same order");
    }

    @Test
    void firstExamplesKeepsAPrefixAndRejectsIndicesBeyondIt() {
        IndexedDataSource s = FirstExamples.of(identity(50), 7);
        assertEquals(7, s.size());
        assertEquals(6f, s.get(new int[] {6}).getFeatures().getFloat(0, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> s.get(new int[] {7}));
        IndexedDataSource all = identity(5);
        assertEquals(all, FirstExamples.of(all, null));
        assertEquals(all, FirstExamples.of(all, 9));
    }
}
