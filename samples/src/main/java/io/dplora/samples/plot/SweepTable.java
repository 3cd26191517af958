package io.dplora.samples.plot;

import io.dplora.samples.results.SweepResults;
import io.dplora.samples.run.RunResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A sweep's runs grouped for charts and tables: per method, per swept value x (epsilon, rank, or nothing for a
 * method sweep), the statistics over seeds of a metric.
 */
public final class SweepTable {

    private final String sweep;
    private final Map<String, TreeMap<Double, List<RunResult>>> groups = new LinkedHashMap<>();

    /** The methods a table can hold, in display order. */
    static final List<String> METHODS = List.of("vanilla", "ffa", "none", "probe", "logreg");

    /** @return whether a method trains without DP (its runs have no target epsilon) */
    static boolean nonPrivate(String method) {
        return method.equals("none") || method.equals("probe") || method.equals("logreg");
    }

    /** Groups the runs of a results file. */
    public SweepTable(SweepResults results) {
        this.sweep = results.sweep();
        for (String m : METHODS) {
            for (RunResult r : results.runs()) {
                if (r.method().equals(m)) {
                    groups.computeIfAbsent(m, k -> new TreeMap<>()).computeIfAbsent(x(r), k -> new ArrayList<>())
                            .add(r);
                }
            }
        }
    }

    /** @return the swept value of a run: its target epsilon, its rank, or 0 for a method sweep (NaN for none). */
    double x(RunResult r) {
        return switch (sweep) {
            case "epsilon" -> r.epsilonTarget() == null ? Double.NaN : r.epsilonTarget();
            case "rank" -> r.rank();
            case "lr" -> r.learningRate();
            default -> 0.0;
        };
    }

    /** @return the sweep kind. */
    public String sweep() {
        return sweep;
    }

    /** @return the methods present, in the order vanilla, ffa, none, probe, logreg. */
    public List<String> methods() {
        return new ArrayList<>(groups.keySet());
    }

    /** @return the swept values of a method, ascending. */
    public List<Double> xs(String method) {
        return new ArrayList<>(groups.getOrDefault(method, new TreeMap<>()).keySet());
    }

    /** @return the runs of a method at x. */
    public List<RunResult> runs(String method, double x) {
        return groups.getOrDefault(method, new TreeMap<>()).getOrDefault(x, new ArrayList<>());
    }

    /** @return statistics of a metric over the runs (seeds) of a method at x. */
    public Stats stats(String method, double x, Function<RunResult, Double> metric) {
        List<Double> v = new ArrayList<>();
        for (RunResult r : runs(method, x)) {
            Double d = metric.apply(r);
            if (d != null && !d.isNaN()) {
                v.add(d);
            }
        }
        return Stats.of(v);
    }

    /** @return per-epoch statistics of the training loss over the runs of a method at x (shortest run's length). */
    public List<Stats> lossCurve(String method, double x) {
        List<RunResult> rs = runs(method, x);
        int epochs = rs.stream().mapToInt(r -> r.epochLosses().size()).min().orElse(0);
        List<Stats> out = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            List<Double> v = new ArrayList<>();
            for (RunResult r : rs) {
                double d = r.epochLosses().get(e);
                if (!Double.isNaN(d)) {
                    v.add(d);
                }
            }
            out.add(v.isEmpty() ? new Stats(Double.NaN, Double.NaN, 0) : Stats.of(v));
        }
        return out;
    }
}
