package io.dplora.samples.run;

import io.dplora.layers.DPOutputLayer;
import io.dplora.layers.LoRADenseLayer;
import io.dplora.samples.base.BaseInfo;
import io.dplora.samples.base.BaseModel;
import io.dplora.samples.task.ImdbTask;
import io.dplora.samples.task.PretrainSettings;
import io.dplora.samples.task.Task;
import io.dplora.samples.task.TaskData;
import io.dplora.updater.IndexedDataSource;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The imdb model on sequences: the pretrained base pools only real tokens; {@code LoRA.apply} makes the token-level
 * dense layer a LoRADenseLayer on native 3D input (masked) and the pooled one a 2D LoRADenseLayer; the converted
 * network equals the base at B = 0 and, with a non-zero B, a review's output does not depend on how far its batch is
 * padded; DP fine-tuning runs end to end on it. Synthetic token ids (a vocabulary of 50), no real data.
 */
class ImdbModelTest {

    private static final int V = 50;
    private static final int T = 12;

    /** n sequences of random length 1..T; label 1 when ids 2..24 outnumber ids 25..49. */
    private static final class Sequences implements IndexedDataSource {
        private final int[][] ids;
        private final int[] labels;

        Sequences(int n, long seed) {
            Random r = new Random(seed);
            ids = new int[n][];
            labels = new int[n];
            for (int i = 0; i < n; i++) {
                ids[i] = new int[1 + r.nextInt(T)];
                int balance = 0;
                for (int t = 0; t < ids[i].length; t++) {
                    ids[i][t] = 2 + r.nextInt(V - 2);
                    balance += ids[i][t] < 25 ? 1 : -1;
                }
                labels[i] = balance > 0 ? 1 : 0;
            }
        }

        @Override
        public int size() {
            return ids.length;
        }

        /** Features [b, L] padded with 0 to the longest sequence of the batch (L = T when {@code pad}). */
        DataSet get(int[] indices, int length) {
            INDArray f = Nd4j.zeros(DataType.FLOAT, indices.length, length);
            INDArray m = Nd4j.zeros(DataType.FLOAT, indices.length, length);
            INDArray y = Nd4j.zeros(DataType.FLOAT, indices.length, 2);
            for (int j = 0; j < indices.length; j++) {
                int[] s = ids[indices[j]];
                for (int t = 0; t < s.length; t++) {
                    f.putScalar(j, t, s[t]);
                    m.putScalar(j, t, 1);
                }
                y.putScalar(j, labels[indices[j]], 1);
            }
            return new DataSet(f, y, m, null);
        }

        @Override
        public DataSet get(int[] indices) {
            int length = 1;
            for (int i : indices) {
                length = Math.max(length, ids[i].length);
            }
            return get(indices, length);
        }

        int length(int i) {
            return ids[i].length;
        }
    }

    private static TaskData data(Sequences train, Sequences test) {
        return new TaskData(train, test, train, test, List.of("negative", "positive"), V, "synthetic");
    }

    private static RunSettings settings(Method m, int rank, long seed) {
        return new RunSettings("imdb", m, rank, 16, 4, 1e-5, 1, 32, 16, 1e-2, 1.0, seed, null, null, io.dplora.accounting.AccountantType.PLD);
    }

    private static INDArray out(ComputationGraph net, DataSet ds) {
        return net.output(false, new INDArray[]{ds.getFeatures()}, new INDArray[]{ds.getFeaturesMaskArray()})[0];
    }

    @Test
    void loraActsOnTheTokenSequenceWithItsMask() {
        Task task = new ImdbTask();
        Sequences s = new Sequences(8, 1);
        ComputationGraph base = task.buildBase(data(s, s), new PretrainSettings(1, 8, 1e-3, 7));
        int[] all = {0, 1, 2, 3, 4, 5, 6, 7};
        DataSet padded = s.get(all, T);
        INDArray baseOut = out(base, padded);
        for (int i : all) { // the base (stock DL4J with preprocessors) pools only the real tokens too
            if (s.length(i) == 1) {
                continue; // DL4J's preprocessors refuse a single example of a single step (mask [1, 1])
            }
            assertTrue(out(base, s.get(new int[]{i}, s.length(i))).equalsWithEps(
                    baseOut.get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all()), 1e-5), "base, review " + i);
        }

