package io.dplora.samples.run;

import io.dplora.updater.InMemoryDataSource;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The metrics the samples report, through a real network and DL4J's Evaluation, against hand-computed values. */
class EvaluatorTest {

    /** A 2-class network whose output is its input (identity weights, zero bias, identity activation). */
    private static ComputationGraph passThrough() {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .graphBuilder().addInputs("in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(2).nOut(2)
                        .activation(Activation.IDENTITY).build(), "in")
                .setOutputs("out").build());
        net.init();
        net.getLayer("out").setParam("W", Nd4j.eye(2).castTo(DataType.DOUBLE));
        net.getLayer("out").setParam("b", Nd4j.zeros(DataType.DOUBLE, 1, 2));
        return net;
    }

    private static INDArray oneHot(int[] classes) {
        INDArray a = Nd4j.zeros(DataType.DOUBLE, classes.length, 2);
        for (int i = 0; i < classes.length; i++) {
            a.putScalar(i, classes[i], 1.0);
        }
        return a;
    }

    @Test
    void binaryMetricsMatchHandComputedValues() {
        // truth: 6 ham (0), 4 spam (1); predictions: 5 ham right, 1 ham called spam, 3 spam right, 1 spam missed
        int[] truth = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1};
        int[] pred = {0, 0, 0, 0, 0, 1, 1, 1, 1, 0};
        Evaluation e = Evaluator.evaluate(passThrough(), new InMemoryDataSource(new DataSet(oneHot(pred),
                oneHot(truth))));
        assertEquals(0.8, e.accuracy(), 1e-15);
        assertEquals((5.0 / 6 + 3.0 / 4) / 2, Evaluator.balancedAccuracy(e), 1e-15);
        assertEquals(0.75, e.f1(1), 1e-15, "TP 3, FP 1, FN 1: F1 = 6/8");
        assertEquals(10.0 / 12, e.f1(0), 1e-15, "ham as positive: TP 5, FP 1, FN 1");
        assertEquals(10, e.getNumRowCounter());
    }

    @Test
    void absentClassesAreLeftOutOfBalancedAccuracyAndNoTruePositivesGiveF1Zero() {
        Evaluation e = Evaluator.evaluate(passThrough(), new InMemoryDataSource(new DataSet(
                oneHot(new int[] {0, 1, 0}), oneHot(new int[] {0, 0, 0}))));
        assertEquals(0.0, e.f1(1));
        assertEquals(2.0 / 3, Evaluator.balancedAccuracy(e), 1e-15);
    }
}
