package io.dplora.samples.task;

import io.dplora.updater.IndexedDataSource;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Fits the output layer of a network whose layers below it are frozen, on the features those layers produce: the
 * features of every labelled example are computed once (inference, masks applied), then a copy of the output layer's
 * own configuration is trained on them with shuffled minibatches of Adam, and its parameters are copied back. This is
 * exactly training the head inside the network (its input does not depend on any trained parameter), without running
 * the frozen encoder forward and backward on every epoch.
 *
 * <p>Used on public labelled data for the classifier's initialisation of a pretrained transformer, and, as the
 * non-private converged probe (method logreg), on the private training split: no privacy claim is made about it.
 */
public final class FrozenFeatureHead {

    private final String featureVertex;
    private final String headLayer;
    private final int forwardBatch;

    /**
     * @param featureVertex the vertex whose activations are the head's input (e.g. the pooling vertex)
     * @param headLayer     the output layer to fit
     * @param forwardBatch  examples per inference pass when computing the features
     */
    FrozenFeatureHead(String featureVertex, String headLayer, int forwardBatch) {
        this.featureVertex = featureVertex;
        this.headLayer = headLayer;
        this.forwardBatch = forwardBatch;
    }

    /**
     * @param net      the network (its head is replaced by the fitted one)
     * @param labelled the labelled examples
     * @param settings epochs, minibatch size, Adam learning rate and seed (initialisation and shuffling)
     * @return the fitted head's mean training loss over all the examples
     */
    public double fit(ComputationGraph net, IndexedDataSource labelled, PretrainSettings settings) {
        int n = labelled.size();
        List<INDArray> xs = new ArrayList<>();
        List<INDArray> ys = new ArrayList<>();
        for (int from = 0; from < n; from += forwardBatch) {
            DataSet ds = labelled.get(range(from, Math.min(n, from + forwardBatch)));
            xs.add(features(net, ds));
            ys.add(ds.getLabels());
        }
        INDArray x = Nd4j.vstack(xs);
        INDArray y = Nd4j.vstack(ys);
        Layer head = net.getLayer(headLayer);
        // the head's own configuration, with the fit's updater: a layer-level updater in it (the fine-tuning one,
        // whose learning rate is the run's) would otherwise override the settings' Adam
        org.deeplearning4j.nn.conf.layers.Layer headConf = head.conf().getLayer().clone();
        if (headConf instanceof BaseLayer base) {
            base.setIUpdater(new Adam(settings.learningRate()));
            base.setBiasUpdater(null);
        }
        MultiLayerNetwork alone = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(settings.seed())
                .dataType(x.dataType()).updater(new Adam(settings.learningRate())).list()
                .layer(headConf).build());
        alone.init();
        alone.setParams(head.params().dup());
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Random r = new Random(settings.seed());
        for (int epoch = 0; epoch < settings.epochs(); epoch++) {
            Collections.shuffle(order, r);
            for (int from = 0; from < n; from += settings.batchSize()) {
                int[] idx = order.subList(from, Math.min(n, from + settings.batchSize())).stream()
                        .mapToInt(Integer::intValue).toArray();
                alone.fit(new DataSet(x.getRows(idx), y.getRows(idx)));
            }
        }
        head.setParams(alone.params().dup());
        double loss = alone.score(new DataSet(x, y));
        // the fitted head must give inside the network what it gave on the features
        DataSet check = labelled.get(range(0, Math.min(n, forwardBatch)));
        INDArray inside = net.output(false, new INDArray[] {check.getFeatures()},
                check.getFeaturesMaskArray() == null ? null : new INDArray[] {check.getFeaturesMaskArray()})[0];
        INDArray outside = alone.output(features(net, check));
        double diff = inside.sub(outside).amaxNumber().doubleValue();
        if (!(diff <= 1e-4)) {
            throw new IllegalStateException("the head fitted on '" + featureVertex + "' features gives other outputs "
                    + "inside the network (max |diff| " + diff + ")");
        }
        return loss;
    }

    /**
     * @return the activations of the feature vertex for a batch (inference, with its feature mask). DL4J's
     * feedForward returns every vertex's activations as detached off-heap arrays, which are freed only when the
     * garbage collector collects them; on a transformer (all layers' activations of a batch) that outruns the heap's
     * own collections, so a collection is requested after each batch. ({@code ComputationGraph.output(List, ...)},
     * which keeps the rest in workspaces, leaves a workspace open when the requested vertex is a FrozenLayer.)
     */
    private INDArray features(ComputationGraph net, DataSet ds) {
        INDArray[] masks = ds.getFeaturesMaskArray() == null ? null : new INDArray[] {ds.getFeaturesMaskArray()};
        net.clear();
        net.setLayerMaskArrays(masks, null);
        try {
            Map<String, INDArray> acts = net.feedForward(new INDArray[] {ds.getFeatures()}, false, false);
            INDArray f = acts.get(featureVertex);
            if (f == null) {
                throw new IllegalArgumentException("the network has no vertex '" + featureVertex + "'");
            }
            return f.dup();
        } finally {
            net.clearLayerMaskArrays();
            net.clear();
            System.gc(); // frees the other activations' off-heap memory now (see above)
        }
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }
}
