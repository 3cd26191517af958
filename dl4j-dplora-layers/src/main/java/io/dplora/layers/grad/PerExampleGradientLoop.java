package io.dplora.layers.grad;

import io.dplora.layers.PerExampleGradientLayer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The explicit per-example gradient computation: for each example of a batch, a forward and backward pass of the same
 * network (same parameters) on a batch of <em>one</em>, and that example's gradient over all trainable coordinates
 * ({@link TrainableParameters}, in the network's gradient order). This is the independent reference that the
 * vectorised per-example norms and clipped sums of {@link PerExampleGradientLayer}s are tested against, and the naive
 * baseline a benchmark times.
 *
 * <p>Semantics: g<sub>i</sub> is the gradient of example i's own loss, i.e. DL4J's un-averaged batch-of-one gradient
 * (for sequence outputs the sum over the example's unmasked steps). Regularisation is not included (DL4J adds it in the
 * updater). A per-example label mask [mb, 1] with weight w<sub>i</sub> is applied as the factor w<sub>i</sub> (DL4J
 * rejects [1, 1] masks with softmax); per-output and per-step masks are sliced.
 *
 * <p>Side effects: overwrites the network's inputs, labels, masks and flattened gradient; per-example gathering of
 * {@link PerExampleGradientLayer}s is switched off during the loop (which drops their stashed state) and restored
 * afterwards. Run it <em>before</em> the batched pass whose per-example state you want to inspect. Requires a
 * deterministic forward pass (no dropout).
 */
public final class PerExampleGradientLoop {

    private PerExampleGradientLoop() {
    }

    /** Calls {@code consumer} with each example's gradient (ComputationGraph, all inputs/labels/masks sliced). */
    public static void forEach(ComputationGraph net, MultiDataSet data, PerExampleGradientConsumer consumer) {
        TrainableParameters tp = TrainableParameters.of(net);
        int m = Math.toIntExact(data.getFeatures(0).size(0));
        run(net, net.getLayers(), tp, m, consumer, i -> {
            INDArray[] labels = slice(data.getLabels(), i);
            INDArray[] labelMasks = slice(data.getLabelsMaskArrays(), i);
            double weight = 1.0;
            if (labelMasks != null) {
                for (int k = 0; k < labelMasks.length; k++) {
                    if (isPerExampleMask(labelMasks[k], labels[k])) {
                        weight *= labelMasks[k].getDouble(0);
                        labelMasks[k] = null;
                    }
                }
            }
            if (weight != 0.0) {
                net.setInputs(slice(data.getFeatures(), i));
                net.setLabels(labels);
                net.setLayerMaskArrays(slice(data.getFeaturesMaskArrays(), i), labelMasks);
                net.computeGradientAndScore();
            }
            return weight;
        });
        net.clearLayerMaskArrays();
    }

    /** Calls {@code consumer} with each example's gradient (MultiLayerNetwork). */
    public static void forEach(MultiLayerNetwork net, DataSet data, PerExampleGradientConsumer consumer) {
        TrainableParameters tp = TrainableParameters.of(net);
        int m = Math.toIntExact(data.getFeatures().size(0));
        run(net, net.getLayers(), tp, m, consumer, i -> {
            INDArray labels = slice(data.getLabels(), i);
            INDArray labelMask = slice(data.getLabelsMaskArray(), i);
            double weight = 1.0;
            if (isPerExampleMask(labelMask, labels)) {
                weight = labelMask.getDouble(0);
                labelMask = null;
            }
            if (weight != 0.0) {
                net.setInput(slice(data.getFeatures(), i));
                net.setLabels(labels);
                net.setLayerMaskArrays(slice(data.getFeaturesMaskArray(), i), labelMask);
                net.computeGradientAndScore();
            }
            return weight;
        });
        net.clearLayerMaskArrays();
    }

    /** @return all per-example gradients of a ComputationGraph batch, in double */
    public static PerExampleGradients collect(ComputationGraph net, MultiDataSet data) {
        List<double[]> rows = new ArrayList<>();
        forEach(net, data, (i, g) -> rows.add(g.toDoubleVector()));
        return new PerExampleGradients(TrainableParameters.of(net), rows.toArray(new double[0][]));
    }

    /** @return all per-example gradients of a MultiLayerNetwork batch, in double */
    public static PerExampleGradients collect(MultiLayerNetwork net, DataSet data) {
        List<double[]> rows = new ArrayList<>();
        forEach(net, data, (i, g) -> rows.add(g.toDoubleVector()));
        return new PerExampleGradients(TrainableParameters.of(net), rows.toArray(new double[0][]));
    }

    /** One example's pass: sets up and runs backprop for example i, returns its weight (0: skipped, gradient 0). */
    private interface ExamplePass {
        double run(int example);
    }

    private static void run(Model net, Layer[] layers, TrainableParameters tp, int m,
                            PerExampleGradientConsumer consumer, ExamplePass pass) {
        Map<PerExampleGradientLayer, Boolean> flags = new IdentityHashMap<>();
        for (Layer l : layers) {
            for (Layer cur = l; cur != null; cur = cur instanceof BaseWrapperLayer ? ((BaseWrapperLayer) cur).getUnderlying() : null) {
                if (cur instanceof PerExampleGradientLayer) {
                    PerExampleGradientLayer p = (PerExampleGradientLayer) cur;
                    flags.put(p, p.isPerExampleGradientsEnabled());
                    p.setPerExampleGradientsEnabled(false);
                }
            }
        }
        INDArray g = Nd4j.create(DataType.DOUBLE, tp.dimension());
        try {
            for (int i = 0; i < m; i++) {
                double weight = pass.run(i);
                if (weight == 0.0) {
                    g.assign(0.0);
                } else {
                    tp.gather(net.gradient().gradient(), g);
                    if (weight != 1.0) {
                        g.muli(weight);
                    }
                }
                consumer.accept(i, g);
            }
        } finally {
            flags.forEach(PerExampleGradientLayer::setPerExampleGradientsEnabled);
        }
    }

    private static boolean isPerExampleMask(INDArray mask, INDArray labels) {
        return mask != null && labels != null && labels.rank() == 2 && mask.rank() == 2 && mask.size(1) == 1
                && labels.size(1) != 1;
    }

    private static INDArray slice(INDArray arr, int i) {
        if (arr == null) {
            return null;
        }
        return arr.get(NDArrayIndex.interval(i, i + 1)).dup();
    }

    private static INDArray[] slice(INDArray[] arrs, int i) {
        if (arrs == null) {
            return null;
        }
        INDArray[] out = new INDArray[arrs.length];
        for (int k = 0; k < arrs.length; k++) {
            out[k] = slice(arrs[k], i);
        }
        return out;
    }
}
