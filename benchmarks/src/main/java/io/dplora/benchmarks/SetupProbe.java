package io.dplora.benchmarks;

import io.dplora.updater.DPConfig;
import io.dplora.updater.DPLoRA;
import io.dplora.updater.PrivateTraining;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Wall time of {@link DPLoRA#makePrivate}'s set-up (noise calibration, budget step limit, guard, wiring) with the
 * default accountant, in a fresh JVM (started by {@link BenchCommand}, so that no earlier accountant work has warmed
 * the JIT or filled a cache): the "setup < 1 s for any run of <= 10^4 steps". The network and the data are
 * built first and not timed; the ND4J backend is therefore loaded before the clock starts, as in any real run.
 *
 * <p>Usage: {@code SetupProbe <case>}, one of {@link #CASES}; prints one JSON object as the last line of stdout.
 */
public final class SetupProbe {

    /**
     * A run to set up: N examples, expected batch E (q = E / N), planned steps, and either a target epsilon
     * (calibrate sigma) or a fixed sigma under an epsilon budget the plan exceeds (search the exact step limit).
     */
    record Case(String name, int examples, int expectedBatch, long steps, double targetEpsilon, double sigma,
                double budget) {
    }

    /** Short and long runs, small and large q, both set-up paths; every plan has at most 10^4 steps. */
    static final List<Case> CASES = List.of(
            new Case("calibrate_q0.068_300steps_eps8", 1000, 68, 300, 8.0, 0, 0),
            new Case("calibrate_q0.004_10000steps_eps3", 10_000, 40, 10_000, 3.0, 0, 0),
            new Case("steplimit_q0.068_sigma1_400steps_budget8", 1000, 68, 400, 0, 1.0, 8.0),
            new Case("steplimit_q0.1_sigma1.5_1000steps_budget8", 1000, 100, 1000, 0, 1.5, 8.0),
            new Case("steplimit_q0.004_sigma1_10000steps_budget2", 10_000, 40, 10_000, 0, 1.0, 2.0));

    private SetupProbe() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: SetupProbe <case>");
            System.exit(2);
        }
        Case c = CASES.stream().filter(x -> x.name().equals(args[0])).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown case " + args[0]));
        System.out.println(Json.write(run(c)));
    }

    /** Builds the network and data, then times {@code makePrivate} alone; returns the figures. */
    static Map<String, Object> run(Case c) {
        ComputationGraph net = BenchModel.MLP.loraNetwork(TrainingStep.MODEL_SEED);
        DataSet data = BenchModel.MLP.data(c.examples(), TrainingStep.DATA_SEED);
        DPConfig.Builder b = DPConfig.builder()
                .delta(DPLoRAStep.DELTA)
                .maxGradNorm(DPLoRAStep.MAX_GRAD_NORM)
                .expectedBatchSize(c.expectedBatch())
                .datasetSize(c.examples())
                .steps(c.steps())
                .seed(DPLoRAStep.DP_SEED);
        if (c.targetEpsilon() > 0) {
            b.targetEpsilon(c.targetEpsilon());
        } else {
            b.noiseMultiplier(c.sigma()).epsilonBudget(c.budget());
        }
        DPConfig config = b.build();
        long t0 = System.nanoTime();
        PrivateTraining training = DPLoRA.makePrivate(net, data, config);
        double ms = (System.nanoTime() - t0) / 1e6;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("case", c.name());
        out.put("setup_ms", ms);
        out.put("q", training.samplingRate());
        out.put("planned_steps", c.steps());
        out.put("noise_multiplier", training.noiseMultiplier());
        out.put("step_limit", training.stepLimit());
        out.put("accountant", config.getAccountant().name());
        return out;
    }
}
