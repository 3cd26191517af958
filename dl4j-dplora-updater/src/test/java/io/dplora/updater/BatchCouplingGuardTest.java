package io.dplora.updater;

import io.dplora.layers.DPDenseLayer;
import io.dplora.layers.DPOutputLayer;
import io.dplora.layers.PerExampleComputation;
import io.dplora.layers.PerExampleGradientLayer;
import io.dplora.layers.PerExampleLoss;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ReshapeVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.TimeDistributed;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.*;

import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10 item 1: losses and layers that couple the examples of a batch. For every stock loss the guard accepts, a
 * canary example added to a batch moves the clipped sum (the DP layers' own per-example machinery, noise off) by at
 * most C; LossFMeasure, which builds every row's gradient from batch-wide counts, moves it by far more, and the guard
 * refuses it (on a DP head and in a LossLayer above DP layers), naming the layer and the loss. Layers and vertices
 * that can mix examples are refused, opt-in markers are honoured.
 */
class BatchCouplingGuardTest {

    private static final int N_IN = 5;
    private static final double C = 0.5;

    /** A loss, the head's activation and width, and labels of the kind the loss expects. */
    record LossCase(String name, ILossFunction loss, Activation activation, int nOut, LabelKind labels,
                    DataType dataType) {
        LossCase(String name, ILossFunction loss, Activation activation, int nOut, LabelKind labels) {
            this(name, loss, activation, nOut, labels, DataType.DOUBLE);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    enum LabelKind { ONE_HOT, CLASS_INDEX, BINARY, REAL, POSITIVE, SIGNS, PROBABILITIES, COUNTS, MULTI_HOT, MDN }

    static Stream<LossCase> acceptedStockLosses() {
        return Stream.of(
                new LossCase("MCXENT", new LossMCXENT(), Activation.SOFTMAX, 4, LabelKind.ONE_HOT),
                new LossCase("NLL", new LossNegativeLogLikelihood(), Activation.SOFTMAX, 4, LabelKind.ONE_HOT),
                new LossCase("sparse MCXENT", new LossSparseMCXENT(), Activation.SOFTMAX, 4, LabelKind.CLASS_INDEX),
                new LossCase("binary XENT", new LossBinaryXENT(), Activation.SIGMOID, 4, LabelKind.BINARY),
                new LossCase("MSE", new LossMSE(), Activation.IDENTITY, 4, LabelKind.REAL),
                new LossCase("L2", new LossL2(), Activation.IDENTITY, 4, LabelKind.REAL),
                new LossCase("L1", new LossL1(), Activation.IDENTITY, 4, LabelKind.REAL),
                new LossCase("MAE", new LossMAE(), Activation.IDENTITY, 4, LabelKind.REAL),
                new LossCase("MAPE", new LossMAPE(), Activation.IDENTITY, 4, LabelKind.POSITIVE),
                new LossCase("MSLE", new LossMSLE(), Activation.SOFTPLUS, 4, LabelKind.POSITIVE),
                new LossCase("hinge", new LossHinge(), Activation.IDENTITY, 4, LabelKind.SIGNS),
                new LossCase("squared hinge", new LossSquaredHinge(), Activation.IDENTITY, 4, LabelKind.SIGNS),
                new LossCase("KLD", new LossKLD(), Activation.SOFTMAX, 4, LabelKind.PROBABILITIES),
                new LossCase("Poisson", new LossPoisson(), Activation.SOFTPLUS, 4, LabelKind.COUNTS),
                new LossCase("cosine proximity", new LossCosineProximity(), Activation.IDENTITY, 4, LabelKind.REAL),
                new LossCase("Wasserstein", new LossWasserstein(), Activation.IDENTITY, 4, LabelKind.REAL),
                // DL4J's multi-label and mixture-density losses create FLOAT temporaries: FLOAT networks only
                new LossCase("multi-label", new LossMultiLabel(), Activation.IDENTITY, 4, LabelKind.MULTI_HOT,
                        DataType.FLOAT),
                new LossCase("mixture density", LossMixtureDensity.builder().gaussians(2).labelWidth(2).build(),
                        Activation.IDENTITY, 8, LabelKind.MDN, DataType.FLOAT));
    }

    private static ComputationGraph head(LossCase c, long seed) {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(seed)
                .dataType(c.dataType()).updater(new Sgd(1.0)).graphBuilder().addInputs("in")
                .addLayer("out", new DPOutputLayer.Builder(c.loss()).nIn(N_IN).nOut(c.nOut())
                        .activation(c.activation()).build(), "in")
                .setOutputs("out").build());
        net.init();
        return net;
    }

    /** k ordinary examples and, optionally, a large canary example last. */
    private static DataSet data(LossCase c, int k, boolean canary, long seed) {
        int n = k + (canary ? 1 : 0);
        Random r = new Random(seed);
        INDArray f = Nd4j.zeros(c.dataType(), n, N_IN);
        int width = c.labels() == LabelKind.CLASS_INDEX ? 1 : c.labels() == LabelKind.MDN ? 2 : c.nOut();
        INDArray l = Nd4j.zeros(c.dataType(), n, width);
        for (int i = 0; i < n; i++) {
            double scale = i == k ? 40.0 : 1.0;
            for (int j = 0; j < N_IN; j++) {
                f.putScalar(i, j, scale * r.nextGaussian());
            }
            int cls = r.nextInt(c.nOut());
            for (int j = 0; j < width; j++) {
                double v;
                switch (c.labels()) {
                    case ONE_HOT: v = j == cls ? 1 : 0; break;
                    case CLASS_INDEX: v = cls; break;
                    case BINARY: v = r.nextBoolean() ? 1 : 0; break;
                    case POSITIVE: v = 1 + r.nextDouble(); break;
                    case SIGNS: v = r.nextBoolean() ? 1 : -1; break;
                    case PROBABILITIES: v = 1.0 / width; break;
                    case COUNTS: v = r.nextInt(4); break;
                    case MULTI_HOT: v = j % 2 == (i % 2) ? 1 : 0; break;
                    default: v = r.nextGaussian();
                }
                l.putScalar(i, j, v);
            }
        }
        return new DataSet(f, l);
    }

    /**
     * The clipped sum of one batch through the DP layers' own per-example machinery (as the DP step does, without
     * the guard): per-example norms, c_i = min(1, C / n_i), book-keeping sum written into the trainable views.
     */
    private static double[] clippedSum(ComputationGraph net, DataSet data, double threshold) {
        PerExampleGradientLayer dp = (PerExampleGradientLayer) net.getLayer("out");
        dp.setPerExampleGradientsEnabled(true);
        net.setInputs(data.getFeatures());
        net.setLabels(data.getLabels());
        net.computeGradientAndScore();
        int m = data.numExamples();
        double[] sq = new double[m];
        dp.accumulateSquaredNorms(sq);
        double[] c = new double[m];
        for (int i = 0; i < m; i++) {
            c[i] = ClipFactors.clipFactor(sq[i], threshold, ClipFactors.marginFor(true));
        }
        dp.writeClippedSum(c);
        Map<String, INDArray> views = dp.trainableGradientViews();
        double[] w = TestSupport.flat(views.get("W"));
        double[] b = TestSupport.flat(views.get("b"));
        double[] out = new double[w.length + b.length];
        System.arraycopy(w, 0, out, 0, w.length);
        System.arraycopy(b, 0, out, w.length, b.length);
        dp.clearPerExampleState();
        return out;
    }

    /** @return ||clipped sum of (k examples + canary) - clipped sum of (the same k examples)|| */
    private static double canaryShift(LossCase c, int k, double threshold) {
        double[] with = clippedSum(head(c, 1), data(c, k, true, 2), threshold);
        double[] without = clippedSum(head(c, 1), data(c, k, false, 2), threshold);
        return TestSupport.norm(TestSupport.minus(with, without));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptedStockLosses")
    void everyAcceptedStockLossKeepsTheCanaryShiftWithinC(LossCase c) {
        ComputationGraph net = head(c, 1);
        PrivacyGuard.check(net);
        double shift = canaryShift(c, 6, C);
        double tolerance = c.dataType() == DataType.DOUBLE ? 1e-9 : 1e-6;
        assertTrue(shift <= C * (1 + tolerance), c + ": the canary moved the clipped sum by " + shift + " > C");
        assertTrue(shift > 0, c + ": the canary must contribute");
    }

    @Test
    void fMeasureCouplesTheBatchAndIsRefusedNamingLayerAndLoss() {
        LossCase f = new LossCase("F-measure", new LossFMeasure(), Activation.SIGMOID, 1, LabelKind.BINARY);
        // 30 negatives with aligned features: with no positive in the batch the F-measure gradient is 0 for all of
        // them; one positive canary gives every one of them a gradient (the batch's soft true positives enter each
        // row's gradient), so the clipped sum moves by about 30 C instead of at most C
        int k = 30;
        INDArray features = Nd4j.rand(DataType.DOUBLE, k + 1, N_IN).addi(0.5);
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, k + 1, 1);
        labels.putScalar(k, 0, 1.0);
        DataSet with = new DataSet(features, labels);
        DataSet without = new DataSet(features.get(NDArrayIndex.interval(0, k), NDArrayIndex.all()).dup(),
                labels.get(NDArrayIndex.interval(0, k), NDArrayIndex.all()).dup());
        double small = 1e-4;
        double shift = TestSupport.norm(TestSupport.minus(clippedSum(head(f, 1), with, small),
                clippedSum(head(f, 1), without, small)));
        assertTrue(shift > 10 * small, "LossFMeasure moves the other examples' gradients: shift " + shift / small
                + " C");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PrivacyGuard.check(head(f, 1)));
        assertTrue(e.getMessage().contains("'out'") && e.getMessage().contains("LossFMeasure"), e.getMessage());
    }

    @Test
    void aLossLayerAboveDpLayersIsCheckedToo() {
        ComputationGraph net = graph(gb -> gb
                .addLayer("dense", new DPDenseLayer.Builder().nIn(N_IN).nOut(1).activation(Activation.SIGMOID)
                        .build(), "in")
                .addLayer("loss", new LossLayer.Builder(new LossFMeasure()).activation(Activation.IDENTITY).build(),
                        "dense")
                .setOutputs("loss"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PrivacyGuard.check(net));
        assertTrue(e.getMessage().contains("'loss'") && e.getMessage().contains("LossFMeasure"), e.getMessage());
        ComputationGraph ok = graph(gb -> gb
                .addLayer("dense", new DPDenseLayer.Builder().nIn(N_IN).nOut(3).activation(Activation.SOFTMAX)
                        .build(), "in")
                .addLayer("loss", new LossLayer.Builder(new LossMCXENT()).activation(Activation.IDENTITY).build(),
                        "dense")
                .setOutputs("loss"));
        PrivacyGuard.check(ok);
    }

    /** A user's own per-row loss: a stock subclass is refused (it may change the behaviour) unless it opts in. */
    static class MyPerRowLoss extends LossMCXENT implements PerExampleLoss {
    }

    static class MyUnmarkedLoss extends LossMCXENT {
    }

    @Test
    void userLossesNeedTheMarker() {
        LossCase marked = new LossCase("mine", new MyPerRowLoss(), Activation.SOFTMAX, 4, LabelKind.ONE_HOT);
        PrivacyGuard.check(head(marked, 1));
        LossCase unmarked = new LossCase("unmarked", new MyUnmarkedLoss(), Activation.SOFTMAX, 4, LabelKind.ONE_HOT);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PrivacyGuard.check(head(unmarked,
                1)));
        assertTrue(e.getMessage().contains("MyUnmarkedLoss") && e.getMessage().contains("PerExampleLoss"),
                e.getMessage());
    }

    private static ComputationGraph graph(java.util.function.Function<ComputationGraphConfiguration.GraphBuilder,
            ComputationGraphConfiguration.GraphBuilder> body) {
        ComputationGraph net = new ComputationGraph(body.apply(new NeuralNetConfiguration.Builder().seed(1)
                .dataType(DataType.DOUBLE).updater(new Sgd(0.1)).graphBuilder().addInputs("in")).build());
        net.init();
        return net;
    }

    @Test
    void aReshapeVertexThatCanMoveValuesBetweenExamplesIsRefused() {
        ComputationGraph net = graph(gb -> gb
                .addVertex("reshape", new ReshapeVertex(-1, N_IN), "in")
                .addLayer("out", new DPOutputLayer.Builder(new LossMCXENT()).nIn(N_IN).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "reshape")
                .setOutputs("out"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PrivacyGuard.check(net));
        assertTrue(e.getMessage().contains("'reshape'") && e.getMessage().contains("ReshapeVertex"), e.getMessage());
    }

    @Test
    void timeDistributedIsRefusedAndFrozenStockLayersAreAccepted() {
        ComputationGraph frozen = graph(gb -> gb
                .addLayer("base", new FrozenLayer(new DenseLayer.Builder().nIn(N_IN).nOut(4)
                        .activation(Activation.RELU).build()), "in")
                .addVertex("scale", new ScaleVertex(0.5), "base")
                .addLayer("out", new DPOutputLayer.Builder(new LossMCXENT()).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "scale")
                .setOutputs("out"));
        PrivacyGuard.check(frozen);
        assertEquals(3, frozen.getConfiguration().getVertices().size());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ExampleIndependence.check(
                graph(gb -> gb.addLayer("td", new TimeDistributed(new DenseLayer.Builder().nIn(N_IN).nOut(4)
                                .build()), "in")
                        .addLayer("out", new DPOutputLayer.Builder(new LossMCXENT()).nIn(4).nOut(3)
                                .activation(Activation.SOFTMAX).build(), "td")
                        .setOutputs("out"))));
        assertTrue(e.getMessage().contains("'td'") && e.getMessage().contains("TimeDistributed"), e.getMessage());
    }

    /** An activation that normalises over the whole batch: it couples the examples. */
    static class BatchNormalisingActivation extends BaseActivationFunction {
        @Override
        public INDArray getActivation(INDArray in, boolean training) {
            return in.subi(in.meanNumber());
        }

        @Override
        public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
            return new Pair<>(epsilon, null);
        }
    }

    static class MarkedIdentity extends ActivationIdentity implements PerExampleComputation {
    }

    @Test
    void customActivationsNeedTheMarker() {
        IActivation coupling = new BatchNormalisingActivation();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PrivacyGuard.check(graph(gb -> gb
                .addLayer("base", new FrozenLayer(new DenseLayer.Builder().nIn(N_IN).nOut(4).activation(coupling)
                        .build()), "in")
                .addLayer("out", new DPOutputLayer.Builder(new LossMCXENT()).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "base")
                .setOutputs("out"))));
        assertTrue(e.getMessage().contains("'base'") && e.getMessage().contains("BatchNormalisingActivation"),
                e.getMessage());
        PrivacyGuard.check(graph(gb -> gb
                .addLayer("base", new FrozenLayer(new DenseLayer.Builder().nIn(N_IN).nOut(4)
                        .activation(new MarkedIdentity()).build()), "in")
                .addLayer("out", new DPOutputLayer.Builder(new LossMCXENT()).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "base")
                .setOutputs("out")));
    }
}
