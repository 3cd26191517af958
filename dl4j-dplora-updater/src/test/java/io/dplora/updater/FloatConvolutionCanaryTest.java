package io.dplora.updater;

import io.dplora.layers.DPOutputLayer;
import io.dplora.layers.LoRAConvolutionLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
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
 * The FLOAT cancellation canary on a LoRAConvolutionLayer: an image whose patches cancel, pixel (h, w) =
 * (-1)^(h+w) 2^20 in channel 0 and 150 in channel 1, through a 1x1 LoRA convolution, global average pooling (so every
 * position gets the same delta) and a frozen DP head. The per-example gradient of A and B sums x_p over positions,
 * where the 2^40 Gram terms cancel; summed in float they would vanish and the canary would escape clipping. Through the
 * real DP step (noise off, q = 1, SGD lr 1, E = N), adding the canary must move the clipped sum by at most C (1 + 1e-6).
 */
class FloatConvolutionCanaryTest {

    private static final double C = 1.0;
    private static final int CH = 8;
    private static final int SIDE = 4;

    private static ComputationGraph net() {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3)
                .dataType(DataType.FLOAT).updater(new Sgd(1.0)).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(SIDE, SIDE, CH))
                .addLayer("conv", new LoRAConvolutionLayer.Builder(1, 1).nOut(4).rank(2).alpha(2)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv")
                .addLayer("out", new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).trainable(false).build(), "pool")
                .setOutputs("out").build());
        net.init();
        TestSupport.randomiseLoraB(4, net.getLayer("conv"));
        return net;
    }

    private static DataSet data(int k, boolean withCanary) {
        int n = k + (withCanary ? 1 : 0);
        INDArray f = Nd4j.zeros(DataType.FLOAT, n, CH, SIDE, SIDE);
        INDArray l = Nd4j.zeros(DataType.FLOAT, n, 3);
        Random r = new Random(2);
        for (int i = 0; i < n; i++) {
            l.putScalar(i, 2, 1.0);
            for (int h = 0; h < SIDE; h++) {
                for (int w = 0; w < SIDE; w++) {
                    if (i < k) {
                        for (int c = 0; c < CH; c++) {
                            f.putScalar(new int[] {i, c, h, w}, r.nextGaussian() * 0.1);
                        }
                    } else {
                        f.putScalar(new int[] {i, 0, h, w}, ((h + w) % 2 == 0 ? 1 : -1) * 0x1p20);
                        f.putScalar(new int[] {i, 1, h, w}, 150.0);
                    }
                }
            }
        }
        return new DataSet(f, l);
    }

    private static double[] clippedSum(DataSet data) {
        return TestSupport.releasedClippedSum(net(), data, C);
    }

    @Test
    void theCancellingImageMovesTheFloatClippedSumByAtMostC() {
        double shift = norm(minus(clippedSum(data(3, true)), clippedSum(data(3, false))));
        assertTrue(shift <= C * (1 + 1e-6), "adding the canary moved the clipped sum by " + shift + " > C");
        assertTrue(shift > 0.5 * C, "the canary is clipped to about C, not dropped: shift " + shift);
    }
}
