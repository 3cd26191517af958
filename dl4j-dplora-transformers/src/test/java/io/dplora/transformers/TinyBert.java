package io.dplora.transformers;

import io.dplora.layers.LoRA;
import io.dplora.layers.LoRAMode;
import io.dplora.layers.LoRASpec;
import io.dplora.layers.PerExampleGradientLayer;
import io.dplora.layers.grad.TrainableParameters;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tiny random BERT of the same code as the imported MiniLM (2 blocks, hidden 32, 4 heads), for exactness tests. */
final class TinyBert {

    static final BertConfig CONFIG = new BertConfig(40, 32, 2, 4, 64, 24, 2, 1e-12);

    private TinyBert() {
    }

    /** @return a random encoder with non-trivial biases and LayerNorm gains */
    static ComputationGraph encoder(DataType dt, long seed) {
        ComputationGraph net = new ComputationGraph(BertGraph.encoder(CONFIG, dt, seed));
        net.init();
        Nd4j.getRandom().setSeed(seed);
        for (Layer l : net.getLayers()) {
            for (String k : l.paramTable().keySet()) {
                INDArray p = l.getParam(k);
                if (k.equals("b") || k.equals(LayerNormLayer.BIAS)) {
                    p.assign(Nd4j.randn(dt, p.shape()).muli(0.1));
                } else if (k.equals(LayerNormLayer.GAIN)) {
                    p.assign(Nd4j.randn(dt, p.shape()).muli(0.1).addi(1.0));
                }
            }
        }
        return net;
    }

    /** @return encoder + mean pooling + 3-class head, LoRA on the given PEFT targets, head trainable, B random */
    static ComputationGraph classifier(DataType dt, long seed, LoRAMode mode, String... targets) {
        ComputationGraph enc = encoder(dt, seed);
        ComputationGraph withHead = BertGraph.withClassifier(enc, CONFIG, 3, new Sgd(1.0));
        ComputationGraph net = LoRA.apply(withHead, LoRASpec.builder().targets(BertTargets.of(targets)).rank(2)
                .alpha(4).mode(mode).trainable(BertGraph.CLASSIFIER).updater(new Sgd(1.0)).seed(seed).build());
        Random r = new Random(seed);
        for (Layer l : net.getLayers()) {
            INDArray b = l.paramTable().get("loraB");
            if (b != null) {
                for (long i = 0; i < b.length(); i++) {
                    b.putScalar(i, 0.3 * r.nextGaussian());
                }
            }
        }
        return net;
    }

    /**
     * Random ids (with [CLS]-like 1 and [SEP]-like 2 around them) of the given lengths, padded to tMax; the padding
     * mask is the feature mask of input_ids.
     */
    static MultiDataSet batch(DataType dt, long seed, int tMax, int... lengths) {
        Random r = new Random(seed);
        int mb = lengths.length;
        INDArray ids = Nd4j.zeros(dt, mb, tMax);
        INDArray mask = Nd4j.zeros(dt, mb, tMax);
        INDArray y = Nd4j.zeros(dt, mb, 3);
        for (int i = 0; i < mb; i++) {
            for (int t = 0; t < lengths[i]; t++) {
                int id = t == 0 ? 1 : t == lengths[i] - 1 ? 2 : 3 + r.nextInt(CONFIG.vocabSize() - 3);
                ids.putScalar(i, t, id);
                mask.putScalar(i, t, 1);
            }
            y.putScalar(i, r.nextInt(3), 1);
        }
        return new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[]{ids}, new INDArray[]{y}, new INDArray[]{mask},
                null);
    }

    /** @return the network's output for the batch, padding mask applied */
    static INDArray output(ComputationGraph net, MultiDataSet d) {
        return net.output(false, d.getFeatures(), d.getFeaturesMaskArrays())[0];
    }

    static List<PerExampleGradientLayer> dpLayers(ComputationGraph net) {
        List<PerExampleGradientLayer> out = new ArrayList<>();
        for (Layer l : net.getLayers()) {
            if (l instanceof PerExampleGradientLayer) {
                out.add((PerExampleGradientLayer) l);
            }
        }
        return out;
    }

    /** Runs one batched backward pass with per-example gathering on; @return the squared norms */
    static double[] batchedSquaredNorms(ComputationGraph net, MultiDataSet d) {
        List<PerExampleGradientLayer> dp = dpLayers(net);
        dp.forEach(l -> l.setPerExampleGradientsEnabled(true));
        net.setInputs(d.getFeatures());
        net.setLabels(d.getLabels());
        net.setLayerMaskArrays(d.getFeaturesMaskArrays(), null);
        net.computeGradientAndScore();
        int m = (int) d.getFeatures(0).size(0);
        double[] out = new double[m];
        for (PerExampleGradientLayer l : dp) {
            assertEquals(m, l.perExampleCount());
            l.accumulateSquaredNorms(out);
        }
        return out;
    }

    /** After {@link #batchedSquaredNorms}: the book-keeping clipped sum, in double. */
    static double[] clippedSum(ComputationGraph net, double[] c) {
        for (PerExampleGradientLayer l : dpLayers(net)) {
            l.writeClippedSum(c);
        }
        TrainableParameters tp = TrainableParameters.of(net);
        INDArray g = Nd4j.create(DataType.DOUBLE, tp.dimension());
        tp.gather(net.gradient().gradient(), g);
        return g.toDoubleVector();
    }

    static void assertVectorClose(double[] expected, double[] actual, double rel, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double maxAbs = 0;
        double maxErr = 0;
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Double.isFinite(actual[i]), what + ": non-finite entry " + i);
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
            maxErr = Math.max(maxErr, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(maxAbs > 0, what + ": reference is all zero");
        assertTrue(maxErr <= rel * maxAbs, what + ": max error " + maxErr + " vs max |ref| " + maxAbs);
    }
}
