package io.dplora.updater;

import io.dplora.layers.DPOutputLayer;
import io.dplora.layers.LoRADenseLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.dplora.updater.TestSupport.flat;
import static io.dplora.updater.TestSupport.maxAbs;
import static io.dplora.updater.TestSupport.maxAbsDiff;
import static io.dplora.updater.TestSupport.minus;
import static io.dplora.updater.TestSupport.norm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12: networks with several inputs and outputs (two inputs merged, two DP heads) trained privately from a
 * MultiDataSet. One noise-free DP step releases exactly (1/E) sum_i min(1, C/||g_i||) g_i over the drawn examples
 * (batch-of-one loop over all inputs and labels); the budget, plan and stop are the DataSet path's.
 */
class MultiDataSetDPTest {

    static ComputationGraph twoInTwoOut(long seed) {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(seed)
                .dataType(DataType.DOUBLE).updater(new Sgd(1.0)).graphBuilder()
                .addInputs("a", "b")
                .addVertex("merge", new MergeVertex(), "a", "b")
                .addLayer("lora", new LoRADenseLayer.Builder().nIn(5).nOut(4).rank(2).alpha(2)
                        .activation(Activation.TANH).build(), "merge")
                .addLayer("out1", new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "lora")
                .addLayer("out2", new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "lora")
                .setOutputs("out1", "out2").build());
        net.init();
        TestSupport.randomiseLoraB(seed, net.getLayer("lora"));
        return net;
    }

    static MultiDataSet data(int n) {
        Random r = new Random(5);
        double[][] a = new double[n][3];
        double[][] b = new double[n][2];
        double[][] y1 = new double[n][3];
        double[][] y2 = new double[n][2];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 3; j++) {
                a[i][j] = r.nextGaussian();
            }
            for (int j = 0; j < 2; j++) {
                b[i][j] = r.nextGaussian();
            }
            y1[i][r.nextInt(3)] = 1;
            y2[i][r.nextInt(2)] = 1;
        }
        return new org.nd4j.linalg.dataset.MultiDataSet(
                new INDArray[] {Nd4j.createFromArray(a), Nd4j.createFromArray(b)},
                new INDArray[] {Nd4j.createFromArray(y1), Nd4j.createFromArray(y2)});
    }

    /** Records the indices the sampler materialises. */
    private static final class Recording implements IndexedMultiDataSource {
        final InMemoryMultiDataSource inner;
        final List<int[]> calls = new ArrayList<>();

        Recording(MultiDataSet d) {
            inner = new InMemoryMultiDataSource(d);
        }

        @Override
        public int size() {
            return inner.size();
        }

        @Override
        public MultiDataSet get(int[] indices) {
            calls.add(indices.clone());
            return inner.get(indices);
        }
    }

    private static double[] exampleGradient(ComputationGraph plain, MultiDataSet d, int i) {
        plain.setInputs(row(d.getFeatures(0), i), row(d.getFeatures(1), i));
        plain.setLabels(row(d.getLabels(0), i), row(d.getLabels(1), i));
        plain.computeGradientAndScore();
        return flat(plain.getFlattenedGradients());
    }

    private static INDArray row(INDArray a, int i) {
        return a.get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all()).dup();
    }

    @Test
    void oneDpStepReleasesTheExactClippedSumOverBothInputsAndHeads() {
        MultiDataSet data = data(12);
        ComputationGraph net = twoInTwoOut(3);
        ComputationGraph plain = net.clone();
        double c = 0.4;
        Recording source = new Recording(data);
        PrivateTraining t = DPLoRA.makePrivate(net, source, DPConfig.builder().noiseMultiplier(0.0).delta(1e-5)
                .expectedBatchSize(6).steps(1).seed(21).maxGradNorm(c).maxPhysicalBatchSize(4).build());
        int before = source.calls.size();
        double[] p0 = flat(net.params());
        t.fit();
        assertEquals(1, t.stepsTaken());
        double[] expected = new double[p0.length];
        for (int k = before; k < source.calls.size(); k++) {
            for (int i : source.calls.get(k)) {
                double[] g = exampleGradient(plain, data, i);
                double f = Math.min(1.0, c / norm(g));
                for (int j = 0; j < g.length; j++) {
                    expected[j] += f * g[j] / 6;
                }
            }
        }
        double[] released = minus(p0, flat(net.params()));
        assertTrue(maxAbs(expected) > 0);
        assertTrue(maxAbsDiff(expected, released) <= 1e-10 * maxAbs(expected),
                maxAbsDiff(expected, released) + " vs " + maxAbs(expected));
    }

    @Test
    void theMultiDataSetRunFollowsThePlanAndRefusesOtherData() {
        ComputationGraph net = twoInTwoOut(4);
        PrivateTraining t = DPLoRA.makePrivate(net, data(40), DPConfig.builder().noiseMultiplier(1.0).delta(1e-5)
                .maxGradNorm(1.0).expectedBatchSize(10).steps(8).build());
        net.fit(t.multiDataSetIterator());
        assertEquals(4, t.stepsTaken(), "one epoch: ceil(40 / 10) logical steps");
        t.fit();
        assertEquals(8, t.stepsTaken());
        assertEquals(8, t.ledger().totalSteps());
        ComputationGraph other = twoInTwoOut(5);
        DPLoRA.makePrivate(other, data(40), DPConfig.builder().noiseMultiplier(1.0).delta(1e-5).maxGradNorm(1.0)
                .expectedBatchSize(10).steps(8).build());
        assertThrows(IllegalStateException.class, () -> other.fit(data(4)),
                "a MultiDataSet that the sampler did not hand out is refused");
        PrivateTraining dataSetRun = DPLoRA.makePrivate(TestSupport.loraGraph(6, new Sgd(0.1)),
                TestSupport.data(1, 8), DPConfig.builder().noiseMultiplier(1.0).delta(1e-5).maxGradNorm(1.0)
                        .expectedBatchSize(4).steps(1).build());
        assertThrows(IllegalStateException.class, dataSetRun::multiDataSetIterator);
    }

    @Test
    void emptyPoissonBatchesAreNoiseOnlyAccountedSteps() {
        ComputationGraph net = twoInTwoOut(7);
        PrivateTraining t = DPLoRA.makePrivate(net, data(40), DPConfig.builder().noiseMultiplier(1.0).delta(1e-5)
                .maxGradNorm(1.0).expectedBatchSize(1).steps(12).seed(4).build());
        t.fit();
        assertEquals(12, t.stepsTaken());
        assertEquals(12, t.ledger().totalSteps());
        assertTrue(t.iterator().emptyLogicalBatches() > 0, "q = 1/40: some logical batches are empty");
    }

    /** @return the 2D MultiDataSet {@code d} in parts of at most {@code size} examples */
    static List<MultiDataSet> split(MultiDataSet d, int size) {
        List<MultiDataSet> parts = new ArrayList<>();
        long n = d.getFeatures(0).size(0);
        for (long start = 0; start < n; start += size) {
            long end = Math.min(n, start + size);
            parts.add(new org.nd4j.linalg.dataset.MultiDataSet(
                    new INDArray[] {d.getFeatures(0).get(NDArrayIndex.interval(start, end), NDArrayIndex.all()).dup(),
                        d.getFeatures(1).get(NDArrayIndex.interval(start, end), NDArrayIndex.all()).dup()},
                    new INDArray[] {d.getLabels(0).get(NDArrayIndex.interval(start, end), NDArrayIndex.all()).dup(),
                        d.getLabels(1).get(NDArrayIndex.interval(start, end), NDArrayIndex.all()).dup()}));
        }
        return parts;
    }

    @Test
    void aMultiDataSetIteratorIsMaterialisedAndSampledLikeTheMultiDataSet() {
        MultiDataSet d = data(24);
        List<MultiDataSet> parts = split(d, 10);
        ListIterator it = new ListIterator(parts);
        ComputationGraph a = twoInTwoOut(8);
        ComputationGraph b = twoInTwoOut(8);
        DPConfig config = DPConfig.builder().noiseMultiplier(1.0).delta(1e-5).maxGradNorm(1.0).expectedBatchSize(6)
                .steps(3).seed(13).build();
        DPLoRA.makePrivate(a, d, config).fit();
        PrivateTraining t = DPLoRA.makePrivate(b, it, config);
        t.fit();
        assertEquals(24, t.budget().plan().datasetSize());
        assertTrue(a.params().equalsWithEps(b.params(), 1e-12), "same data, same sampling, same noise");
        assertThrows(IllegalArgumentException.class, () -> InMemoryMultiDataSource.fromIterator(
                new ListIterator(parts), 100));
    }

    /**
     * A plain MultiDataSetIterator over a list, as a user's own iterator: a pre-processor applies to a copy of each
     * part, as DL4J iterators apply theirs to what {@code next()} returns.
     */
    static final class ListIterator implements org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator {
        private final List<MultiDataSet> parts;
        private org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor preProcessor;
        private int next;

        ListIterator(List<MultiDataSet> parts) {
            this.parts = parts;
        }

        @Override
        public MultiDataSet next(int num) {
            return next();
        }

        @Override
        public void setPreProcessor(org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor preProcessor) {
            this.preProcessor = preProcessor;
        }

        @Override
        public org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor getPreProcessor() {
            return preProcessor;
        }

        @Override
        public boolean resetSupported() {
            return true;
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }

        @Override
        public void reset() {
            next = 0;
        }

        @Override
        public boolean hasNext() {
            return next < parts.size();
        }

        @Override
        public MultiDataSet next() {
            MultiDataSet d = parts.get(next++);
            if (preProcessor == null) {
                return d;
            }
            MultiDataSet copy = d.copy();
            preProcessor.preProcess(copy);
            return copy;
        }
    }
}
