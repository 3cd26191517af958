package io.dplora.updater;

import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

import java.util.List;
import java.util.Map;

import static io.dplora.updater.TestSupport.flat;
import static io.dplora.updater.TestSupport.minus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The noise the DP step adds, measured from the parameter changes of many seeded steps taken from the same starting
 * point with the same (q = 1) batch: noise_t = (p0 - p_t) - S/E with S/E the noise-free release (plain SGD, lr 1).
 * Per trainable coordinate the noise must have mean 0 and standard deviation sigma C / E; frozen coordinates must not
 * move at all. Tolerances are 5 standard errors of the estimates for the sample size used.
 */
class DPNoiseTest {

    private static final int STEPS = 300;
    private static final int N = 6;
    private static final double C = 0.5;
    private static final double SIGMA = 2.0;

    @Test
    void noiseIsCentredWithStdSigmaCOverEOnTrainableCoordinatesOnly() {
        DataSet data = TestSupport.data(21, N);
        ComputationGraph reference = TestSupport.loraGraph(31, new Sgd(1.0));
        ComputationGraph noisy = reference.clone();
        INDArray p0 = reference.params().dup();

        PrivateTraining ref = DPLoRA.makePrivate(reference, data, DPConfig.builder().noiseMultiplier(0.0).delta(1e-5)
                .maxGradNorm(C).expectedBatchSize(N).steps(1).seed(1).build());
        ref.fit();
        double[] signal = minus(flat(p0), flat(reference.params()));

        PrivateTraining t = DPLoRA.makePrivate(noisy, data, DPConfig.builder().noiseMultiplier(SIGMA).delta(1e-5)
                .maxGradNorm(C).expectedBatchSize(N).steps(STEPS).seed(99).build());
        boolean[] trainable = trainableMask(noisy);
        int p = trainable.length;
        double[] sum = new double[p];
        double[] sumSq = new double[p];
        PoissonSamplingIterator it = t.iterator();
        int steps = 0;
        while (it.hasRemainingSteps()) {
            if (!it.hasNext()) {
                it.reset();
            }
            noisy.fit(it.next());
            double[] z = minus(minus(flat(p0), flat(noisy.params())), signal);
            for (int j = 0; j < p; j++) {
                if (trainable[j]) {
                    sum[j] += z[j];
                    sumSq[j] += z[j] * z[j];
                } else {
                    assertEquals(0.0, flat(p0)[j] - flat(noisy.params())[j], 0.0, "frozen coordinate " + j + " moved");
                }
            }
            noisy.setParams(p0.dup());
            steps++;
        }
        assertEquals(STEPS, steps);
        double expectedStd = SIGMA * C / N;
        int count = 0;
        double pooledSq = 0;
        for (int j = 0; j < p; j++) {
            if (!trainable[j]) {
                continue;
            }
            count++;
            double mean = sum[j] / STEPS;
            double var = sumSq[j] / STEPS - mean * mean;
            pooledSq += sumSq[j];
            // SE(mean) = std / sqrt(n); SE(std estimate) ~ std / sqrt(2n) for Gaussian samples
            assertEquals(0.0, mean, 5 * expectedStd / Math.sqrt(STEPS), "mean of coordinate " + j);
            assertEquals(expectedStd, Math.sqrt(var), 5 * expectedStd / Math.sqrt(2.0 * STEPS), "std of " + j);
        }
        double pooledStd = Math.sqrt(pooledSq / ((double) count * STEPS));
        assertEquals(expectedStd, pooledStd, 5 * expectedStd / Math.sqrt(2.0 * count * STEPS));
        assertEquals(t.updater().privatisedParameterCount(), count);
        assertTrue(count < p, "the network has frozen coordinates");
    }

    /**
     * Trainable coordinates from the layers' own parameter keys (LoRA A/B and the whole DP head), located with DL4J's
     * documented layout: vertices in topological order, each vertex's parameters in its param-table order.
     */
    private static boolean[] trainableMask(ComputationGraph net) {
        boolean[] mask = new boolean[(int) net.numParams()];
        long offset = 0;
        for (int v : net.topologicalSortOrder()) {
            GraphVertex vertex = net.getVertices()[v];
            if (vertex.numParams() == 0) {
                continue;
            }
            for (Map.Entry<String, INDArray> e : vertex.paramTable(false).entrySet()) {
                boolean t = List.of("loraA", "loraB").contains(e.getKey()) || "out".equals(vertex.getVertexName());
                for (long j = 0; j < e.getValue().length(); j++) {
                    mask[(int) (offset + j)] = t;
                }
                offset += e.getValue().length();
            }
        }
        assertEquals(net.numParams(), offset);
        return mask;
    }
}
