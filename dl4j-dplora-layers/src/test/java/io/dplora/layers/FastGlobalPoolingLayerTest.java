package io.dplora.layers;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToRnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.RnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FastGlobalPoolingLayer} against DL4J's GlobalPoolingLayer (computed independently by DL4J's code): outputs
 * and input gradients for every pooling type, with and without masks and collapsing, in FLOAT and DOUBLE and both
 * input orders; a gradient check in double; adversarial values in masked steps; conversion by LoRA.apply and back by
 * LoRA.merge; JSON and ModelSerializer round trips.
 */
class FastGlobalPoolingLayerTest {

    private static final int MB = 4;
    private static final int C = 5;
    private static final int T = 7;

    private static Layer instantiate(org.deeplearning4j.nn.conf.layers.Layer conf, DataType dt) {
        NeuralNetConfiguration nnc = new NeuralNetConfiguration.Builder().dataType(dt).layer(conf).build();
        return conf.instantiate(nnc, null, 0, null, false, dt);
    }

    /** [output, input gradient] of a pooling layer on x with an optional mask and upstream gradient eps. */
    private static INDArray[] run(org.deeplearning4j.nn.conf.layers.Layer conf, DataType dt, INDArray x,
                                  INDArray mask, INDArray eps) {
        Layer l = instantiate(conf, dt);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        l.setInput(x, mgr);
        l.feedForwardMaskArray(mask, MaskState.Active, (int) x.size(0));
        INDArray out = l.activate(true, mgr).dup();
        INDArray grad = l.backpropGradient(eps.reshape(out.shape()), mgr).getSecond().dup();
        return new INDArray[] {out, grad};
    }

