package io.dplora.updater;

import io.dplora.layers.DPOutputLayer;
import io.dplora.layers.LoRADenseLayer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Small real networks (two LoRADenseLayers and a DPOutputLayer, in DOUBLE) and an independent oracle: per-example
 * gradients from a loop over batches of one on a copy of the network without DP, read from DL4J's flattened
 * gradient before any updater runs.
 */
final class TestSupport {

    static final int N_IN = 4;
    static final int N_OUT = 3;

    private TestSupport() {
    }

    static ComputationGraph loraGraph(long seed, IUpdater updater) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.DOUBLE)
                .updater(updater).weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in")
                .addLayer("l1", new LoRADenseLayer.Builder().nIn(N_IN).nOut(6).rank(2).alpha(4)
                        .activation(Activation.TANH).build(), "in")
                .addLayer("l2", new LoRADenseLayer.Builder().nIn(6).nOut(5).rank(2).alpha(2)
                        .activation(Activation.TANH).build(), "l1")
                .addLayer("out", new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(N_OUT)
                        .activation(Activation.SOFTMAX).build(), "l2")
                .setOutputs("out").build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        randomiseLoraB(seed, net.getLayer("l1"), net.getLayer("l2"));
        return net;
    }

    static MultiLayerNetwork loraMln(long seed, IUpdater updater) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.DOUBLE)
                .updater(updater).weightInit(WeightInit.XAVIER).list()
                .layer(new LoRADenseLayer.Builder().nIn(N_IN).nOut(6).rank(2).alpha(4).activation(Activation.TANH)
                        .build())
                .layer(new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(N_OUT)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        randomiseLoraB(seed, net.getLayer(0));
        return net;
    }

    /** B = 0 at init makes A's gradient vanish; give B values so both factors are exercised. */
    static void randomiseLoraB(long seed, Layer... layers) {
        SplittableRandom r = new SplittableRandom(seed + 17);
        for (Layer l : layers) {
            INDArray b = l.getParam("loraB");
            INDArray v = Nd4j.zeros(b.dataType(), b.shape());
            for (long j = 0; j < v.length(); j++) {
                v.putScalar(j, r.nextGaussian() * 0.5);
            }
            l.setParam("loraB", v);
        }
    }

    /** n examples with N_IN features and one-hot labels over N_OUT classes, with a wide range of gradient norms. */
    static DataSet data(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        INDArray f = Nd4j.zeros(DataType.DOUBLE, n, N_IN);
        INDArray l = Nd4j.zeros(DataType.DOUBLE, n, N_OUT);
        for (int i = 0; i < n; i++) {
            double scale = 0.2 + 3.0 * (i % 5) / 4.0;
            for (int j = 0; j < N_IN; j++) {
                f.putScalar(i, j, scale * r.nextGaussian());
            }
            l.putScalar(i, r.nextInt(N_OUT), 1.0);
        }
        return new DataSet(f, l);
    }

    static double[] flat(INDArray a) {
        return a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }

    /** Per-example gradient of example i: batch of one, DL4J's raw gradient before any updater. */
    static double[] exampleGradient(ComputationGraph plain, DataSet data, int i) {
        plain.setInputs(row(data.getFeatures(), i));
        plain.setLabels(row(data.getLabels(), i));
        plain.computeGradientAndScore();
        return flat(plain.getFlattenedGradients());
    }

    static double[] exampleGradient(MultiLayerNetwork plain, DataSet data, int i) {
        plain.setInput(row(data.getFeatures(), i));
        plain.setLabels(row(data.getLabels(), i));
        plain.computeGradientAndScore();
        return flat(plain.getFlattenedGradients());
    }

    /**
     * @return the clipped sum one DP step releases on all of {@code data} (q = 1, E = N, no noise, SGD with learning
     * rate 1, so the parameter change times N is the clipped sum)
     */
    static double[] releasedClippedSum(ComputationGraph net, DataSet data, double c) {
        int n = data.numExamples();
        PrivateTraining t = DPLoRA.makePrivate(net, data, DPConfig.builder().noiseMultiplier(0.0).delta(1e-5)
                .maxGradNorm(c).expectedBatchSize(n).steps(1).seed(5).build());
        double[] before = flat(net.params());
        t.fit();
        double[] moved = minus(before, flat(net.params()));
        for (int j = 0; j < moved.length; j++) {
            moved[j] *= n;
        }
        return moved;
    }

    /** @return example i of an array of any rank, as a batch of one */
    static INDArray row(INDArray a, int i) {
        return a.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(i, i + 1)).dup();
    }

    static double norm(double[] g) {
        double s = 0;
        for (double x : g) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    /** sum_i min(1, C/||g_i||) g_i (0 for non-finite norms) over the given examples: the oracle's clipped sum. */
    static double[] clippedSum(ComputationGraph plain, DataSet data, List<Integer> examples, double c) {
        double[] sum = new double[(int) plain.numParams()];
        for (int i : examples) {
            double[] g = exampleGradient(plain, data, i);
            double n = norm(g);
            if (!Double.isFinite(n)) {
                continue;
            }
            double f = n == 0 ? 1.0 : Math.min(1.0, c / n);
            for (int j = 0; j < sum.length; j++) {
                sum[j] += f * g[j];
            }
        }
        return sum;
    }

    static double[] clippedSum(MultiLayerNetwork plain, DataSet data, List<Integer> examples, double c) {
        double[] sum = new double[(int) plain.numParams()];
        for (int i : examples) {
            double[] g = exampleGradient(plain, data, i);
            double n = norm(g);
            double f = n == 0 ? 1.0 : Math.min(1.0, c / n);
            for (int j = 0; j < sum.length; j++) {
                sum[j] += f * g[j];
            }
        }
        return sum;
    }

    static double maxAbs(double[] a) {
        double m = 0;
        for (double x : a) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int j = 0; j < a.length; j++) {
            m = Math.max(m, Math.abs(a[j] - b[j]));
        }
        return m;
    }

    static double[] minus(double[] a, double[] b) {
        double[] d = new double[a.length];
        for (int j = 0; j < a.length; j++) {
            d[j] = a[j] - b[j];
        }
        return d;
    }

    static double[] scale(double[] a, double s) {
        double[] d = new double[a.length];
        for (int j = 0; j < a.length; j++) {
            d[j] = a[j] * s;
        }
        return d;
    }

    /** An IndexedDataSource that records which examples each micro-batch held (row j = example indices[j]). */
    static final class RecordingSource implements IndexedDataSource {
        final InMemoryDataSource inner;
        final List<int[]> calls = new ArrayList<>();

        RecordingSource(DataSet data) {
            this.inner = new InMemoryDataSource(data);
        }

        @Override
        public int size() {
            return inner.size();
        }

        @Override
        public DataSet get(int[] indices) {
            calls.add(indices.clone());
            return inner.get(indices);
        }

        List<Integer> drawnSince(int call) {
            List<Integer> out = new ArrayList<>();
            for (int k = call; k < calls.size(); k++) {
                for (int i : calls.get(k)) {
                    out.add(i);
                }
            }
            return out;
        }
    }
}
