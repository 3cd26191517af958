package io.dplora.transformers;

import io.dplora.layers.LoRAMode;
import io.dplora.updater.DPConfig;
import io.dplora.updater.DPLoRA;
import io.dplora.updater.PrivateTraining;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transformer through the real DP step in FLOAT: the guard accepts the graph (ids with the padding mask as feature mask), and the
 * audit's FLOAT cancellation canary, rebuilt inside the encoder, moves the released clipped sum by at most C.
 */
class BertDPTrainingTest {

    private static final DataType F = DataType.FLOAT;
    private static final double C = 1.0;

    /** Tokens 5 and 6 embed as +-2^20 e0 + 150 e1: alternating them makes the LoRA inputs cancel (see class doc). */
    private static ComputationGraph adversarialModel() {
        ComputationGraph net = TinyBert.classifier(F, 31, LoRAMode.VANILLA, "query", "value");
        INDArray word = net.getLayer(BertGraph.EMBEDDINGS).getParam(BertEmbeddingLayer.WORD);
        for (int sign : new int[]{1, -1}) {
            INDArray row = word.getRow(sign > 0 ? 5 : 6);
            row.assign(0);
            row.putScalar(0, sign * 0x1p20);
            row.putScalar(1, 150.0);
        }
        net.getLayer(BertGraph.EMBEDDINGS).getParam(BertEmbeddingLayer.POSITION).assign(0);
        net.getLayer(BertGraph.EMBEDDINGS).getParam(BertEmbeddingLayer.TOKEN_TYPE).assign(0);
        return net;
    }

    private static MultiDataSet data(int ordinary, boolean canary) {
        MultiDataSet d = TinyBert.batch(F, 32, 20, ordinary > 0 ? new int[]{20, 12, 7, 15}.clone() : new int[0]);
        int n = ordinary + (canary ? 1 : 0);
        INDArray ids = Nd4j.zeros(F, n, 20);
        INDArray mask = Nd4j.zeros(F, n, 20);
        INDArray y = Nd4j.zeros(F, n, 3);
        for (int i = 0; i < ordinary; i++) {
            ids.putRow(i, d.getFeatures(0).getRow(i));
            mask.putRow(i, d.getFeaturesMaskArray(0).getRow(i));
            y.putRow(i, d.getLabels(0).getRow(i));
        }
        if (canary) {
            for (int t = 0; t < 20; t++) {
                ids.putScalar(n - 1, t, t % 2 == 0 ? 5 : 6);
                mask.putScalar(n - 1, t, 1);
            }
            y.putScalar(n - 1, 2, 1);
        }
        return new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[]{ids}, new INDArray[]{y}, new INDArray[]{mask},
                null);
    }

    /** @return the clipped sum one noise-free DP step with q = 1, E = N and SGD(1) releases */
    private static double[] released(MultiDataSet data) {
        ComputationGraph net = adversarialModel();
        int n = (int) data.getFeatures(0).size(0);
        PrivateTraining t = DPLoRA.makePrivate(net, data, DPConfig.builder().noiseMultiplier(0.0).delta(1e-5)
                .maxGradNorm(C).expectedBatchSize(n).steps(1).seed(5).build());
        double[] before = net.params().toDoubleVector();
        t.fit();
        assertEquals(1, t.stepsTaken());
        double[] after = net.params().toDoubleVector();
        double[] moved = new double[before.length];
        for (int j = 0; j < moved.length; j++) {
            moved[j] = (before[j] - after[j]) * n;
        }
        return moved;
    }

    private static double norm(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    @Test
    void theFloatCancellationCanaryMovesTheReleasedSumByAtMostC() {
        double[] without = released(data(4, false));
        double[] with = released(data(4, true));
        double[] shift = new double[with.length];
        for (int j = 0; j < shift.length; j++) {
            shift[j] = with[j] - without[j];
        }
        double s = norm(shift);
        assertTrue(s <= C * (1 + 1e-6), "adding the canary moved the clipped sum by " + s + " > C");
        double alone = norm(released(data(0, true)));
        assertTrue(alone <= C * (1 + 1e-6) && alone > 0.5 * C, "canary alone released " + alone);
    }
}
