package io.dplora.samples.run;

import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Accuracy, balanced accuracy and F1 against hand-computed values and against DL4J's own Evaluation. */
class ClassificationMetricsTest {

    @Test
    void binaryExampleMatchesHandComputedValues() {
        // truth: 6 ham (0), 4 spam (1); predictions: 5 ham right, 1 ham called spam, 3 spam right, 1 spam missed
        int[] truth = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1};
        int[] pred = {0, 0, 0, 0, 0, 1, 1, 1, 1, 0};
        ClassificationMetrics m = ClassificationMetrics.of(truth, pred, 2);
        assertEquals(0.8, m.accuracy(), 1e-15);
        assertEquals((5.0 / 6 + 3.0 / 4) / 2, m.balancedAccuracy(), 1e-15);
        // TP 3, FP 1, FN 1: F1 = 6 / 8
        assertEquals(0.75, m.f1(1), 1e-15);
        // ham as positive: TP 5, FP 1, FN 1
        assertEquals(10.0 / 12, m.f1(0), 1e-15);
        assertEquals(10, m.count());
    }

    @Test
    void agreesWithDl4jEvaluationOnRandomMulticlassPredictions() {
        Random r = new Random(7);
        int n = 997;
        int c = 5;
        int[] truth = new int[n];
        int[] pred = new int[n];
        INDArray labels = Nd4j.zeros(DataType.FLOAT, n, c);
        INDArray out = Nd4j.zeros(DataType.FLOAT, n, c);
        for (int i = 0; i < n; i++) {
            truth[i] = r.nextInt(c);
            pred[i] = r.nextDouble() < 0.6 ? truth[i] : r.nextInt(c);
            labels.putScalar(i, truth[i], 1.0);
            out.putScalar(i, pred[i], 1.0);
        }
        Evaluation e = new Evaluation(c);
        e.eval(labels, out);
        ClassificationMetrics m = ClassificationMetrics.of(truth, pred, c);
        assertEquals(e.accuracy(), m.accuracy(), 1e-12);
        double meanRecall = 0;
        for (int k = 0; k < c; k++) {
            meanRecall += e.recall(k) / c;
            assertEquals(e.f1(k), m.f1(k), 1e-12, "F1 of class " + k);
        }
        assertEquals(meanRecall, m.balancedAccuracy(), 1e-12);
    }

    @Test
    void noTruePositivesGiveF1ZeroAndAbsentClassesAreLeftOutOfBalancedAccuracy() {
        ClassificationMetrics m = ClassificationMetrics.of(new int[] {0, 0, 0}, new int[] {0, 1, 0}, 2);
        assertEquals(0.0, m.f1(1));
        assertEquals(2.0 / 3, m.balancedAccuracy(), 1e-15);
    }

    @Test
    void rejectsMalformedInput() {
        assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.of(new int[] {0}, new int[] {}, 2));
        assertThrows(IllegalArgumentException.class, () -> new ClassificationMetrics(new long[][] {{0, 0}, {0, 0}}));
        assertThrows(IllegalArgumentException.class, () -> new ClassificationMetrics(new long[][] {{1, 0}, {0}}));
    }
}
