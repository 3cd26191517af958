package io.dplora.samples.run;

import io.dplora.updater.IndexedDataSource;
import me.tongfei.progressbar.ProgressBar;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Ordinary (non-private) fine-tuning of the LoRA network: shuffled minibatches of the logical batch size, plain
 * {@code fit}, the network's own optimiser. The reference line of the comparison: same network, same trainable
 * parameters, same optimiser, batch size and epochs as the DP runs, only without clipping, noise and Poisson sampling.
 */
final class NonPrivateLoop implements TrainingLoop {

    private final ComputationGraph net;
    private final ShuffledBatches batches;
    private final int epochs;
    private final int batch;
    private int epochsDone;
    private long steps;

    NonPrivateLoop(ComputationGraph net, IndexedDataSource train, RunSettings s) {
        this.net = net;
        this.batches = new ShuffledBatches(train, Math.min(s.batch(), train.size()), s.seedOrRandom());
        this.epochs = s.epochs();
        this.batch = Math.min(s.batch(), train.size());
    }

    @Override
    public int plannedEpochs() {
        return epochs;
    }

    @Override
    public boolean hasNextEpoch() {
        return epochsDone < epochs;
    }

    @Override
    public double runEpoch(String label) {
        LossMean loss = new LossMean();
        batches.reset();
        try (ProgressBar bar = Progress.bar(label, batches.batchesPerEpoch())) {
            while (batches.hasNext()) {
                DataSet ds = batches.next();
                net.fit(ds);
                loss.add(net.score(), ds.numExamples());
                steps++;
                bar.step();
            }
        }
        epochsDone++;
        return loss.mean();
    }

    @Override
    public long steps() {
        return steps;
    }

    @Override
    public long plannedSteps() {
        return (long) epochs * batches.batchesPerEpoch();
    }

    @Override
    public Double epsilon() {
        return null;
    }

    @Override
    public String toString() {
        return "non-private training: shuffled minibatches of " + batch + ", " + epochs + " epochs ("
                + (long) epochs * batches.batchesPerEpoch() + " steps)";
    }
}
