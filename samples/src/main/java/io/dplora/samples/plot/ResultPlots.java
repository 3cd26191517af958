package io.dplora.samples.plot;

import io.dplora.samples.results.SweepResults;
import io.dplora.samples.run.RunResult;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * PNG charts of a sweep (XChart), mean &plusmn; sample standard deviation over seeds. Every title starts with the
 * sweep's name (its results file), so variants of one sweep (another learning rate, say) are told apart.
 * <ul>
 *   <li>{@code <name>-accuracy.png}: test accuracy vs epsilon (vanilla and FFA, the non-private run as a dashed
 *       line), vs rank (vanilla, FFA, non-private), or per method (bars). The swept values are evenly spaced (1, 2,
 *       4, 8 are powers of two) and each method's points are shifted a little sideways so error bars never hide one
 *       another;</li>
 *   <li>{@code <name>-loss-<method>.png}: training loss per epoch, one chart per method with one curve per grid
 *       point.</li>
 * </ul>
 */
public final class ResultPlots {

    private static final int WIDTH = 800;
    private static final int HEIGHT = 560;
    /** Sideways shift between the methods' points in an accuracy chart, in units of the spacing of swept values. */
    private static final double SIDE_STEP = 0.07;
    private static final Map<String, Color> COLORS = Map.of("vanilla", new Color(0x1f77b4),
            "ffa", new Color(0xd62728), "none", new Color(0x2ca02c), "probe", new Color(0x7f7f7f), "logreg", new Color(0x9467bd));

    private ResultPlots() {
    }

    /**
     * Writes the charts of one results file.
     *
     * @param results the sweep
     * @param outDir  the folder for the PNG files
     * @param name    the file-name stem (usually the results file's)
     * @return the files written
     */
    public static List<Path> write(SweepResults results, Path outDir, String name) throws IOException {
        SweepTable t = new SweepTable(results);
        if (t.methods().isEmpty()) {
            throw new IllegalArgumentException("results of " + name + " hold no runs");
        }
        List<Path> files = new ArrayList<>();
        Chart<?, ?> accuracy = "method".equals(t.sweep()) ? methodChart(results, t, name)
                : accuracyChart(results, t, name);
        files.add(save(accuracy, outDir.resolve(name + "-accuracy.png")));
        for (String m : t.methods()) {
            XYChart loss = lossChart(results, t, name, m);
            if (loss != null) {
                files.add(save(loss, outDir.resolve(name + "-loss-" + m + ".png")));
            }
        }
        return files;
    }

