package io.dplora.samples.plot;

import io.dplora.samples.cli.CliRunner;
import io.dplora.samples.results.SweepResults;
import io.dplora.samples.run.RunResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dplora plot} on small generated results files: PNG files and the Markdown tables' mean ± std. */
class PlotCommandTest {

    @TempDir
    Path tmp;

    /** Accuracy of (method, epsilon, seed), chosen so that the means and stds are easy to compute by hand. */
    private static double acc(String method, double eps, long seed) {
        double base = method.equals("ffa") ? 0.80 : 0.78;
        return base + 0.01 * Math.log(eps) / Math.log(2) + 0.002 * seed;
    }

    private Path epsilonSweep() throws IOException {
        List<RunResult> runs = new ArrayList<>();
        for (long seed = 0; seed < 3; seed++) {
            for (String m : List.of("vanilla", "ffa")) {
                for (double e : List.of(1.0, 2.0, 4.0, 8.0)) {
                    runs.add(SyntheticResults.run("fashion", m, 8, e, seed, acc(m, e, seed), null,
                            List.of(1.0 - 0.1 * seed, 0.5, 0.4)));
                }
            }
            runs.add(SyntheticResults.run("fashion", "none", 8, null, seed, 0.90 + 0.01 * seed, null,
                    List.of(0.9, 0.3, 0.2)));
            runs.add(SyntheticResults.run("fashion", "probe", 8, null, seed, 0.70 + 0.01 * seed, null,
                    List.of(0.9, 0.8, 0.7)));
        }
        Path f = tmp.resolve("fashion-epsilon.json");
        SyntheticResults.sweep("epsilon", "fashion", runs).write(f);
        return f;
    }

    private Path rankSweep() throws IOException {
        List<RunResult> runs = new ArrayList<>();
        for (long seed = 0; seed < 2; seed++) {
            for (int r : List.of(2, 4, 8, 16)) {
                for (String m : List.of("vanilla", "ffa", "none")) {
                    runs.add(SyntheticResults.run("spam", m, r, 8.0, seed, 0.9 + r / 1000.0 + seed / 100.0,
                            0.8 + seed / 100.0, List.of(0.6, 0.2)));
                }
            }
        }
        Path f = tmp.resolve("spam-rank.json");
        SyntheticResults.sweep("rank", "spam", runs).write(f);
        return f;
    }

    @Test
    void writesReadablePngChartsAndTablesWithMeanAndStdOverSeeds() throws IOException {
        Path eps = epsilonSweep();
        Path rank = rankSweep();
        Path out = tmp.resolve("plots");
        CliRunner.Result r = CliRunner.run("plot", eps.toString(), rank.toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        for (String name : List.of("fashion-epsilon-accuracy", "fashion-epsilon-loss-vanilla",
                "fashion-epsilon-loss-ffa", "fashion-epsilon-loss-none", "fashion-epsilon-loss-probe",
                "spam-rank-accuracy", "spam-rank-loss-vanilla",
                "spam-rank-loss-ffa", "spam-rank-loss-none")) {
            Path png = out.resolve(name + ".png");
            assertTrue(Files.isRegularFile(png), png + " missing; stdout: " + r.out());
            BufferedImage img = ImageIO.read(png.toFile());
            assertEquals(800, img.getWidth());
            assertEquals(560, img.getHeight());
            assertTrue(distinctColours(img) > 10, name + " looks blank");
        }
        // vanilla at epsilon 4: 0.78 + 0.02 + 0.002 * {0, 1, 2}: mean 0.802, std 0.002
        // the non-private columns (LoRA, and the frozen-base probe) are the same on every epsilon row
        assertTrue(r.out().contains("| 4 | 80.20 ± 0.20 (n=3) | 82.20 ± 0.20 (n=3) | 91.00 ± 1.00 (n=3) | "
                + "71.00 ± 1.00 (n=3) |"), r.out());
        assertTrue(r.out().contains("non-private frozen-base probe (head only)"), r.out());
        // spam rank 16, none: 0.916 + {0, 0.01}: mean 92.10, std 0.7071 (in %); F1 table present for spam
        assertTrue(r.out().contains("| 16 | 92.10 ± 0.71 (n=2) | 92.10 ± 0.71 (n=2) | 92.10 ± 0.71 (n=2) |"),
                r.out());
        assertTrue(r.out().contains("F1 of the positive class (%)"), r.out());
        assertTrue(r.out().contains("| 2 | 80.50 ± 0.71 (n=2)"), r.out());
    }

    @Test
    void lossCurvesAverageSeedsPerEpoch() throws IOException {
        SweepResults res = SweepResults.read(epsilonSweep());
        SweepTable t = new SweepTable(res);
        List<Stats> curve = t.lossCurve("ffa", 2.0);
        assertEquals(3, curve.size());
        assertEquals(0.9, curve.get(0).mean(), 1e-12); // 1.0, 0.9, 0.8
        assertEquals(0.1, curve.get(0).std(), 1e-12);
        assertEquals(0.5, curve.get(1).mean(), 1e-12);
        assertEquals(0.0, curve.get(1).std(), 1e-12);
        assertEquals(List.of(1.0, 2.0, 4.0, 8.0), t.xs("vanilla"));
    }

    @Test
    void aMissingResultsFileIsAUsageErrorAndWritesNothing() {
        Path out = tmp.resolve("never");
        CliRunner.Result r = CliRunner.run("plot", tmp.resolve("absent.json").toString(), "--out", out.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("absent.json"), r.err());
        assertFalse(Files.exists(out));
    }

    private static int distinctColours(BufferedImage img) {
        Set<Integer> c = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) {
            for (int x = 0; x < img.getWidth(); x += 3) {
                c.add(img.getRGB(x, y));
            }
        }
        return c.size();
    }
}
