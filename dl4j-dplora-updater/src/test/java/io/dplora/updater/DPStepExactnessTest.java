package io.dplora.updater;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.dplora.updater.TestSupport.clippedSum;
import static io.dplora.updater.TestSupport.exampleGradient;
import static io.dplora.updater.TestSupport.flat;
import static io.dplora.updater.TestSupport.maxAbs;
import static io.dplora.updater.TestSupport.maxAbsDiff;
import static io.dplora.updater.TestSupport.minus;
import static io.dplora.updater.TestSupport.norm;
import static io.dplora.updater.TestSupport.scale;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With the noise off, the DP step must release exactly sum_i min(1, C/||g_i||) g_i / E, compared with an independent
 * per-example loop (batches of one on a copy of the network without DP). DOUBLE networks, tolerance 1e-10 relative.
 * With plain SGD(lr) the parameter change is -lr times the released gradient.
 */
class DPStepExactnessTest {

    private static final double TOL = 1e-10;

    private static DPConfig.Builder noNoise(int e, long steps) {
        return DPConfig.builder().noiseMultiplier(0.0).delta(1e-5).expectedBatchSize(e).steps(steps).seed(1234);
    }

    private static double medianNorm(ComputationGraph plain, DataSet data) {
        double[] norms = new double[data.numExamples()];
        for (int i = 0; i < norms.length; i++) {
            norms[i] = norm(exampleGradient(plain, data, i));
        }
        Arrays.sort(norms);
        return norms[norms.length / 2];
    }

    private static void assertClose(double[] expected, double[] actual) {
        double scale = Math.max(1e-300, maxAbs(expected));
        assertTrue(maxAbsDiff(expected, actual) <= TOL * scale,
                "max |diff| " + maxAbsDiff(expected, actual) + " vs scale " + scale);
    }

    @Test
    void releasedGradientIsTheClippedSumOverEAcrossMicroBatches() {
        DataSet data = TestSupport.data(1, 16);
        ComputationGraph net = TestSupport.loraGraph(7, new Sgd(1.0));
        ComputationGraph plain = net.clone();
        double c = medianNorm(plain, data);
        int e = 8;
        TestSupport.RecordingSource source = new TestSupport.RecordingSource(data);
        PrivateTraining t = DPLoRA.makePrivate(net, source, noNoise(e, 1).maxGradNorm(c).maxPhysicalBatchSize(3)
                .build());
        int before = source.calls.size();
        double[] p0 = flat(net.params());
        INDArray w0 = net.getLayer("l1").getParam("W").dup();
        assertEquals(1, t.fit());
        List<Integer> drawn = source.drawnSince(before);
        assertTrue(source.calls.size() - before >= 2, "the logical batch should span several micro-batches");
        assertTrue(drawn.size() > 3);
        double[] expected = scale(clippedSum(plain, data, drawn, c), 1.0 / e);
        double[] released = minus(p0, flat(net.params()));
        assertClose(expected, released);
        // clipping was active for some examples and inactive for others
        int clipped = 0;
        for (int i : drawn) {
            clipped += norm(exampleGradient(plain, data, i)) > c ? 1 : 0;
        }
        assertTrue(clipped > 0 && clipped < drawn.size(), "clipped " + clipped + " of " + drawn.size());
        assertEquals(w0, net.getLayer("l1").getParam("W"), "frozen W0 must stay bit-identical");
        assertEquals(1, t.stepsTaken());
    }

    @Test
    void multiLayerNetworkReleasesTheSameClippedSum() {
        DataSet data = TestSupport.data(2, 12);
        MultiLayerNetwork net = TestSupport.loraMln(8, new Sgd(1.0));
        MultiLayerNetwork plain = net.clone();
        double c = 0.7;
        TestSupport.RecordingSource source = new TestSupport.RecordingSource(data);
        PrivateTraining t = DPLoRA.makePrivate(net, source, noNoise(6, 1).maxGradNorm(c).maxPhysicalBatchSize(4)
                .build());
        int before = source.calls.size();
        double[] p0 = flat(net.params());
        t.fit();
        List<Integer> drawn = source.drawnSince(before);
        assertClose(scale(clippedSum(plain, data, drawn, c), 1.0 / 6), minus(p0, flat(net.params())));
    }

    @Test
    void withoutClippingOrNoiseAtQOneOneDpStepIsOneOrdinaryFullBatchFit() {
        DataSet data = TestSupport.data(3, 8);
        ComputationGraph net = TestSupport.loraGraph(9, new Sgd(0.1));
        ComputationGraph ordinary = net.clone();
        PrivateTraining t = DPLoRA.makePrivate(net, data, noNoise(8, 1).maxGradNorm(1e9).maxPhysicalBatchSize(3)
                .build());
        t.fit();
        ordinary.fit(data);
        double[] moved = minus(flat(ordinary.params()), flat(TestSupport.loraGraph(9, new Sgd(0.1)).params()));
        assertTrue(maxAbs(moved) > 1e-3, "the step must actually move the parameters");
        assertClose(flat(ordinary.params()), flat(net.params()));
    }

    @Test
    void consecutiveStepsReleaseOnlyTheirOwnBatch() {
        DataSet data = TestSupport.data(4, 10);
        ComputationGraph net = TestSupport.loraGraph(10, new Sgd(1.0));
        ComputationGraph plain = net.clone();
        double c = 0.5;
        TestSupport.RecordingSource source = new TestSupport.RecordingSource(data);
        PrivateTraining t = DPLoRA.makePrivate(net, source, noNoise(5, 3).maxGradNorm(c).build());
        PoissonSamplingIterator it = t.iterator();
        for (int step = 0; step < 3; step++) {
            double[] p = flat(net.params());
            plain.setParams(net.params().dup());
            int before = source.calls.size();
            long taken = t.stepsTaken();
            while (t.stepsTaken() == taken) {
                if (!it.hasNext()) {
                    it.reset();    // N/E = 2 logical steps per epoch
                }
                net.fit(it.next());
            }
            List<Integer> drawn = it.lastLogicalBatchSize() == 0 ? new ArrayList<>() : source.drawnSince(before);
            assertClose(scale(clippedSum(plain, data, drawn, c), 1.0 / 5), minus(p, flat(net.params())));
        }
        assertFalse(it.hasNext());
    }

