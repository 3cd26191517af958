package io.dplora.samples.run;

import io.dplora.updater.IndexedDataSource;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** Evaluates a single-input, single-output classifier on every example of a source (inference mode, masks used). */
public final class Evaluator {

    private static final int BATCH = 512;

    private Evaluator() {
    }

    /**
     * @param net    a ComputationGraph with one input and one softmax output
     * @param source the test examples
     * @return the confusion-matrix metrics (prediction = arg max of the output)
     */
    public static ClassificationMetrics evaluate(ComputationGraph net, IndexedDataSource source) {
        int n = source.size();
        int[] truth = new int[n];
        int[] predicted = new int[n];
        int classes = -1;
        for (int start = 0; start < n; start += BATCH) {
            int b = Math.min(BATCH, n - start);
            int[] idx = new int[b];
            for (int j = 0; j < b; j++) {
                idx[j] = start + j;
            }
            DataSet ds = source.get(idx);
            INDArray[] masks = ds.getFeaturesMaskArray() == null ? null : new INDArray[] {ds.getFeaturesMaskArray()};
            // DL4J M2.1 takes a preprocessor's batch size from the labels left by the last fit when there are any
            // (ComputationGraph.batchSize()), which breaks a FeedForwardToRnnPreProcessor on a batch of another size
            net.clear();
            INDArray out = net.output(false, new INDArray[] {ds.getFeatures()}, masks)[0];
            INDArray p = out.argMax(1);
            INDArray t = ds.getLabels().argMax(1);
            for (int j = 0; j < b; j++) {
                predicted[start + j] = p.getInt(j);
                truth[start + j] = t.getInt(j);
            }
            classes = (int) ds.getLabels().size(1);
        }
        return ClassificationMetrics.of(truth, predicted, classes);
    }
}
