package io.dplora.samples.run;

import io.dplora.updater.IndexedDataSource;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.evaluation.EvaluationAveraging;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Evaluates a single-input, single-output classifier on every example of a source (inference mode, masks used) with
 * DL4J's own {@link Evaluation}: accuracy, F1 of a class ({@code f1(1)}: spam), and balanced accuracy
 * ({@link #balancedAccuracy(Evaluation)}).
 */
public final class Evaluator {

    /** Default examples per inference pass. */
    public static final int BATCH = 512;

    private Evaluator() {
    }

    /**
     * @param net    a ComputationGraph with one input and one softmax output
     * @param source the test examples
     * @return DL4J's evaluation of all examples (prediction = arg max of the output)
     */
    public static Evaluation evaluate(ComputationGraph net, IndexedDataSource source) {
        return evaluate(net, source, BATCH);
    }

    /**
     * @param batch examples per inference pass (a transformer is faster on small batches: its attention scores grow
     *              with batch x T^2)
     */
    public static Evaluation evaluate(ComputationGraph net, IndexedDataSource source, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("evaluation batch must be >= 1, got " + batch);
        }
        int n = source.size();
        Evaluation evaluation = null;
        for (int start = 0; start < n; start += batch) {
            int b = Math.min(batch, n - start);
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
            if (evaluation == null) {
                evaluation = new Evaluation((int) ds.getLabels().size(1));
            }
            evaluation.eval(ds.getLabels(), out);
        }
        if (evaluation == null) {
            throw new IllegalArgumentException("nothing to evaluate: the source is empty");
        }
        return evaluation;
    }

    /**
     * @return balanced accuracy: the mean over the classes that occur of their recall, which is DL4J's macro-averaged
     * recall (classes without examples are left out of its average)
     */
    public static double balancedAccuracy(Evaluation evaluation) {
        return evaluation.recall(EvaluationAveraging.Macro);
    }
}
