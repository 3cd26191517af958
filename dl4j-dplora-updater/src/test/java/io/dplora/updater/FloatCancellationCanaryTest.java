package io.dplora.updater;

import io.dplora.layers.DPRnnOutputLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;

import static io.dplora.updater.TestSupport.minus;
import static io.dplora.updater.TestSupport.norm;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The outside audit's FLOAT cancellation canary: a sequence whose steps cancel, x_t = (-1)^t 2^20 e0 + 150 e1
 * (T = 4, nIn 16, nOut 4) on a FLOAT DPRnnOutputLayer. Its exact squared gradient norm is 270,012 (weights 270,000,
 * bias 12); a FLOAT Gram ("ghost") norm summed in float gave 0 for the weights, so its clip factor was computed from
 * the bias alone and adding it moved the clipped sum by about 150 C. Through the real DP step (noise off, q = 1, SGD
 * with learning rate 1, E = N, so the parameter change times E is the clipped sum), adding the canary to a data set
 * must move the released clipped sum by at most C (1 + 1e-6).
 */
class FloatCancellationCanaryTest {

    private static final int N_IN = 16;
    private static final int N_OUT = 4;
    private static final int T = 4;
    private static final double C = 1.0;

    private static ComputationGraph zeroWeightSequenceHead() {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3)
                .dataType(DataType.FLOAT).updater(new Sgd(1.0)).weightInit(WeightInit.ZERO).graphBuilder()
                .addInputs("in").setInputTypes(InputType.recurrent(N_IN, T))
                .addLayer("out", new DPRnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(N_IN)
                        .nOut(N_OUT).activation(Activation.SOFTMAX).biasInit(0).build(), "in")
                .setOutputs("out").build());
        net.init();
        return net;
    }

    /** k ordinary sequences, and (optionally) the canary last; labels class 3 at every step. */
    private static DataSet data(int k, boolean withCanary) {
        int n = k + (withCanary ? 1 : 0);
        INDArray f = Nd4j.zeros(DataType.FLOAT, n, N_IN, T);
        INDArray l = Nd4j.zeros(DataType.FLOAT, n, N_OUT, T);
        Random r = new Random(11);
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < T; t++) {
                l.putScalar(new int[] {i, N_OUT - 1, t}, 1.0);
                for (int j = 0; j < N_IN; j++) {
                    f.putScalar(new int[] {i, j, t}, i < k ? r.nextGaussian() * 0.1 : 0.0);
                }
                if (i == k) {
                    f.putScalar(new int[] {i, 0, t}, (t % 2 == 0 ? 1 : -1) * 0x1p20);
                    f.putScalar(new int[] {i, 1, t}, 150.0);
                }
            }
        }
        return new DataSet(f, l);
    }

    /** @return the clipped sum released by one DP step on all of {@code data} (q = 1, E = N, no noise) */
    private static double[] clippedSum(DataSet data) {
        return TestSupport.releasedClippedSum(zeroWeightSequenceHead(), data, C);
    }

    @Test
    void theCancellingCanaryMovesTheFloatClippedSumByAtMostC() {
        double shift = norm(minus(clippedSum(data(3, true)), clippedSum(data(3, false))));
        assertTrue(shift <= C * (1 + 1e-6), "adding the canary moved the clipped sum by " + shift + " > C = " + C);
        assertTrue(shift > 0.5 * C, "the canary is clipped to about C, not dropped: shift " + shift);
    }

    /**
     * Alone, the canary is clipped to just under C: the margin for the rounding of its norm and of its release is
     * proportional to its loose bound sum_t ||x_t|| ||d_t||, about 7,000 times its norm for this adversarial input
     * (0.3% here; about 1e-7 relative for ordinary data).
     */
    @Test
    void theCanaryAloneIsClippedToC() {
        double alone = norm(clippedSum(data(0, true)));
        assertTrue(alone <= C * (1 + 1e-6) && alone > 0.99 * C, "canary's clipped gradient norm " + alone);
    }
}
