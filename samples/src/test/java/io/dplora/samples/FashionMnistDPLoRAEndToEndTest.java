package io.dplora.samples;

import io.dplora.layers.LoRA;
import io.dplora.layers.LoRAMode;
import io.dplora.layers.LoRASpec;
import io.dplora.samples.data.DataLocations;
import io.dplora.samples.data.FashionMnist;
import io.dplora.samples.data.ImageSet;
import io.dplora.samples.data.ImageSource;
import io.dplora.updater.DPConfig;
import io.dplora.updater.DPLoRA;
import io.dplora.updater.PrivateTraining;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.ViewIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end on real data: Fashion-MNIST. A small MLP is pretrained without privacy on the "public" classes 0-4;
 * its dense layers are converted to LoRA and its head becomes the DP-capable head (LoRA.apply), and it is fine-tuned
 * with DP-SGD at epsilon 8 (delta 1e-5) on the "private" classes 5-9 (relabelled 0-4), a task it has never seen. The
 * private model must be clearly above chance (20%) on the private classes' test images, with reported epsilon <= 8.
 * Needs the data from scripts/fetch-data.sh (fails with that fix when absent, never skips).
 */
class FashionMnistDPLoRAEndToEndTest {

    private static final Logger log = LoggerFactory.getLogger(FashionMnistDPLoRAEndToEndTest.class);

    private static final int PUBLIC_TRAIN = 12_000;
    private static final int PRIVATE_TRAIN = 12_000;
    private static final double TARGET_EPSILON = 8.0;
    private static final double DELTA = 1e-5;

    private static ImageSet subset(ImageSet set, int n, long seed) {
        if (set.size() <= n) {
            return set;
        }
        int[] idx = new int[set.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Random r = new Random(seed);
        for (int i = idx.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        return set.select(java.util.Arrays.copyOf(idx, n));
    }

    private static DataSet all(ImageSet set) {
        int[] idx = new int[set.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        return new ImageSource(set).get(idx);
    }

    private static ComputationGraph base(int classes) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(12345).updater(new Adam(1e-3))
                .weightInit(WeightInit.XAVIER).graphBuilder().addInputs("in")
                .addLayer("dense1", new DenseLayer.Builder().nIn(FashionMnist.ROWS * FashionMnist.COLS).nOut(128)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("dense2", new DenseLayer.Builder().nIn(128).nOut(64).activation(Activation.RELU).build(),
                        "dense1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(64).nOut(classes)
                        .activation(Activation.SOFTMAX).build(), "dense2")
                .setOutputs("out").build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    private static double accuracy(ComputationGraph net, DataSet test) {
        Evaluation eval = net.evaluate(new ViewIterator(test, 500));
        return eval.accuracy();
    }

    @Test
    void loraWithDpHeadFineTunedAtEpsilon8BeatsChanceOnUnseenClasses() {
        FashionMnist fm = FashionMnist.load(DataLocations.defaults());
        ImageSet publicTrain = subset(fm.train().keepClasses(0, 1, 2, 3, 4), PUBLIC_TRAIN, 1);
        ImageSet privateTrain = subset(fm.train().keepClasses(5, 6, 7, 8, 9), PRIVATE_TRAIN, 2);
        DataSet privateTest = all(fm.test().keepClasses(5, 6, 7, 8, 9));

        ComputationGraph pretrained = base(5);
        DataSet pub = all(publicTrain);
        pretrained.fit(new ViewIterator(pub, 64), 2);
        double before = accuracy(pretrained, privateTest);

        ComputationGraph net = LoRA.apply(pretrained, LoRASpec.builder().targets("dense1", "dense2").rank(8)
                .alpha(16).mode(LoRAMode.VANILLA).trainable("out").updater(new Adam(2e-3)).build());
        DPConfig config = DPConfig.builder().targetEpsilon(TARGET_EPSILON).delta(DELTA).maxGradNorm(1.0)
                .expectedBatchSize(256).epochs(3).maxPhysicalBatchSize(128).seed(7).build();
        PrivateTraining training = DPLoRA.makePrivate(net, new ImageSource(privateTrain), config);
        training.fit();

        double after = accuracy(net, privateTest);
        log.info("Fashion-MNIST classes 5-9, N = {}: accuracy of the public model {} -> DP LoRA {} at epsilon {} "
                        + "(delta {}, sigma {}, {} steps)", privateTrain.size(), before, after, training.epsilon(),
                DELTA, training.noiseMultiplier(), training.stepsTaken());
        assertTrue(training.epsilon() <= TARGET_EPSILON, "reported epsilon " + training.epsilon());
        assertTrue(training.epsilon() > 0.9 * TARGET_EPSILON, "the calibrated run should spend its budget");
        assertTrue(after > 0.6, "DP fine-tuned accuracy " + after + " is not clearly above chance (0.2)");
        assertTrue(after > before + 0.2, "fine-tuning must learn the private task: " + before + " -> " + after);
    }
}