    private static Path save(Chart<?, ?> chart, Path file) throws IOException {
        String f = file.toString();
        BitmapEncoder.saveBitmap(chart, f.substring(0, f.length() - 4), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }

    private static String fixed(SweepResults results, SweepTable t) {
        RunResult any = results.runs().get(0);
        return switch (t.sweep()) {
            case "epsilon" -> "rank " + any.rank();
            case "rank" -> results.runs().stream().filter(r -> r.epsilonTarget() != null).findFirst()
                    .map(r -> "epsilon " + fmt(r.epsilonTarget())).orElse("non-private");
            default -> "rank " + any.rank() + (any.epsilonTarget() == null ? "" : ", epsilon "
                    + fmt(any.epsilonTarget()));
        };
    }

    /**
     * Accuracy vs epsilon or rank: the swept values at evenly spaced positions 0, 1, 2, ... (labelled with the values),
     * one line per method with error bars, each method shifted by a small offset so that bars at the same value do not
     * overlap; in an epsilon sweep the non-private run is a dashed reference line.
     */
    private static XYChart accuracyChart(SweepResults results, SweepTable t, String name) {
        String xName = switch (t.sweep()) {
            case "epsilon" -> "epsilon";
            case "lr" -> "learning rate";
            default -> "rank";
        };
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(name + ": " + results.task() + " test accuracy vs " + xName + " (" + fixed(results, t)
                        + ", mean ± std over seeds)")
                .xAxisTitle(xName).yAxisTitle("test accuracy (%)").build();
        style(c);
        java.util.TreeSet<Double> all = new java.util.TreeSet<>();
        for (String m : t.methods()) {
            for (double x : t.xs(m)) {
                if (!Double.isNaN(x)) {
                    all.add(x);
                }
            }
        }
        List<String> categories = all.stream().map(ResultPlots::fmt).toList();
        c.getStyler().setXAxisMin(-0.5).setXAxisMax(categories.size() - 0.5);
        c.getStyler().setxAxisTickLabelsFormattingFunction(v -> positionLabel(categories, v));
        List<String> methods = t.methods();
        for (int mi = 0; mi < methods.size(); mi++) {
            String m = methods.get(mi);
            boolean reference = t.sweep().equals("epsilon") && SweepTable.nonPrivate(m);
            double offset = SIDE_STEP * (mi - (methods.size() - 1) / 2.0);
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            List<Double> e = new ArrayList<>();
            String label = label(m);
            if (reference) {
                Stats s = t.stats(m, Double.NaN, RunResult::testAccuracy);
                x.add(-0.5);
                x.add(categories.size() - 0.5);
                y.add(100 * s.mean());
                y.add(100 * s.mean());
                e.add(0.0);
                e.add(0.0);
                label = String.format(Locale.ROOT, "%s (%s)", label, s.format(100, 2));
            } else {
                int k = 0;
                for (double v : all) {
                    if (!t.runs(m, v).isEmpty()) {
                        Stats s = t.stats(m, v, RunResult::testAccuracy);
                        x.add(k + offset);
                        y.add(100 * s.mean());
                        e.add(100 * s.std());
                    }
                    k++;
                }
            }
            if (x.isEmpty()) {
                continue;
            }
            XYSeries series = c.addSeries(label, x, y, e);
            colour(series, COLORS.get(m), reference ? SeriesLines.DASH_DASH : SeriesLines.SOLID);
            series.setMarker(reference ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        }
        return c;
    }

    private static CategoryChart methodChart(SweepResults results, SweepTable t, String name) {
        CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title(name + ": " + results.task() + " test accuracy per method (" + fixed(results, t) + ", mean ± std)")
                .xAxisTitle("method").yAxisTitle("test accuracy (%)").build();
        c.getStyler().setLegendVisible(false);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        List<String> names = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        List<Double> e = new ArrayList<>();
        for (String m : t.methods()) {
            Stats s = t.stats(m, 0.0, RunResult::testAccuracy);
            names.add(label(m));
            y.add(100 * s.mean());
            e.add(100 * s.std());
        }
        c.addSeries("accuracy", names, y, e);
        return c;
    }

    /**
     * @return the swept value shown at axis position {@code v}: its label at 0, 1, 2, ...; elsewhere an invisible
     * label (zero-width spaces) that still differs from every other, because XChart thins out the ticks when two
     * labels are equal
     */
    static String positionLabel(List<String> categories, double v) {
        long k = Math.round(v);
        if (Math.abs(v - k) < 1e-6 && k >= 0 && k < categories.size()) {
            return categories.get((int) k);
        }
        return "\u200B".repeat((int) Math.max(1, Math.round(8 * (v + categories.size() + 1))));
    }

    /** @return the loss curves of one method (one per grid point), or null when it has none */
    private static XYChart lossChart(SweepResults results, SweepTable t, String name, String m) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(name + ": " + label(m) + ", training loss per epoch (" + fixed(results, t) + ", mean ± std)")
                .xAxisTitle("epoch").yAxisTitle("mean training loss").build();
        style(c);
        java.awt.BasicStroke[] dashes = {SeriesLines.SOLID, SeriesLines.DASH_DASH, SeriesLines.DOT_DOT, SeriesLines.DASH_DOT};
        List<Double> xs = t.xs(m);
        boolean any = false;
        for (int k = 0; k < xs.size(); k++) {
            List<Stats> curve = t.lossCurve(m, xs.get(k));
            if (curve.isEmpty()) {
                continue;
            }
            double[] x = new double[curve.size()];
            double[] y = new double[curve.size()];
            double[] e = new double[curve.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = i + 1;
                y[i] = curve.get(i).mean();
                e[i] = curve.get(i).std();
            }
            String point = pointLabel(t, m, xs.get(k));
            XYSeries s = c.addSeries(point.isEmpty() ? label(m) : point.substring(2), x, y, e);
            colour(s, shade(COLORS.get(m), k, xs.size()), dashes[k % dashes.length]);
            any = true;
        }
        return any ? c : null;
    }

    private static String pointLabel(SweepTable t, String m, double x) {
        return switch (t.sweep()) {
            case "epsilon" -> SweepTable.nonPrivate(m) ? "" : ", epsilon " + fmt(x);
            case "rank" -> ", rank " + fmt(x);
            case "lr" -> ", lr " + fmt(x);
            default -> "";
        };
    }

    private static void colour(XYSeries s, Color c, java.awt.BasicStroke line) {
        s.setLineColor(c);
        s.setMarkerColor(c);
        s.setLineStyle(line);
        s.setMarker(SeriesMarkers.CIRCLE);
    }

    private static Color shade(Color c, int k, int n) {
        if (n <= 1) {
            return c;
        }
        float f = 0.55f + 0.45f * k / (n - 1);
        return new Color(Math.min(255, (int) (c.getRed() * f)), Math.min(255, (int) (c.getGreen() * f)),
                Math.min(255, (int) (c.getBlue() * f)));
    }

    private static void style(XYChart c) {
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setMarkerSize(7);
        c.getStyler().setErrorBarsColorSeriesColor(true);
    }

    static String label(String method) {
        return switch (method) {
            case "vanilla" -> "DP vanilla LoRA";
            case "ffa" -> "DP FFA-LoRA";
            case "probe" -> "non-private frozen-base probe (head only)";
            case "logreg" -> "non-private converged probe (logistic regression on frozen features)";
            default -> "non-private LoRA";
        };
    }

    static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
