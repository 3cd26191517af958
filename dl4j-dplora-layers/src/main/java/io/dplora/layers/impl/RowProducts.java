package io.dplora.layers.impl;

import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The forward product of the dense-type layers, z = x W, written straight into a 'c'-ordered result by ND4J's
 * matmul op. ND4J 1.0.0-M2.1's {@code x.mmuli(W, z)} into a 'c' result is 2-3x slower on the same shapes (measured at
 * [4096, 384] x [384, 1536], one thread: 125 ms against 42 ms), because it computes into an 'f' buffer and copies;
 * the op writes the 'c' result directly: with the default native build through the same BLAS GEMM as
 * {@code Nd4j.gemm} (44 ms, 109 GFLOP/s), with ND4J's oneDNN build ({@code nd4j-native} classifier
 * {@code linux-x86_64-onednn}, selected by {@code -Djavacpp.platform.extension=-onednn}) through oneDNN's matmul
 * (29 ms; 22 ms with {@code -onednn-avx512}), which ND4J uses only for the op and only for 'c' results. Same
 * mathematics, same precision (FLOAT products summed in FLOAT either way).
 */
final class RowProducts {

    private RowProducts() {
    }

    /** z = x w, overwriting z ([rows, nOut], 'c'). */
    static void multiplyInto(INDArray x, INDArray w, INDArray z) {
        Nd4j.exec(new Mmul(x, w, z, 1.0, 0.0, MMulTranspose.allFalse()));
    }
}
