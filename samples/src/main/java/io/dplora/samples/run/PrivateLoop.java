package io.dplora.samples.run;

import io.dplora.updater.DPConfig;
import io.dplora.updater.DPLoRA;
import io.dplora.updater.IndexedDataSource;
import io.dplora.updater.PoissonSamplingIterator;
import io.dplora.updater.PrivateTraining;
import io.dplora.updater.SamplingScheme;
import me.tongfei.progressbar.ProgressBar;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * DP-SGD fine-tuning through the library's one-call setup, {@code DPLoRA.makePrivate}: Poisson sampling with rate
 * q = E/N, per-example clipping to C, Gaussian noise with the multiplier calibrated so that the planned
 * ceil(epochs N / E) logical steps spend at most the target epsilon at delta (the run's accountant, PLD by
 * default), virtual batches of at most the physical batch size. Training stops at the plan or at the budget,
 * whichever comes first; epsilon is that of the steps actually taken.
 */
final class PrivateLoop implements DPLoop {

    private final ComputationGraph net;
    private final PrivateTraining training;
    private final RunSettings settings;
    private final StepListener listener = new StepListener();

    PrivateLoop(ComputationGraph net, IndexedDataSource train, RunSettings s, SamplingScheme sampling) {
        this.net = net;
        this.settings = s;
        this.training = DPLoRA.makePrivate(net, train, config(s, sampling));
        net.addListeners(listener);
    }

    /**
     * @param s        the run's settings
     * @param sampling the sampling scheme, or null for the library's default (KEYED unseeded, SEQUENTIAL seeded)
     * @return the library configuration of a DP run with these settings (shared by the single-machine and the Spark
     * loop)
     */
    static DPConfig config(RunSettings s, SamplingScheme sampling) {
        DPConfig.Builder b = DPConfig.builder()
                .targetEpsilon(s.epsilon())
                .delta(s.delta())
                .accountant(s.accountant())
                .maxGradNorm(s.maxGradNorm())
                .expectedBatchSize(s.batch())
                .epochs(s.epochs())
                .maxPhysicalBatchSize(s.physicalBatch());
        if (s.seeded()) {
            b.seed(s.seed());
        }
        if (sampling != null) {
            b.sampling(sampling);
        }
        return b.build();
    }

    @Override
    public int plannedEpochs() {
        return plannedEpochs(training);
    }

    /** @return the planned logical steps of a DP run divided into epochs of ceil(N/E) steps */
    static int plannedEpochs(PrivateTraining training) {
        long perEpoch = training.iterator().stepsPerEpoch();
        long steps = training.stepLimit() - training.budget().stepsAtStart();
        return (int) ((steps + perEpoch - 1) / perEpoch);
    }

    @Override
    public boolean hasNextEpoch() {
        return training.iterator().hasRemainingSteps();
    }

    @Override
    public double runEpoch(String label) {
        PoissonSamplingIterator it = training.iterator();
        long before = training.stepsTaken();
        long perEpoch = Math.min(it.stepsPerEpoch(), training.stepLimit() - before);
        listener.start(before);
        try (ProgressBar bar = Progress.bar(label, perEpoch)) {
            listener.bar = bar;
            net.fit(it);
        } finally {
            listener.bar = null;
        }
        if (training.stepsTaken() == before && hasNextEpoch()) {
            throw new IllegalStateException("a DP epoch made no progress although steps remain");
        }
        return listener.loss.mean();
    }

    @Override
    public long steps() {
        return training.stepsTaken();
    }

    @Override
    public long plannedSteps() {
        return training.stepLimit();
    }

    @Override
    public Double epsilon() {
        return training.epsilon();
    }

    @Override
    public double noiseMultiplier() {
        return training.noiseMultiplier();
    }

    @Override
    public double samplingRate() {
        return training.samplingRate();
    }

    @Override
    public long droppedExamples() {
        return training.updater().droppedExamples();
    }

    @Override
    public void writeLedger(Path file) throws IOException {
        Files.writeString(file, training.ledger().toJson(), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return describe(settings, training);
    }

    /** @return one line on the DP settings of a run: target, accountant, sigma, q, C, plan, physical batch */
    static String describe(RunSettings settings, PrivateTraining training) {
        return String.format("DP-SGD: target epsilon %s at delta %s (%s accountant), noise multiplier %.4f, "
                        + "q = %d/%d = %.5f, C = %s, %d planned logical steps (%s epochs), physical batch %d",
                RunSettings.number(settings.epsilon()), settings.delta(), settings.accountant(),
                training.noiseMultiplier(),
                settings.batch(), Math.round(settings.batch() / training.samplingRate()), training.samplingRate(),
                RunSettings.number(settings.maxGradNorm()), training.stepLimit(), settings.epochs(),
                settings.physicalBatch());
    }

    /** Collects micro-batch losses and moves the progress bar to the logical steps taken. */
    private final class StepListener extends BaseTrainingListener {
        LossMean loss = new LossMean();
        ProgressBar bar;
        long start;

        void start(long stepsBefore) {
            loss = new LossMean();
            start = stepsBefore;
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            loss.add(model.score(), model.batchSize());
            if (bar != null) {
                bar.stepTo(training.stepsTaken() - start);
            }
        }
    }
}
