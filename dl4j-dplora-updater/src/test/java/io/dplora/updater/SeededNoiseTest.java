package io.dplora.updater;

import io.dplora.accounting.AccountantType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10 item 4: two seeded releases with the same seed and different sigma must not share their noise. Before the
 * fix both runs drew z from (seed, step) only, so 2 (theta_1 - theta_0) - (theta_2 - theta_0) rebuilt the clipped sum
 * and the two updates were almost perfectly correlated. The updates' noise dominates (sigma C sqrt(d) = 77 and 155
 * against a clipped sum of norm at most 8), so their correlation is that of the noise vectors.
 */
class SeededNoiseTest {

    private static final DataSet DATA = TestSupport.data(21, 64);

    private static double[] update(double sigma, Long seed) {
        ComputationGraph net = TestSupport.loraGraph(31, new Sgd(1.0));
        double[] before = TestSupport.flat(net.params().dup());
        DPConfig.Builder b = DPConfig.builder().accountant(AccountantType.RDP).noiseMultiplier(sigma).delta(1e-5)
                .maxGradNorm(1.0).expectedBatchSize(8).steps(1).epsilonBudget(50);
        if (seed != null) {
            b.seed(seed);
        }
        PrivateTraining t = DPLoRA.makePrivate(net, DATA, b.build());
        t.fit();
        return TestSupport.minus(TestSupport.flat(net.params()), before);
    }

    private static double correlation(double[] a, double[] b) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }

    @Test
    void sameSeedDifferentSigmaDoesNotShareNoise() {
        double[] u1 = update(10, 7L);
        double[] u2 = update(20, 7L);
        double c = correlation(u1, u2);
        assertTrue(Math.abs(c) < 0.5, "noise of two seeded releases is correlated: " + c);
    }

    @Test
    void sameSeedAndSettingsReproduceTheRunButUnseededRunsDoNot() {
        assertTrue(correlation(update(10, 7L), update(10, 7L)) > 1 - 1e-12, "a seeded run is reproducible");
        double c = correlation(update(10, null), update(10, null));
        assertTrue(Math.abs(c) < 0.5, "unseeded runs draw fresh noise: " + c);
        assertFalse(DPConfig.builder().noiseMultiplier(1).delta(1e-5).maxGradNorm(1).expectedBatchSize(8)
                .steps(1).build().hasSeed(), "no seed unless asked for");
    }
}
