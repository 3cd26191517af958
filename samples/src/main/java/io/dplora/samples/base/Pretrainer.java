package io.dplora.samples.base;

import io.dplora.samples.run.Evaluator;
import io.dplora.samples.run.Progress;
import io.dplora.samples.run.ShuffledBatches;
import io.dplora.samples.task.PretrainSettings;
import io.dplora.samples.task.Task;
import io.dplora.samples.task.TaskData;
import me.tongfei.progressbar.ProgressBar;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;

import java.io.PrintStream;

/**
 * Non-private pretraining of a task's base model on its PUBLIC training split: Adam, shuffled minibatches, a fixed
 * number of epochs; reports the loss per epoch and the public test accuracy. No privacy claim is made or needed.
 */
public final class Pretrainer {

    private final PrintStream out;

    /** @param out where the per-epoch summary lines go */
    public Pretrainer(PrintStream out) {
        this.out = out;
    }

    /** Trains {@code task.buildBase(data, settings)} and returns it with its public test accuracy. */
    public Trained pretrain(Task task, TaskData data, PretrainSettings settings) {
        long start = System.nanoTime();
        ComputationGraph net = task.buildBase(data, settings);
        ShuffledBatches batches = new ShuffledBatches(data.publicTrain(), settings.batchSize(), settings.seed());
        double accuracy = Double.NaN;
        // a task whose buildBase fitted the base already (on frozen features) is only evaluated here
        int epochs = task.buildBaseTrainsHead() ? 0 : settings.epochs();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            double lossSum = 0;
            long examples = 0;
            batches.reset();
            try (ProgressBar bar = Progress.bar("pretrain " + task.name() + " " + epoch + "/" + settings.epochs(),
                    batches.batchesPerEpoch())) {
                while (batches.hasNext()) {
                    DataSet ds = batches.next();
                    net.fit(ds);
                    long b = ds.numExamples();
                    lossSum += net.score() * b;
                    examples += b;
                    bar.step();
                }
            }
            accuracy = Evaluator.evaluate(net, data.publicTest(), task.evaluationBatch()).accuracy();
            out.printf("pretrain %s epoch %d/%d: loss %.4f, public test accuracy %.4f%n", task.name(), epoch,
                    settings.epochs(), lossSum / examples, accuracy);
        }
        if (epochs == 0) {
            accuracy = Evaluator.evaluate(net, data.publicTest(), task.evaluationBatch()).accuracy();
            out.printf("base %s: head fitted on the public labelled examples, public test accuracy %.4f%n",
                    task.name(), accuracy);
        }
        return new Trained(net, accuracy, (System.nanoTime() - start) / 1e9);
    }

    /**
     * @param network            the trained base
     * @param publicTestAccuracy its accuracy on the public test split
     * @param seconds            wall time
     */
    public record Trained(ComputationGraph network, double publicTestAccuracy, double seconds) {
    }
}
