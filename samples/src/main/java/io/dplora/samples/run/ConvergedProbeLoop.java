package io.dplora.samples.run;

import io.dplora.samples.task.FrozenFeatureHead;
import io.dplora.samples.task.PretrainSettings;
import io.dplora.updater.IndexedDataSource;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Method logreg: the converged frozen-base probe. The head is fitted by logistic regression on the frozen encoder's
 * features of the private training examples ({@link FrozenFeatureHead}), with the settings of the task's public head
 * fit (chosen on public data), in one "epoch" of the report; non-private.
 */
final class ConvergedProbeLoop implements TrainingLoop {

    private final ComputationGraph net;
    private final IndexedDataSource train;
    private final FrozenFeatureHead head;
    private final PretrainSettings settings;
    private boolean done;

    ConvergedProbeLoop(ComputationGraph net, IndexedDataSource train, FrozenFeatureHead head,
                       PretrainSettings settings) {
        this.net = net;
        this.train = train;
        this.head = head;
        this.settings = settings;
    }

    @Override
    public int plannedEpochs() {
        return 1;
    }

    @Override
    public boolean hasNextEpoch() {
        return !done;
    }

    @Override
    public double runEpoch(String label) {
        double loss = head.fit(net, train, settings);
        done = true;
        return loss;
    }

    @Override
    public long steps() {
        return done ? plannedSteps() : 0;
    }

    /** @return the Adam steps of the fit: epochs x ceil(N / minibatch) */
    @Override
    public long plannedSteps() {
        return (long) settings.epochs() * ((train.size() + settings.batchSize() - 1) / settings.batchSize());
    }

    @Override
    public Double epsilon() {
        return null;
    }

    @Override
    public String toString() {
        return "non-private logistic regression of the head on the frozen encoder's features (the public head's "
                + "settings: " + settings.epochs() + " epochs of minibatches of " + settings.batchSize() + ", Adam "
                + settings.learningRate() + ")";
    }
}
