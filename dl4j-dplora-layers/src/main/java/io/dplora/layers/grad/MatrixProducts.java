package io.dplora.layers.grad;

import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The two GEMM shapes of the dense-type layers, each routed to the fastest product ND4J 1.0.0-M2.1 offers for it:
 * ND4J's matmul op with a 'c'-ordered result. With the default native build the op runs the same BLAS GEMM as
 * {@code Nd4j.gemm}; with ND4J's oneDNN build ({@code nd4j-native} classifier {@code linux-x86_64-onednn}, which javacpp
 * loads whenever its jar is on the classpath) it runs oneDNN's matmul, which ND4J uses only for this op and only
 * for 'c' results: one thread, AMD Zen 5, [4096, 384] x [384, 1536] 44 ms with BLAS, 22-29 ms with oneDNN; the weight
 * gradients x<sup>T</sup> d of the benchmark models 1.4-4x faster. Same
 * mathematics and precision (FLOAT products summed in FLOAT either way, in another order).
 */
public final class MatrixProducts {

    private MatrixProducts() {
    }

    /**
     * z = x w, overwriting z ([rows, nOut], 'c'). (ND4J's {@code x.mmuli(w, z)} into a 'c' result computes into an
     * 'f' buffer and copies: 2-3x slower.)
     */
    public static void multiplyInto(INDArray x, INDArray w, INDArray z) {
        Nd4j.exec(new Mmul(x, w, z, 1.0, 0.0, MMulTranspose.allFalse()));
    }

    /**
     * g = alpha x<sup>T</sup> d, overwriting g [a, b] (a weight gradient from rows x [n, a] and d [n, b]). DL4J's
     * gradient views are 'f'-ordered, whose memory is the 'c'-ordered transpose, so the product is computed as
     * g<sup>T</sup> = alpha d<sup>T</sup> x straight into that memory; any other layout of g takes
     * {@code Nd4j.gemm}.
     */
    public static void transposedProductInto(INDArray x, INDArray d, double alpha, INDArray g) {
        INDArray gt = g.transpose();
        if (gt.ordering() == 'c' && gt.elementWiseStride() == 1 && gt.stride(1) == 1
                && gt.stride(0) == gt.size(1)) {
            Nd4j.exec(new Mmul(d, x, gt, alpha, 0.0, MMulTranspose.builder().transposeA(true).build()));
        } else {
            Nd4j.gemm(x, d, g, true, false, alpha, 0.0);
        }
    }
}