    private static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(actual.shape()), what);
        double[] e = expected.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] a = actual.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], tol * Math.max(1.0, Math.abs(e[i])), what + " at " + i);
        }
    }

    @ParameterizedTest
    @EnumSource(value = PoolingType.class, names = {"AVG", "SUM", "MAX", "PNORM"})
    void equalsDl4jGlobalPoolingOutputsAndInputGradients(PoolingType type) {
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            double tol = dt == DataType.FLOAT ? 1e-5 : 1e-12;
            for (char order : new char[] {'c', 'f'}) {
                for (boolean masked : new boolean[] {true, false}) {
                    for (boolean collapse : new boolean[] {true, false}) {
                        INDArray x = TestData.features(dt, 11, MB, C, T).dup(order);
                        INDArray mask = masked ? TestData.lengthMask(dt, T, 7, 1, 4, 6) : null;
                        INDArray eps = TestData.features(dt, 12, MB, C);
                        GlobalPoolingLayer stock = new GlobalPoolingLayer.Builder(type).pnorm(3)
                                .collapseDimensions(collapse).build();
                        FastGlobalPoolingLayer fast = FastGlobalPoolingLayer.of(stock);
                        INDArray[] expected = run(stock, dt, x, mask, eps);
                        INDArray[] actual = run(fast, dt, x, mask, eps);
                        String what = type + " " + dt + " " + order + (masked ? " masked" : "")
                                + (collapse ? "" : " uncollapsed");
                        assertClose(expected[0], actual[0], tol, what + " output");
                        assertClose(expected[1], actual[1], tol, what + " input gradient");
                    }
                }
            }
        }
    }

    @Test
    void nonBinaryMasksAndOtherPoolingDimensionsGiveDl4jsResults() {
        DataType dt = DataType.DOUBLE;
        INDArray x = TestData.features(dt, 21, MB, C, T);
        INDArray eps = TestData.features(dt, 22, MB, C);
        INDArray weights = Nd4j.rand(dt, MB, T).addi(0.1);
        for (PoolingType type : new PoolingType[] {PoolingType.AVG, PoolingType.SUM}) {
            GlobalPoolingLayer stock = new GlobalPoolingLayer.Builder(type).build();
            INDArray[] expected = run(stock, dt, x, weights, eps);
            INDArray[] actual = run(FastGlobalPoolingLayer.of(stock), dt, x, weights, eps);
            assertClose(expected[0], actual[0], 1e-12, type + " weighted mask output");
            assertClose(expected[1], actual[1], 1e-12, type + " weighted mask input gradient");
        }
        // pooling over the channels instead of time: DL4J's code path
        GlobalPoolingLayer overChannels = new GlobalPoolingLayer.Builder(PoolingType.AVG).poolingDimensions(1)
                .build();
        INDArray epsT = TestData.features(dt, 23, MB, T);
        assertClose(run(overChannels, dt, x, null, epsT)[0],
                run(FastGlobalPoolingLayer.of(overChannels), dt, x, null, epsT)[0], 0, "AVG over dimension 1");
    }

    /** Huge values in masked steps contribute exact zeros (as in DL4J); huge values in real steps stay finite. */
    @Test
    void maskedStepsHoldingHugeValuesChangeNothingInFloat() {
        DataType dt = DataType.FLOAT;
        INDArray mask = TestData.lengthMask(dt, T, 7, 1, 4, 6);
        INDArray clean = TestData.features(dt, 31, MB, C, T);
        INDArray dirty = clean.dup();
        for (int i = 0; i < MB; i++) {
            for (int s = 0; s < T; s++) {
                if (mask.getDouble(i, s) == 0) {
                    for (int c = 0; c < C; c++) {
                        dirty.putScalar(new int[] {i, c, s}, (c % 2 == 0 ? 1 : -1) * 3.0e38);
                    }
                }
            }
        }
        INDArray eps = TestData.features(dt, 32, MB, C);
        FastGlobalPoolingLayer avg = new FastGlobalPoolingLayer(PoolingType.AVG);
        INDArray[] a = run(avg, dt, clean, mask, eps);
        INDArray[] b = run(avg, dt, dirty, mask, eps);
        assertEquals(a[0], b[0], "output");
        assertEquals(a[1], b[1], "input gradient");
        // real steps near the float limit: DL4J sums first and overflows; here each term is weighted first
        INDArray huge = clean.mul(3.0e38);
        INDArray out = run(avg, dt, huge, mask, eps)[0];
        assertTrue(java.util.Arrays.stream(out.dup().data().asDouble()).allMatch(Double::isFinite),
                "finite output for finite input: " + out);
        assertClose(run(avg, DataType.DOUBLE, huge.castTo(DataType.DOUBLE), mask.castTo(DataType.DOUBLE),
                eps.castTo(DataType.DOUBLE))[0], out, 1e-5, "huge inputs against double");
    }

    private static ComputationGraph pooledGraph(org.deeplearning4j.nn.conf.layers.Layer pool, DataType dt) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(dt)
                .updater(new NoOp()).graphBuilder()
                .addInputs("in")
                .addLayer("rnn", new SimpleRnn.Builder().nIn(3).nOut(C).activation(Activation.TANH).build(), "in")
                .addLayer("lora", new LoRADenseLayer.Builder().nIn(C).nOut(C).rank(2).alpha(4)
                        .activation(Activation.TANH).build(), "rnn")
                .addLayer("pool", pool, "lora")
                .addLayer("out", new DPOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(C).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out")
                .setInputTypes(InputType.recurrent(3, T))
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        TestData.randomiseLoRAB(net.getLayer("lora"), 6);
        return net;
    }

    @ParameterizedTest
    @EnumSource(value = PoolingType.class, names = {"AVG", "SUM"})
    void passesDl4jsGradientCheckInDoubleWithMasks(PoolingType type) {
        DataType dt = DataType.DOUBLE;
        DataType before = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(dt, dt);
        try {
            ComputationGraph net = pooledGraph(new FastGlobalPoolingLayer(type), dt);
            INDArray x = TestData.features(dt, 41, MB, 3, T);
            INDArray mask = TestData.lengthMask(dt, T, 7, 2, 5, 1);
            INDArray y = TestData.oneHot(dt, 42, MB, 2);
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(net)
                    .inputs(new INDArray[] {x}).labels(new INDArray[] {y}).inputMask(new INDArray[] {mask})
                    .excludeParams(java.util.Set.of("lora_W", "lora_b")) // frozen W0 and bias: zero gradient by design
                    .maxRelError(1e-6).minAbsoluteError(1e-10).exitOnFirstError(true)), "gradient check failed");
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    @Test
    void loraApplyConvertsDl4jsPoolingAndMergeConvertsItBack(@TempDir Path dir) throws Exception {
        DataType dt = DataType.FLOAT;
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(dt)
                .updater(new Adam(1e-3)).graphBuilder()
                .addInputs("in")
                .addLayer("rnn", new SimpleRnn.Builder().nIn(3).nOut(C).activation(Activation.TANH).build(), "in")
                .addLayer("dense", new DenseLayer.Builder().nIn(C).nOut(C).activation(Activation.TANH).build(),
                        "rnn")
                .inputPreProcessor("dense", new RnnToFeedForwardPreProcessor())
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "dense")
                .inputPreProcessor("pool", new FeedForwardToRnnPreProcessor())
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(C).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out")
                .build();
        ComputationGraph pretrained = new ComputationGraph(conf);
        pretrained.init();
        ComputationGraph lora = LoRA.apply(pretrained, LoRASpec.builder().targets("dense").rank(2).alpha(4)
                .trainable("out").build());
        org.deeplearning4j.nn.conf.layers.Layer pool = lora.getLayer("pool").conf().getLayer();
        assertSame(FastGlobalPoolingLayer.class, pool.getClass());
        assertEquals(PoolingType.AVG, ((GlobalPoolingLayer) pool).getPoolingType());

        INDArray x = TestData.features(dt, 51, MB, 3, T);
        INDArray mask = TestData.lengthMask(dt, T, 7, 3, 5, 1);
        INDArray expected = pretrained.output(false, new INDArray[] {x}, new INDArray[] {mask})[0];
        assertClose(expected, lora.output(false, new INDArray[] {x}, new INDArray[] {mask})[0], 1e-6,
                "LoRA network (B = 0) against the pretrained one");

        ComputationGraph restoredConf = new ComputationGraph(ComputationGraphConfiguration.fromJson(
                lora.getConfiguration().toJson()));
        restoredConf.init(lora.params().dup(), false);
        assertSame(FastGlobalPoolingLayer.class, restoredConf.getLayer("pool").conf().getLayer().getClass());
        File saved = dir.resolve("lora.zip").toFile();
        ModelSerializer.writeModel(lora, saved, false);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(saved, false);
        assertEquals(lora.output(false, new INDArray[] {x}, new INDArray[] {mask})[0],
                restored.output(false, new INDArray[] {x}, new INDArray[] {mask})[0], "ModelSerializer round trip");

        ComputationGraph merged = LoRA.merge(lora);
        assertSame(GlobalPoolingLayer.class, merged.getLayer("pool").conf().getLayer().getClass());
        assertClose(expected, merged.output(false, new INDArray[] {x}, new INDArray[] {mask})[0], 1e-6,
                "merged network");
    }

    @Test
    void multiLayerNetworksAreConvertedAndMergedBackToo() {
        DataType dt = DataType.FLOAT;
        MultiLayerNetwork pretrained = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(4).dataType(dt)
                .updater(new Adam(1e-3)).list()
                .layer(new SimpleRnn.Builder().nIn(3).nOut(C).activation(Activation.TANH).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.SUM).build())
                .layer(new DenseLayer.Builder().nIn(C).nOut(C).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(C).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .build()); // DL4J puts an RnnToFeedForward pre-processor after the pooling (a no-op on its output)
        pretrained.init();
        MultiLayerNetwork lora = LoRA.apply(pretrained, LoRASpec.builder().targets("layer2").rank(2).alpha(4)
                .trainable("layer3").build());
        assertSame(FastGlobalPoolingLayer.class, lora.getLayer(1).conf().getLayer().getClass());
        INDArray x = TestData.features(dt, 61, MB, 3, T);
        INDArray mask = TestData.lengthMask(dt, T, 2, 7, 4, 1);
        INDArray expected = pretrained.output(x, false, mask, null);
        assertClose(expected, lora.output(x, false, mask, null), 1e-6, "LoRA list network (B = 0)");
        MultiLayerNetwork merged = LoRA.merge(lora);
        assertSame(GlobalPoolingLayer.class, merged.getLayer(1).conf().getLayer().getClass());
        assertClose(expected, merged.output(x, false, mask, null), 1e-6, "merged list network");
    }
}
