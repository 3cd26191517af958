package io.dplora.samples.plot;

import io.dplora.samples.results.SweepResults;
import io.dplora.samples.run.RunResult;

import java.util.List;

/** Hand-made run results for the plot and table tests (values chosen by the tests, not produced by training). */
final class SyntheticResults {

    private SyntheticResults() {
    }

    static RunResult run(String task, String method, int rank, Double epsilon, long seed, double accuracy,
                         Double f1, List<Double> losses) {
        boolean dp = !method.equals("none") && !method.equals("probe");
        return new RunResult(task, method, rank, 16, dp ? epsilon : null, dp ? epsilon * 0.99 : null, 1e-5, dp ? "PLD" : null,
                dp ? 1.1 : null, dp ? 0.03 : null, 100, accuracy, f1, f1 == null ? null : accuracy - 0.01, 12.5,
                losses.size(), 1024, 512, 2e-3, 1.0, seed, true, false, null, null, 30000, 12037, 0, losses,
                losses.stream().map(l -> accuracy).toList(), dp ? losses.stream().map(l -> epsilon).toList()
                : List.of(), 0.1, 0.9, "key");
    }

    static SweepResults sweep(String kind, String task, List<RunResult> runs) {
        SweepResults r = SweepResults.start(kind, task, "synthetic", "dplora sweep " + kind + " --task " + task);
        for (RunResult x : runs) {
            r = r.with(x);
        }
        return r;
    }
}
