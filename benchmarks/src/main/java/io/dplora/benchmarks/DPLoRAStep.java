package io.dplora.benchmarks;

import io.dplora.accounting.AccountantType;
import io.dplora.updater.DPConfig;
import io.dplora.updater.DPLoRA;
import io.dplora.updater.PrivateTraining;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;

/**
 * (b) The DP-LoRA step through the library's public API, as a user runs it: {@link DPLoRA#makePrivate} installs the
 * DP updater (per-example norms, flat clipping, book-keeping clipped sum, Gaussian noise, ledger record) and the
 * budget listener, and each step is {@code net.fit(training.iterator())}.
 *
 * <p>Fixed logical batch: the Poisson sampler makes batch sizes random, so the source holds exactly the B benchmark
 * examples and E = N = B, i.e. q = 1: every example is in every logical batch, each step processes exactly B examples,
 * and one DL4J epoch is one logical step (stepsPerEpoch = ceil(N/E) = 1). The computation is the same as for any
 * Poisson batch of B examples; only the accounting of q = 1 (no amplification by subsampling) differs, which does not
 * change the cost of recording a step. The sampler still materialises the batch from the source on every step (as
 * it must for random batches), so that cost is inside (b); the breakdown reports it separately. Since every step is
 * also an epoch end, the budget listener computes epsilon after every step (in real runs once per epoch): this is
 * inside (b) as well.
 *
 * <p>Settings: sigma = {@value #NOISE_MULTIPLIER}, C = {@value #MAX_GRAD_NORM}, delta = {@value #DELTA}, RDP
 * accountant, set explicitly whatever the library's default (with one logical step per epoch the budget listener
 * reports epsilon after every step, which real runs do once per epoch; RDP keeps that report cheap, where PLD would
 * compose all steps again at every report), FLAT clipping, seeded (non-secure) generator, no budget limit.
 */
public final class DPLoRAStep implements TrainingStep {

    static final double NOISE_MULTIPLIER = 1.0;
    static final double MAX_GRAD_NORM = 1.0;
    static final double DELTA = 1e-5;
    static final long DP_SEED = 4242;

    private final ComputationGraph net;
    private final PrivateTraining training;
    private final int batchSize;

    /**
     * @param model     the benchmark model
     * @param batchSize B
     */
    public DPLoRAStep(BenchModel model, int batchSize) {
        this.net = model.loraNetwork(MODEL_SEED);
        DataSet data = model.data(batchSize, DATA_SEED);
        DPConfig config = DPConfig.builder()
                .noiseMultiplier(NOISE_MULTIPLIER)
                .delta(DELTA)
                .maxGradNorm(MAX_GRAD_NORM)
                .expectedBatchSize(batchSize)
                .datasetSize(batchSize)
                .steps(1_000_000_000L)
                .seed(DP_SEED)
                .accountant(AccountantType.RDP)
                .reportEvery(Integer.MAX_VALUE)
                .build();
        this.training = DPLoRA.makePrivate(net, data, config);
        this.batchSize = batchSize;
    }

    @Override
    public void step() {
        net.fit(training.iterator());
    }

    /**
     * Checks that exactly {@code steps} logical steps of exactly B examples were taken (so a timing cannot silently
     * measure empty or skipped steps).
     *
     * @throws IllegalStateException otherwise
     */
    public void verify(long steps) {
        if (training.stepsTaken() != steps) {
            throw new IllegalStateException("expected " + steps + " DP steps, the ledger has " + training.stepsTaken());
        }
        int last = training.iterator().lastLogicalBatchSize();
        if (steps > 0 && last != batchSize) {
            throw new IllegalStateException("the last logical batch had " + last + " examples, expected " + batchSize);
        }
    }

    /** @return logical steps taken so far */
    public long stepsTaken() {
        return training.stepsTaken();
    }

    /** @return the run's handle */
    public PrivateTraining training() {
        return training;
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