    @Test
    void perLayerClippingClipsEachLayerToItsShareOfC() {
        DataSet data = TestSupport.data(5, 10);
        ComputationGraph net = TestSupport.loraGraph(11, new Sgd(1.0));
        ComputationGraph plain = net.clone();
        double c = 0.6;
        TestSupport.RecordingSource source = new TestSupport.RecordingSource(data);
        PrivateTraining t = DPLoRA.makePrivate(net, source, noNoise(10, 1).maxGradNorm(c)
                .clipping(ClippingMode.PER_LAYER).perLayerClipWeight("out", 2.0).build());
        String[] names = {"l1", "l2", "out"};
        double[] weights = {1, 1, 2};
        double[] cl = new double[3];
        for (int l = 0; l < 3; l++) {
            cl[l] = c * Math.sqrt(weights[l] / 4.0);
        }
        assertArrayEquals(cl, t.updater().layerThresholds(), 1e-15);
        int before = source.calls.size();
        double[][] p0 = new double[3][];
        for (int l = 0; l < 3; l++) {
            p0[l] = flat(net.getLayer(names[l]).params());
        }
        t.fit();
        List<Integer> drawn = source.drawnSince(before);
        for (int l = 0; l < 3; l++) {
            double[] expected = new double[p0[l].length];
            for (int i : drawn) {
                exampleGradient(plain, data, i);
                double[] g = flat(plain.getLayer(names[l]).getGradientsViewArray());
                double f = Math.min(1.0, cl[l] / norm(g));
                for (int j = 0; j < g.length; j++) {
                    expected[j] += f * g[j] / 10.0;
                }
            }
            assertClose(expected, minus(p0[l], flat(net.getLayer(names[l]).params())));
        }
    }

    @Test
    void nonFiniteExampleIsDroppedCountedAndTheStepGoesOn() {
        DataSet data = TestSupport.data(6, 8);
        data.getFeatures().putScalar(3, 1, Double.NaN);
        ComputationGraph net = TestSupport.loraGraph(12, new Sgd(1.0));
        ComputationGraph plain = net.clone();
        double c = 0.8;
        PrivateTraining t = DPLoRA.makePrivate(net, data, noNoise(8, 1).maxGradNorm(c).build());
        double[] p0 = flat(net.params());
        t.fit();
        double[] after = flat(net.params());
        for (double v : after) {
            assertTrue(Double.isFinite(v), "a NaN example must not reach the parameters");
        }
        assertEquals(1, t.updater().droppedExamples());
        List<Integer> others = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            if (i != 3) {
                others.add(i);
            }
        }
        assertClose(scale(clippedSum(plain, data, others, c), 1.0 / 8), minus(p0, after));
    }

    @Test
    void emptyLogicalBatchIsAnAccountedStepWithZeroClippedSum() {
        DataSet data = TestSupport.data(7, 60);
        ComputationGraph net = TestSupport.loraGraph(13, new Sgd(1.0));
        PrivateTraining t = DPLoRA.makePrivate(net, data, noNoise(1, 40).maxGradNorm(1.0).build());
        PoissonSamplingIterator it = t.iterator();
        int empty = 0;
        while (it.hasRemainingSteps()) {
            if (!it.hasNext()) {
                it.reset();
            }
            double[] p = flat(net.params());
            net.fit(it.next());
            if (it.lastLogicalBatchSize() == 0) {
                empty++;
                // padding rows (zero features) still have non-zero head gradients; c_i = 0 must remove them
                assertArrayEquals(p, flat(net.params()), 0.0);
            }
        }
        assertTrue(empty > 5, "q = 1/60 over 40 steps should give empty batches, got " + empty);
        assertEquals(40, t.stepsTaken(), "every logical step, empty or not, is accounted");
        assertEquals(40, t.ledger().totalSteps());
    }

    @Test
    void withNoiseAnEmptyLogicalBatchIsAPureNoiseStepOnTheTrainableCoordinates() {
        DataSet data = TestSupport.data(8, 60);
        ComputationGraph net = TestSupport.loraGraph(14, new Sgd(1.0));
        PrivateTraining t = DPLoRA.makePrivate(net, data, DPConfig.builder().noiseMultiplier(1.0).delta(1e-5)
                .maxGradNorm(1.0).expectedBatchSize(1).steps(30).seed(4).build());
        PoissonSamplingIterator it = t.iterator();
        INDArray w0 = net.getLayer("l2").getParam("W").dup();
        int empty = 0;
        while (it.hasRemainingSteps()) {
            double[] p = flat(net.params());
            net.fit(it.next());
            if (it.lastLogicalBatchSize() == 0) {
                empty++;
                double[] d = minus(p, flat(net.params()));
                int moved = 0;
                for (double x : d) {
                    moved += x != 0 ? 1 : 0;
                }
                assertEquals(t.updater().privatisedParameterCount(), moved, "noise on every trainable coordinate");
            }
        }
        assertTrue(empty > 3, "expected empty logical batches, got " + empty);
        assertEquals(30, t.ledger().totalSteps());
        assertEquals(w0, net.getLayer("l2").getParam("W"));
    }
}
