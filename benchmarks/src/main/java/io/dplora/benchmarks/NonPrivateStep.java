package io.dplora.benchmarks;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;

/**
 * (a) Non-private training: {@code net.fit(iterator)} of the LoRA network (adapters and head trainable, base frozen,
 * per-example gathering off, as for any DL4J user who does not attach DP) on the fixed logical batch, which the
 * iterator materialises afresh (a copy) for every step, as data iterators do ({@link OneBatchIterator}).
 */
public final class NonPrivateStep implements TrainingStep {

    private final ComputationGraph net;
    private final OneBatchIterator batches;
    private final int batchSize;

    /**
     * @param model     the benchmark model
     * @param batchSize B
     */
    public NonPrivateStep(BenchModel model, int batchSize) {
        this.net = model.loraNetwork(MODEL_SEED);
        DataSet data = model.data(batchSize, DATA_SEED);
        this.batches = new OneBatchIterator(data);
        this.batchSize = batchSize;
    }

    @Override
    public void step() {
        net.fit(batches);
    }

    @Override
    public ComputationGraph network() {
        return net;
    }

    @Override
    public int batchSize() {
        return batchSize;
    }
}
