package io.dplora.layers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

/** Small deterministic inputs, labels and masks for the tests. */
final class TestData {

    private TestData() {
    }

    static INDArray features(DataType dt, long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(dt, shape).subi(0.5).muli(2.0);
    }

    /** One-hot labels [mb, nOut]. */
    static INDArray oneHot(DataType dt, long seed, int mb, int nOut) {
        Random r = new Random(seed);
        INDArray y = Nd4j.zeros(dt, mb, nOut);
        for (int i = 0; i < mb; i++) {
            y.putScalar(i, r.nextInt(nOut), 1.0);
        }
        return y;
    }

    /** One-hot sequence labels [mb, nOut, T] (NCW). */
    static INDArray oneHotSequence(DataType dt, long seed, int mb, int nOut, int t) {
        Random r = new Random(seed);
        INDArray y = Nd4j.zeros(dt, mb, nOut, t);
        for (int i = 0; i < mb; i++) {
            for (int s = 0; s < t; s++) {
                y.putScalar(new int[]{i, r.nextInt(nOut), s}, 1.0);
            }
        }
        return y;
    }

    /** Mask [mb, T] with example i of length lengths[i]. */
    static INDArray lengthMask(DataType dt, int t, int... lengths) {
        INDArray m = Nd4j.zeros(dt, lengths.length, t);
        for (int i = 0; i < lengths.length; i++) {
            for (int s = 0; s < lengths[i]; s++) {
                m.putScalar(i, s, 1.0);
            }
        }
        return m;
    }

    /** Zeroes the padded steps of NCW features. */
    static INDArray applyMaskNcw(INDArray x, INDArray mask) {
        for (int i = 0; i < x.size(0); i++) {
            for (int s = 0; s < x.size(2); s++) {
                if (mask.getDouble(i, s) == 0.0) {
                    for (int f = 0; f < x.size(1); f++) {
                        x.putScalar(new int[]{i, f, s}, 0.0);
                    }
                }
            }
        }
        return x;
    }

    /** Gives B a random non-zero value so that gradients of A are non-trivial. */
    static void randomiseLoRAB(org.deeplearning4j.nn.api.Layer layer, long seed) {
        INDArray b = layer.getParam("loraB");
        b.assign(features(b.dataType(), seed, b.shape()).muli(0.5));
    }
}
