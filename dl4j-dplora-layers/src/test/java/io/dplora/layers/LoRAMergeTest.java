package io.dplora.layers;

import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LoRA.merge: same outputs as the trained LoRA network, without adapters. */
class LoRAMergeTest {

    private static final DataType F = DataType.FLOAT;

    @Test
    void mergedGraphEqualsTrainedLoRAGraph() {
        ComputationGraph net = LoRA.apply(Pretrained.graph(F), LoRASpec.builder().targets("dense1", "dense3").rank(3)
                .alpha(6).trainable("out").build());
        DataSet ds = Pretrained.data(F, 12, 21);
        for (int i = 0; i < 5; i++) {
            net.fit(ds);
        }
        assertTrue(net.getLayer("dense1").getParam("loraB").amaxNumber().doubleValue() > 0, "B moved");
        ComputationGraph merged = LoRA.merge(net);
        assertEquals(DenseLayer.class, merged.getLayer("dense1").conf().getLayer().getClass());
        assertEquals(DenseLayer.class, merged.getLayer("dense3").conf().getLayer().getClass());
        assertEquals(OutputLayer.class, merged.getLayer("out").conf().getLayer().getClass());
        long adapters = (8 * 3 + 3 * 8) + (7 * 3 + 3 * 6); // A and B of dense1 (8->8) and dense3 (7->6), r = 3
        assertEquals(net.numParams() - adapters, merged.numParams());
        INDArray x = TestData.features(F, 22, 10, Pretrained.N_IN);
        INDArray expected = net.outputSingle(x);
        INDArray actual = merged.outputSingle(x);
        assertTrue(expected.equalsWithEps(actual, 1e-5), "merged output differs: " + expected.sub(actual)
                .amaxNumber());
    }

    @Test
    void mergedSequenceListEqualsTrainedLoRAList() {
        int t = 4;
        MultiLayerNetwork net = LoRA.apply(Pretrained.sequenceList(F, t), LoRASpec.builder().targets("dense", "dense2")
                .rank(2).alpha(4).trainable("out").build());
        INDArray mask = TestData.lengthMask(F, t, 4, 2, 3);
        INDArray x = TestData.applyMaskNcw(TestData.features(F, 23, 3, Pretrained.N_IN, t), mask);
        DataSet ds = new DataSet(x, TestData.oneHotSequence(F, 24, 3, Pretrained.N_OUT, t), mask, mask);
        for (int i = 0; i < 5; i++) {
            net.fit(ds);
        }
        MultiLayerNetwork merged = LoRA.merge(net);
        assertInstanceOf(DPDenseLayer.class, merged.getLayer(1).conf().getLayer(), "sequence dense stays native");
        assertEquals(RnnOutputLayer.class, merged.getLayer(3).conf().getLayer().getClass());
        INDArray expected = net.output(x, false, mask, mask);
        INDArray actual = merged.output(x, false, mask, mask);
        assertTrue(expected.equalsWithEps(actual, 1e-5), "merged output differs: " + expected.sub(actual)
                .amaxNumber());
    }
}
