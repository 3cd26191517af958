package io.dplora.benchmarks;

import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * One logical training step of a benchmark model on a fixed logical batch of B examples. The three variants compared
 * side by side are built from the same model seed and the same data seed, so they train the same network on the same
 * examples:
 * <ul>
 *   <li>{@link NonPrivateStep} (a): plain DL4J {@code fit} of the LoRA network;</li>
 *   <li>{@link DPLoRAStep} (b): the library's DP-SGD step through its public API;</li>
 *   <li>{@link PerExampleLoopStep} (c): DP-SGD by an explicit loop of batch-of-one backward passes.</li>
 * </ul>
 */
public interface TrainingStep {

    /** Seed of the benchmark networks' weights. */
    long MODEL_SEED = 12345;
    /** Seed of the benchmark data. */
    long DATA_SEED = 777;

    /** Runs one logical step (forward, backward, DP work if any, optimiser update). */
    void step();

    /** @return the network being trained */
    ComputationGraph network();

    /** @return the logical batch size B */
    int batchSize();
}
