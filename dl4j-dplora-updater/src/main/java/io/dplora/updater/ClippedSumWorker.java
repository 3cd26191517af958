package io.dplora.updater;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * The worker side of a distributed DP-SGD step: on a replica of the driver's network, computes the clipped sum
 * &Sigma;<sub>i</sub> c<sub>i</sub> g<sub>i</sub> of the examples of a logical batch that this worker holds, with the
 * single-machine code ({@link ClippedSumAccumulator}: the same per-example norms, clip factors and float-safe bounds).
 * The driver ({@link DistributedPrivateTraining}) adds the worker sums and releases the step with noise; a worker
 * never adds noise and its sum must never leave the training job.
 *
 * <p>Per logical step: {@link #reset()}, {@link #setTrainableParameters(double[])} with the driver's current values,
 * {@link #add(DataSet, long)} for each micro-batch of this worker's sampled examples, then {@link #sum()}.
 *
 * <p>The replica must be an exact copy of the driver's network (its frozen weights are never updated: the DP step
 * moves only the trainable DP coordinates, which {@link #setTrainableParameters} overwrites each step). Not thread
 * safe: one worker per replica and thread.
 */
public final class ClippedSumWorker {

    private final Model replica;
    private final ClippedSumAccumulator accumulator;
    private long examples;
    private double lossSum;
    private boolean computing;

    private ClippedSumWorker(Model replica, ClippedSumAccumulator accumulator) {
        this.replica = replica;
        this.accumulator = accumulator;
    }

    /**
     * @param replica an initialised copy of the driver's network (ComputationGraph or MultiLayerNetwork), without a
     *                DP updater of its own
     * @param config  the run's configuration (C, clipping mode, per-layer weights, dropped-example limit)
     * @return a worker with an empty sum
     * @throws IllegalStateException if the {@link PrivacyGuard} refuses the network (the message names the layer)
     */
    public static ClippedSumWorker of(Model replica, DPConfig config) {
        if (replica == null || config == null) {
            throw new IllegalArgumentException("replica and config must not be null");
        }
        List<UpdaterBlock> blocks;
        if (replica instanceof ComputationGraph g) {
            blocks = ((BaseMultiLayerUpdater<?>) g.getUpdater(true)).getUpdaterBlocks();
        } else if (replica instanceof MultiLayerNetwork m) {
            blocks = ((BaseMultiLayerUpdater<?>) m.getUpdater(true)).getUpdaterBlocks();
        } else {
            throw new IllegalArgumentException("unsupported model type " + replica.getClass().getName()
                    + ": use a ComputationGraph or a MultiLayerNetwork");
        }
        ClippedSumAccumulator accumulator = ClippedSumAccumulator.forNetwork(replica, blocks, config);
        accumulator.layout().enablePerExampleGradients();
        ClippedSumWorker w = new ClippedSumWorker(replica, accumulator);
        // The replica of a private network (its layers carry the run's privacy record) computes training gradients
        // only inside add(), where they are clipped; any other backward pass on it is refused.
        NetworkLayers.setPrivateTrainingCheck(replica, w::checkInsideAdd);
        return w;
    }

    private void checkInsideAdd() {
        if (!computing) {
            throw new IllegalStateException("this network is the replica of a ClippedSumWorker: it computes training "
                    + "gradients only inside ClippedSumWorker.add, where they are clipped for the distributed DP step");
        }
    }

    /** Sets the sum to zero (start of a logical step). */
    public void reset() {
        accumulator.reset();
        examples = 0;
        lossSum = 0;
    }

    /**
     * @param values the trainable DP parameters of the driver's network, in the order of
     *               {@link DistributedPrivateTraining#trainableParameters()}
     */
    public void setTrainableParameters(double[] values) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            accumulator.layout().writePrivatisedParameters(values, replica.params());
        }
    }

    /**
     * Runs the forward and backward pass of one micro-batch of sampled examples and adds its clipped sum.
     *
     * @param microBatch  at least one example (features, labels and, where the network uses them, masks)
     * @param logicalStep the logical step (for diagnostics)
     * @throws IllegalArgumentException if the micro-batch is empty
     */
    public void add(DataSet microBatch, long logicalStep) {
        INDArray fm = microBatch.getFeaturesMaskArray();
        INDArray lm = microBatch.getLabelsMaskArray();
        run(microBatch.numExamples(), logicalStep, () -> {
            if (replica instanceof ComputationGraph g) {
                g.setInputs(microBatch.getFeatures());
                g.setLabels(microBatch.getLabels());
                g.setLayerMaskArrays(fm == null ? null : new INDArray[] {fm}, lm == null ? null : new INDArray[] {lm});
                g.computeGradientAndScore();
            } else {
                MultiLayerNetwork m = (MultiLayerNetwork) replica;
                m.setInput(microBatch.getFeatures());
                m.setLabels(microBatch.getLabels());
                m.setLayerMaskArrays(fm, lm);
                m.computeGradientAndScore();
            }
        });
    }

    /**
     * {@link #add(DataSet, long)} for a ComputationGraph with several inputs or outputs: one micro-batch as a
     * MultiDataSet (every input, label and mask array, examples along dimension 0).
     *
     * @throws IllegalArgumentException if the micro-batch is empty or the replica is a MultiLayerNetwork
     */
    public void add(org.nd4j.linalg.dataset.api.MultiDataSet microBatch, long logicalStep) {
        if (!(replica instanceof ComputationGraph g)) {
            throw new IllegalArgumentException("MultiDataSets train a ComputationGraph; this replica is a "
                    + replica.getClass().getSimpleName());
        }
        run((int) microBatch.getFeatures(0).size(0), logicalStep, () -> {
            g.setInputs(microBatch.getFeatures());
            g.setLabels(microBatch.getLabels());
            g.setLayerMaskArrays(microBatch.getFeaturesMaskArrays(), microBatch.getLabelsMaskArrays());
            g.computeGradientAndScore();
        });
    }

    /** Runs the forward and backward pass of {@code rows} examples and adds their clipped sum. */
    private void run(int rows, long logicalStep, Runnable forwardBackward) {
        if (rows < 1) {
            throw new IllegalArgumentException("a micro-batch needs at least one example");
        }
        computing = true;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            forwardBackward.run();
            accumulator.addMicroBatch(rows, false, logicalStep);
            lossSum += replica.score() * rows;
        } finally {
            computing = false;
            accumulator.clearPerExampleState();
        }
        examples += rows;
    }

    /** @return a copy of this worker's clipped sum since the last {@link #reset()} */
    public double[] sum() {
        return accumulator.sum();
    }

    /**
     * @return the sum over the examples added since the last {@link #reset()} of their training loss (the network's
     * score times the micro-batch size; a private-data diagnostic, not covered by the DP guarantee)
     */
    public double lossSum() {
        return lossSum;
    }

    /** @return examples added since the last {@link #reset()} */
    public long examples() {
        return examples;
    }

    /** @return the number of trainable DP coordinates (the length of {@link #sum()}) */
    public int length() {
        return accumulator.length();
    }

    /** @return examples dropped for a non-finite gradient norm on this worker (a private-data diagnostic) */
    public long droppedExamples() {
        return accumulator.droppedExamples();
    }
}
