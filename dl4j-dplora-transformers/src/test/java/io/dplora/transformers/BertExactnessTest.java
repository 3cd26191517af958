package io.dplora.transformers;

import io.dplora.layers.LoRAMode;
import io.dplora.layers.grad.PerExampleGradientLoop;
import io.dplora.layers.grad.PerExampleGradients;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exactness of the transformer on a tiny random BERT in double: backprop against central finite differences (
 * through attention, LayerNorm, exact GELU, residuals and masked pooling, padding included), per-example norms and
 * book-keeping clipped sums against one backward pass per example, and independence from padding and batch mates.
 */
class BertExactnessTest {

    private static final DataType D = DataType.DOUBLE;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(D, D);
    }

    @ParameterizedTest
    @EnumSource(LoRAMode.class)
    void gradientsMatchFiniteDifferencesWithPadding(LoRAMode mode) {
        ComputationGraph net = TinyBert.classifier(D, 3, mode, "query", "value", "intermediate.dense");
        MultiDataSet d = TinyBert.batch(D, 5, 7, 7, 4, 2);
        // r = 2 on q, v (32x2 + 2x32) and intermediate (32x2 + 2x64) in 2 blocks, head 32x3 + 3; FFA trains no A
        assertEquals(mode == LoRAMode.VANILLA ? 995 : 611, FiniteDifferences.check(net, d, 1e-6, 1e-5, 1e-9));
    }

    @Test
    void everyPeftTargetGetsExactGradients() {
        ComputationGraph net = TinyBert.classifier(D, 4, LoRAMode.VANILLA, "query", "key", "value",
                "attention.output.dense", "intermediate.dense", "output.dense");
        assertEquals(12, net.getConfiguration().getVertices().values().stream()
                .filter(v -> v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex
                        && ((org.deeplearning4j.nn.conf.graph.LayerVertex) v).getLayerConf().getLayer()
                        instanceof io.dplora.layers.LoRADenseLayer).count());
        MultiDataSet d = TinyBert.batch(D, 6, 6, 6, 3);
        assertEquals(1891, FiniteDifferences.check(net, d, 1e-6, 1e-5, 1e-9));
    }

    @ParameterizedTest
    @EnumSource(LoRAMode.class)
    void perExampleNormsAndClippedSumsMatchTheLoop(LoRAMode mode) {
        ComputationGraph net = TinyBert.classifier(D, 7, mode, "query", "value");
        MultiDataSet d = TinyBert.batch(D, 8, 12, 12, 5, 9, 3, 12);
        PerExampleGradients oracle = PerExampleGradientLoop.collect(net, d);
        double[] norms = TinyBert.batchedSquaredNorms(net, d);
        for (int i = 0; i < norms.length; i++) {
            double ref = oracle.squaredNorm(i);
            assertTrue(ref > 0, "example " + i + " has a zero gradient");
            assertEquals(ref, norms[i], 1e-10 * ref, "||g_" + i + "||^2");
            assertTrue(norms[i] >= ref * (1 - 1e-12), "the norm must be an upper bound");
        }
        double[] c = {0.5, 1.0, 0.0, 2.0, 0.25};
        TinyBert.assertVectorClose(oracle.clippedSum(c), TinyBert.clippedSum(net, c), 1e-10, "sum c_i g_i");
    }

    @Test
    void paddingAndBatchMatesChangeNothing() {
        ComputationGraph net = TinyBert.classifier(D, 9, LoRAMode.VANILLA, "query", "value");
        MultiDataSet alone = TinyBert.batch(D, 10, 6, 6);
        // the same example (same seed gives the same first row) padded to 16 among longer examples
        MultiDataSet crowded = TinyBert.batch(D, 10, 16, 6, 16, 11, 2);
        assertEquals(alone.getFeatures(0).getRow(0), crowded.getFeatures(0).get(NDArrayIndex.point(0),
                NDArrayIndex.interval(0, 6)).reshape(6));
        INDArray outAlone = TinyBert.output(net, alone);
        INDArray outCrowded = TinyBert.output(net, crowded);
        assertTrue(outAlone.getRow(0).equalsWithEps(outCrowded.getRow(0), 1e-12), "output depends on padding");
        double normAlone = TinyBert.batchedSquaredNorms(net, alone)[0];
        double normCrowded = TinyBert.batchedSquaredNorms(net, crowded)[0];
        assertEquals(normAlone, normCrowded, 1e-12 * normAlone, "per-example norm depends on padding");
        TinyBert.batchedSquaredNorms(net, alone);
        double[] gAlone = TinyBert.clippedSum(net, new double[]{1});
        TinyBert.batchedSquaredNorms(net, crowded);
        double[] gCrowded = TinyBert.clippedSum(net, new double[]{1, 0, 0, 0});
        TinyBert.assertVectorClose(gAlone, gCrowded, 1e-12, "per-example gradient depends on padding");
    }

    @Test
    void hiddenStatesOfTokensDoNotDependOnPaddingInTheEncoder() {
        ComputationGraph enc = TinyBert.encoder(D, 11);
        MultiDataSet alone = TinyBert.batch(D, 12, 5, 5);
        MultiDataSet padded = TinyBert.batch(D, 12, 20, 5, 20);
        INDArray a = TinyBert.output(enc, alone);
        INDArray p = TinyBert.output(enc, padded);
        INDArray pTokens = p.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 5), NDArrayIndex.all());
        assertTrue(a.get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.all()).equalsWithEps(pTokens, 1e-12));
    }
}
