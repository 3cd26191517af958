package io.dplora.samples.task;

import io.dplora.updater.IndexedDataSource;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fitting a head on the frozen features is training the head inside the network: the layers below keep their
 * parameters, the head's loss on the labelled data falls, and the network's score after the fit equals the score
 * of the same number of Adam steps run inside the network itself (same minibatches, same order).
 */
class FrozenFeatureHeadTest {

    private static ComputationGraph net() {
        return net(new Adam(0.05));
    }

    /** @param headUpdater the head layer's own updater (a fine-tuning network sets the run's there) */
    private static ComputationGraph net(org.nd4j.linalg.learning.config.IUpdater headUpdater) {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3)
                .dataType(DataType.DOUBLE).weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in")
                .addLayer("frozen", new FrozenLayer(new DenseLayer.Builder().nIn(6).nOut(5)
                        .activation(Activation.TANH).biasInit(0.1).build()), "in")
                .addLayer("head", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).updater(headUpdater).build(), "frozen")
                .setOutputs("head").build());
        net.init();
        return net;
    }

    private static DataSet data() {
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 40, 6);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 40, 3);
        for (int i = 0; i < 40; i++) {
            // a learnable rule: the class is the arg max of the first three inputs
            y.putScalar(i, x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3)).argMax().getInt(0), 1.0);
        }
        return new DataSet(x, y);
    }

    /** The 40 examples of {@code all} as an indexed source. */
    private static IndexedDataSource source(DataSet all) {
        return new IndexedDataSource() {
            @Override
            public int size() {
                return 40;
            }

            @Override
            public DataSet get(int[] indices) {
                return new DataSet(all.getFeatures().getRows(indices), all.getLabels().getRows(indices));
            }
        };
    }

    @Test
    void fitTrainsOnlyTheHeadAndEqualsTrainingItInsideTheNetwork() {
        DataSet all = data();
        IndexedDataSource source = source(all);
        ComputationGraph fitted = net();
        INDArray frozenBefore = fitted.getLayer("frozen").params().dup();
        INDArray headBefore = fitted.getLayer("head").params().dup();
        double scoreBefore = fitted.score(all);
        // one epoch of full-batch Adam: deterministic order, so the inside run can repeat it exactly
        PretrainSettings settings = new PretrainSettings(25, 40, 0.05, 7);
        new FrozenFeatureHead("frozen", "head", 8).fit(fitted, source, settings);

        assertEquals(frozenBefore, fitted.getLayer("frozen").params(), "the frozen layer must not change");
        assertNotEquals(headBefore, fitted.getLayer("head").params(), "the head must be fitted");
        double scoreAfter = fitted.score(all);
        assertTrue(scoreAfter < scoreBefore - 0.1, "loss " + scoreBefore + " -> " + scoreAfter);

        ComputationGraph inside = net();
        for (int i = 0; i < 25; i++) {
            inside.fit(all);
        }
        assertEquals(frozenBefore, inside.getLayer("frozen").params());
        INDArray a = fitted.getLayer("head").params();
        INDArray b = inside.getLayer("head").params();
        assertTrue(a.sub(b).amaxNumber().doubleValue() < 1e-10, "fitted on features " + a + " vs inside " + b);
    }

    @Test
    void theFitUsesTheSettingsLearningRateWhateverUpdaterTheHeadLayerCarries() {
        DataSet all = data();
        IndexedDataSource source = source(all);
        PretrainSettings settings = new PretrainSettings(25, 40, 0.05, 7);
        ComputationGraph reference = net(new Adam(0.05));
        ComputationGraph otherRate = net(new Adam(1e-6)); // same initial parameters (same seed), another head updater
        assertEquals(reference.getLayer("head").params(), otherRate.getLayer("head").params());
        new FrozenFeatureHead("frozen", "head", 8).fit(reference, source, settings);
        new FrozenFeatureHead("frozen", "head", 8).fit(otherRate, source, settings);
        assertEquals(reference.getLayer("head").params(), otherRate.getLayer("head").params(),
                "the settings' Adam 0.05 decides the fit, not the head layer's own updater");
    }
}