        ComputationGraph net = FineTuner.convert(task, base, settings(Method.VANILLA, 4, 3));
        LoRADenseLayer token = assertInstanceOf(LoRADenseLayer.class, net.getLayer("token").conf().getLayer());
        assertEquals(RNNFormat.NCW, token.getRnnDataFormat(), "the token layer takes [b, E, T] natively");
        LoRADenseLayer pooled = assertInstanceOf(LoRADenseLayer.class, net.getLayer("dense1").conf().getLayer());
        assertNull(pooled.getRnnDataFormat(), "the pooled layer is 2D");
        assertInstanceOf(FrozenLayer.class, net.getLayer("embed"), "embeddings frozen");
        assertInstanceOf(DPOutputLayer.class, net.getLayer("out").conf().getLayer());
        var vertex = (org.deeplearning4j.nn.conf.graph.LayerVertex) net.getConfiguration().getVertices().get("token");
        assertNull(vertex.getPreProcessor(), "no RnnToFeedForward preprocessor left before the token layer");
        assertTrue(baseOut.equalsWithEps(out(net, padded), 1e-5), "B = 0: the base's outputs");
        // trainable: A and B of both adapters and the head (embedding 32, token width 64, pooled width 64)
        assertEquals(32 * 4 + 4 * 64 + 64 * 4 + 4 * 64 + 64 * 2 + 2, TrainableCount.of(net));

        // with a non-zero B, each review's output is the same alone (unpadded) and in a batch padded to T
        Random r = new Random(9);
        for (String l : List.of("token", "dense1")) {
            INDArray b = net.getLayer(l).getParam("loraB");
            for (long i = 0; i < b.length(); i++) {
                b.putScalar(i, r.nextGaussian());
            }
        }
        INDArray batchOut = out(net, padded);
        assertTrue(batchOut.sub(baseOut).amaxNumber().doubleValue() > 1e-3, "B changes the outputs");
        for (int i : all) {
            DataSet alone = s.get(new int[]{i}, s.length(i));
            INDArray single = out(net, alone);
            assertTrue(single.equalsWithEps(batchOut.get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all()), 1e-5),
                    "review " + i + " (length " + s.length(i) + "): padding must not change its output");
        }
    }

    @Test
    void dpFineTuningRunsOnTheSequenceModel() throws Exception {
        Task task = new ImdbTask();
        Sequences train = new Sequences(256, 2);
        Sequences test = new Sequences(64, 3);
        TaskData d = data(train, test);
        ComputationGraph base = task.buildBase(d, new PretrainSettings(1, 8, 1e-3, 7));
        BaseModel model = new BaseModel(base, new BaseInfo("imdb", task.architecture(), "synthetic",
                new PretrainSettings(1, 8, 1e-3, 7), "test", 0.5, 0), Path.of("unused"), false);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        RunResult r = new FineTuner(new PrintStream(log, true, StandardCharsets.UTF_8)).run(task, d, model,
                settings(Method.FFA, 2, 5), null);
        assertEquals(256, r.trainSize());
        assertEquals(8, r.steps(), "ceil(256 / 32) logical steps");
        assertTrue(r.epsilonSpent() > 0 && r.epsilonSpent() <= 4.0, "epsilon " + r.epsilonSpent());
        assertEquals(0, r.droppedExamples());
        assertTrue(Double.isFinite(r.epochLosses().get(0)), log.toString(StandardCharsets.UTF_8));
        assertEquals(32 * 0 + 2 * 64 + 64 * 0 + 2 * 64 + 64 * 2 + 2, r.trainableParameters(), "FFA: B and head");
    }
}
