package io.dplora.samples.task;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Word vectors from unlabelled sequences: words that share contexts end up closer than words that never do (the
 * distributional property word2vec is for), the result is reproducible for a seed, and ids absent from the text get
 * zero rows.
 */
class PublicWordVectorsTest {

    private static final int[] TOPIC_A = {2, 3, 4, 5};
    private static final int[] TOPIC_B = {6, 7, 8, 9};

    /** 1,500 sequences of 20 words, each drawn from one of two disjoint topics; ids 0, 1, 10 and 11 never occur. */
    private static List<int[]> corpus() {
        Random r = new Random(5);
        List<int[]> out = new ArrayList<>();
        for (int s = 0; s < 1500; s++) {
            int[] topic = s % 2 == 0 ? TOPIC_A : TOPIC_B;
            int[] seq = new int[20];
            for (int t = 0; t < seq.length; t++) {
                seq[t] = topic[r.nextInt(topic.length)];
            }
            out.add(seq);
        }
        return out;
    }

    private static double cosine(INDArray m, int i, int j) {
        INDArray a = m.getRow(i);
        INDArray b = m.getRow(j);
        return a.mul(b).sumNumber().doubleValue() / (a.norm2Number().doubleValue() * b.norm2Number().doubleValue());
    }

    @Test
    void wordsSharingContextsAreCloserAndTheResultIsReproducible() {
        PublicWordVectors w = new PublicWordVectors(8, 3, 5, 11);
        INDArray m = w.train(corpus(), 12);
        assertEquals(List.of(12L, 8L), List.of(m.size(0), m.size(1)));
        double within = 0;
        double across = 0;
        int nWithin = 0;
        for (int i = 2; i <= 9; i++) {
            for (int j = i + 1; j <= 9; j++) {
                boolean same = (i <= 5) == (j <= 5);
                if (same) {
                    within += cosine(m, i, j);
                    nWithin++;
                } else {
                    across += cosine(m, i, j);
                }
            }
        }
        within /= nWithin;
        across /= 16;
        assertTrue(within > across + 0.3, "mean cosine within topics " + within + " vs across " + across);
        for (int absent : new int[]{0, 1, 10, 11}) {
            assertEquals(0.0, m.getRow(absent).norm2Number().doubleValue(), "id " + absent + " never occurs");
        }
        assertEquals(m, w.train(corpus(), 12), "same text and seed, same vectors");
    }

    @Test
    void idsOutsideTheVocabularyAreRefused() {
        PublicWordVectors w = new PublicWordVectors(4, 2, 1, 1);
        assertThrows(IllegalArgumentException.class, () -> w.train(List.<int[]>of(new int[]{1, 12}), 12));
        assertThrows(IllegalArgumentException.class, () -> new PublicWordVectors(0, 2, 1, 1));
    }
}
