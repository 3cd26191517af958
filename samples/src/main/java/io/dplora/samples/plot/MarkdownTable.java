package io.dplora.samples.plot;

import io.dplora.samples.results.SweepResults;
import io.dplora.samples.run.RunResult;

import java.util.List;
import java.util.function.Function;

/**
 * A sweep as a Markdown table (rows = swept values, columns = methods, cells = mean ± std over seeds of the test
 * accuracy in %), followed by the mean wall time per run, for README files.
 */
public final class MarkdownTable {

    private MarkdownTable() {
    }

    /** @return the tables of a results file: accuracy, and F1 / balanced accuracy when the runs report them. */
    public static String of(SweepResults results) {
        SweepTable t = new SweepTable(results);
        StringBuilder b = new StringBuilder();
        b.append("test accuracy (%):\n\n");
        table(t, RunResult::testAccuracy, b);
        if (results.runs().stream().anyMatch(r -> r.f1() != null)) {
            b.append("\nF1 of the positive class (%):\n\n");
            table(t, RunResult::f1, b);
            b.append("\nbalanced accuracy (%):\n\n");
            table(t, RunResult::balancedAccuracy, b);
        }
        b.append("\nmean wall time per run (s):");
        for (String m : t.methods()) {
            double sum = 0;
            int n = 0;
            for (double x : t.xs(m)) {
                for (RunResult r : t.runs(m, x)) {
                    sum += r.seconds();
                    n++;
                }
            }
            b.append(String.format(" %s %.1f (%d runs);", m, sum / n, n));
        }
        b.append('\n');
        return b.toString();
    }

    private static void table(SweepTable t, Function<RunResult, Double> metric, StringBuilder b) {
        List<String> methods = t.methods();
        String xName = switch (t.sweep()) {
            case "epsilon" -> "epsilon";
            case "rank" -> "rank";
            case "lr" -> "learning rate";
            default -> "";
        };
        b.append("| ").append(xName);
        for (String m : methods) {
            b.append(" | ").append(ResultPlots.label(m));
        }
        b.append(" |\n|---");
        b.append("|---".repeat(methods.size())).append("|\n");
        java.util.TreeSet<Double> xs = new java.util.TreeSet<>();
        for (String m : methods) {
            for (double x : t.xs(m)) {
                if (!Double.isNaN(x)) {
                    xs.add(x);
                }
            }
        }
        if (xs.isEmpty()) {
            xs.add(0.0);
        }
        boolean epsilonSweep = t.sweep().equals("epsilon");
        for (double x : xs) {
            b.append("| ").append(t.sweep().equals("method") ? "" : ResultPlots.fmt(x));
            for (String m : methods) {
                double key = epsilonSweep && SweepTable.nonPrivate(m) ? Double.NaN : x;
                b.append(" | ").append(cell(t, m, key, metric));
            }
            b.append(" |\n");
        }
    }

    private static String cell(SweepTable t, String m, double x, Function<RunResult, Double> metric) {
        if (t.runs(m, x).isEmpty()) {
            return "–";
        }
        Stats s = t.stats(m, x, metric);
        return s.format(100, 2) + " (n=" + s.n() + ")";
    }
}
