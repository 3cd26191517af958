package io.dplora.updater;

import io.dplora.accounting.AccountantType;
import io.dplora.accounting.NoiseCalibration;
import io.dplora.layers.DPOutputLayer;
import io.dplora.layers.LoRADenseLayer;
import io.dplora.updater.audit.AuditBounds;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.SplittableRandom;

import static io.dplora.updater.TestSupport.flat;
import static io.dplora.updater.TestSupport.minus;
import static io.dplora.updater.TestSupport.norm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Empirical privacy audit (canary distinguishing test; Jagielski, Ullman and Oprea 2020; Nasr et al. 2021, 2023).
 *
 * <p>Neighbouring data sets: D + {canary} and D + {blank}, where the blank has zero features, so its gradient on the
 * model's trainable parameters (a LoRA layer's A and B; the head is frozen) is exactly zero: releasing D + {blank} is
 * releasing D without the canary, with the same N, E and q (q = 1, one step, so the accountant's event is exactly one
 * Gaussian mechanism). The canary's gradient is much larger than C, so with the canary the released update moves by
 * exactly C u / E along the canary's unit gradient direction u. Test statistic s = E &lt;p0 - p1, u&gt; / C, a threshold
 * fixed in advance halfway between the two noise-free values, R runs per world. The Clopper-Pearson bounds at 95%
 * confidence (two one-sided 97.5% bounds) give a lower bound on epsilon that must stay below the accountant's epsilon
 * with noise on; with the noise off the same audit must report a large lower bound, larger than the accountant's
 * epsilon for the noisy configuration, which shows the audit would catch a mechanism that does not add its noise.
 */
class EmpiricalPrivacyAuditTest {

    private static final Logger log = LoggerFactory.getLogger(EmpiricalPrivacyAuditTest.class);
    private static final int RUNS = 250;
    private static final int N = 8;
    private static final double C = 0.1;
    private static final double SIGMA = 2.0;
    private static final double DELTA = 1e-5;
    private static final double CONFIDENCE = 0.95;

    private static MultiLayerNetwork tinyModel() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE)
                .updater(new Sgd(1.0)).weightInit(WeightInit.XAVIER).list()
                .layer(new LoRADenseLayer.Builder().nIn(3).nOut(4).rank(2).alpha(2).activation(Activation.IDENTITY)
                        .build())
                .layer(new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(2)
                        .activation(Activation.SOFTMAX).trainable(false).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        TestSupport.randomiseLoraB(5, net.getLayer(0));
        return net;
    }

    private static final double[] CANARY = {4.0, -4.0, 4.0};
    /** The class the initial model finds least likely for the canary features (set once per test). */
    private static int canaryLabel = 1;

    /** D (7 ordinary examples) plus one last example: the canary (mislabelled on purpose) or the blank. */
    private static DataSet world(boolean withCanary) {
        SplittableRandom r = new SplittableRandom(17);
        INDArray f = Nd4j.zeros(DataType.DOUBLE, N, 3);
        INDArray l = Nd4j.zeros(DataType.DOUBLE, N, 2);
        for (int i = 0; i < N - 1; i++) {
            for (int j = 0; j < 3; j++) {
                f.putScalar(i, j, 0.5 * r.nextGaussian());
            }
            l.putScalar(i, i % 2, 1.0);
        }
        if (withCanary) {
            for (int j = 0; j < 3; j++) {
                f.putScalar(new int[]{N - 1, j}, CANARY[j]);
            }
        }
        l.putScalar(N - 1, canaryLabel, 1.0);
        return new DataSet(f, l);
    }

    private static double[] releasedUpdate(MultiLayerNetwork base, DataSet data, double sigma, long seed) {
        MultiLayerNetwork net = base.clone();
        double[] p0 = flat(net.params());
        PrivateTraining t = DPLoRA.makePrivate(net, data, DPConfig.builder().noiseMultiplier(sigma).delta(DELTA)
                .maxGradNorm(C).expectedBatchSize(N).steps(1).seed(seed).build());
        net.fit(t.iterator().next());
        assertEquals(1, t.stepsTaken());
        return minus(p0, flat(net.params()));
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            s += a[j] * b[j];
        }
        return s;
    }

    /** @return the epsilon lower bound of the audit at the given noise multiplier */
    private static double audit(MultiLayerNetwork base, double[] u, double tau, double sigma) {
        DataSet with = world(true);
        DataSet without = world(false);
        int truePositives = 0;
        int falsePositives = 0;
        for (int r = 0; r < RUNS; r++) {
            if (N * dot(releasedUpdate(base, with, sigma, 100_000 + r), u) / C > tau) {
                truePositives++;
            }
            if (N * dot(releasedUpdate(base, without, sigma, 200_000 + r), u) / C > tau) {
                falsePositives++;
            }
        }
        double lb = AuditBounds.epsilonLowerBound(truePositives, RUNS, falsePositives, RUNS, DELTA, CONFIDENCE);
        log.info("audit sigma = {}: TPR = {}/{}, FPR = {}/{}, epsilon lower bound = {} ({}% confidence)", sigma,
                truePositives, RUNS, falsePositives, RUNS, lb, 100 * CONFIDENCE);
        return lb;
    }

    @Test
    void lowerBoundStaysBelowTheAccountantWithNoiseAndIsLargeWithout() {
        MultiLayerNetwork base = tinyModel();
        MultiLayerNetwork plain = base.clone();
        INDArray p = plain.output(Nd4j.createFromArray(new double[][]{CANARY}));
        canaryLabel = p.getDouble(0, 0) < p.getDouble(0, 1) ? 0 : 1;
        double[] g = TestSupport.exampleGradient(plain, world(true), N - 1);
        assertTrue(norm(g) > 5 * C, "the canary must be clipped: ||g|| = " + norm(g));
        assertEquals(0.0, norm(TestSupport.exampleGradient(plain, world(false), N - 1)), 0.0,
                "the blank example must contribute nothing");
        double[] u = TestSupport.scale(g, 1.0 / norm(g));
        // noise-free statistic of the world without the canary; the canary adds exactly 1 (C u / E along u)
        double a = N * dot(releasedUpdate(base, world(false), 0.0, 1), u) / C;
        double aWith = N * dot(releasedUpdate(base, world(true), 0.0, 1), u) / C;
        assertEquals(a + 1.0, aWith, 1e-9);
        double tau = a + 0.5;

        double accountant = NoiseCalibration.epsilon(SIGMA, 1.0, 1, DELTA, AccountantType.RDP);
        double withNoise = audit(base, u, tau, SIGMA);
        double withoutNoise = audit(base, u, tau, 0.0);
        log.info("accountant epsilon (RDP) for sigma = {}: {}", SIGMA, accountant);
        assertTrue(withNoise < accountant, "audit lower bound " + withNoise + " exceeds the accountant's epsilon "
                + accountant + ": the DP claim would be false");
        assertTrue(withoutNoise > 4.0, "with the noise off the audit must detect the canary, got " + withoutNoise);
        assertTrue(withoutNoise > accountant, "the audit must be able to refute the claimed epsilon");
    }
}
