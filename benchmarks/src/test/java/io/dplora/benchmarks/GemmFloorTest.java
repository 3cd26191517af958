package io.dplora.benchmarks;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The GEMM floor's products: the shapes of a LoRA step, and gemm with transposes computing op(A) op(B). */
class GemmFloorTest {

    @Test
    void theMlpFloorHasTheProductsOfItsLayersWithTheRightShapes() {
        List<GemmFloor.Gemm> g = BenchModel.MLP.essentialGemms(32);
        // dense1 without input gradient (6), dense2 with (8), head (3)
        assertEquals(17, g.size());
        assertEquals(new GemmFloor.Gemm("dense1 x W", 32, 784, 512, false, false), g.get(0));
        assertEquals(new GemmFloor.Gemm("dense1 dA = x^T (delta B^T)", 784, 32, 8, true, false), g.get(5));
        assertEquals(new GemmFloor.Gemm("out dW = h^T delta", 512, 32, 10, true, false), g.get(15));
        long flops = g.stream().mapToLong(GemmFloor.Gemm::flops).sum();
        assertTrue(flops > 2L * 32 * 784 * 512, "at least the first layer's forward product");
        assertEquals(2L * BenchModel.SEQ_T, BenchModel.SEQUENCE.essentialGemms(2).get(0).m(), "one row per step");
        assertTrue(BenchModel.CNN.essentialGemms(32).isEmpty());
    }

    @Test
    void runComputesEveryProductWithItsTransposes() {
        GemmFloor floor = new GemmFloor(List.of(new GemmFloor.Gemm("tt", 5, 3, 4, true, true),
                new GemmFloor.Gemm("nn", 2, 6, 3, false, false), new GemmFloor.Gemm("tn", 4, 2, 5, true, false)));
        floor.run();
        for (int i = 0; i < 3; i++) {
            GemmFloor.Gemm g = floor.gemms().get(i);
            INDArray[] o = floor.operands(i);
            INDArray a = g.transA() ? o[0].transpose() : o[0];
            INDArray b = g.transB() ? o[1].transpose() : o[1];
            assertEquals(g.m(), o[2].size(0));
            assertEquals(g.n(), o[2].size(1));
            assertTrue(a.mmul(b).equalsWithEps(o[2], 1e-5), g.what());
            assertTrue(o[2].norm1Number().doubleValue() > 0, g.what());
        }
    }
}
