package io.dplora.benchmarks;

import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * The GEMM floor of a non-private LoRA training step: the matrix products that any implementation of the step must
 * compute (forward through every layer, the input gradients that backpropagation needs, the weight gradients of the
 * trainable factors and head only), run back to back with ND4J's matmul op on preallocated FLOAT arrays ('c'
 * results: the fastest GEMM ND4J offers, oneDNN's in its onednn build, else BLAS), nothing else (no activations, bias,
 * loss, updater or framework work). The step's time over this is what the framework adds.
 */
final class GemmFloor {

    /**
     * One product C[m, n] = op(A) op(B) with op(A) of shape [m, k] and op(B) of shape [k, n].
     *
     * @param what   which product of the step it is (for reports)
     * @param transA whether A is stored [k, m] (a weight gradient X^T delta)
     * @param transB whether B is stored [n, k] (an input gradient delta W^T)
     */
    record Gemm(String what, long m, long k, long n, boolean transA, boolean transB) {
        /** @return multiply-adds of the product */
        long flops() {
            return 2 * m * k * n;
        }
    }

    private final List<Gemm> gemms;
    private final List<INDArray[]> operands = new ArrayList<>();

    GemmFloor(List<Gemm> gemms) {
        this.gemms = List.copyOf(gemms);
        for (Gemm g : gemms) {
            INDArray a = g.transA() ? Nd4j.rand(DataType.FLOAT, g.k(), g.m()) : Nd4j.rand(DataType.FLOAT, g.m(), g.k());
            INDArray b = g.transB() ? Nd4j.rand(DataType.FLOAT, g.n(), g.k()) : Nd4j.rand(DataType.FLOAT, g.k(), g.n());
            operands.add(new INDArray[]{a, b, Nd4j.create(DataType.FLOAT, g.m(), g.n())});
        }
    }

    /** @return the products, in step order */
    List<Gemm> gemms() {
        return gemms;
    }

    /** @return A, B and C of product i (for tests) */
    INDArray[] operands(int i) {
        return operands.get(i);
    }

    /** Runs every product once. */
    void run() {
        for (int i = 0; i < gemms.size(); i++) {
            Gemm g = gemms.get(i);
            INDArray[] o = operands.get(i);
            Nd4j.exec(new Mmul(o[0], o[1], o[2], 1.0, 0.0,
                    MMulTranspose.builder().transposeA(g.transA()).transposeB(g.transB()).build()));
        }
    }

    /**
     * The products of one step of a LoRA dense layer x[rows, in] -> [rows, out] with rank r: forward x W, x A,
     * (x A) B; backward, the factors' gradients (x A)^T delta, delta B^T, x^T (delta B^T), and, unless it is the
     * first layer, the input gradient delta W^T and (delta B^T) A^T.
     */
    static List<Gemm> loraDense(String name, long rows, long in, long out, long r, boolean inputGradient) {
        List<Gemm> g = new ArrayList<>();
        g.add(new Gemm(name + " x W", rows, in, out, false, false));
        g.add(new Gemm(name + " x A", rows, in, r, false, false));
        g.add(new Gemm(name + " (xA) B", rows, r, out, false, false));
        g.add(new Gemm(name + " dB = (xA)^T delta", r, rows, out, true, false));
        g.add(new Gemm(name + " delta B^T", rows, out, r, false, true));
        g.add(new Gemm(name + " dA = x^T (delta B^T)", in, rows, r, true, false));
        if (inputGradient) {
            g.add(new Gemm(name + " delta W^T", rows, out, in, false, true));
            g.add(new Gemm(name + " (delta B^T) A^T", rows, r, in, false, true));
        }
        return g;
    }

    /** The products of a trained dense head h[rows, in] -> [rows, out]: h W, h^T delta and delta W^T. */
    static List<Gemm> head(String name, long rows, long in, long out) {
        return List.of(new Gemm(name + " h W", rows, in, out, false, false),
                new Gemm(name + " dW = h^T delta", in, rows, out, true, false),
                new Gemm(name + " delta W^T", rows, out, in, false, true));
    }
}
