package io.dplora.accounting.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.dplora.accounting.AccountantType;
import io.dplora.accounting.DpEvent;
import io.dplora.accounting.NoiseCalibration;
import io.dplora.accounting.PldAccountant;
import io.dplora.accounting.RdpAccountant;
import picocli.CommandLine;

/** The dplora-privacy calculator: its numbers are the library's, its input errors exit with code 2. */
class PrivacyCalculatorTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cl = PrivacyCalculator.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static double jsonNumber(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\": ([-0-9.eE+]+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Double.parseDouble(m.group(1));
    }

    private static DpEvent plan(double q, double sigma, long steps) {
        return DpEvent.selfComposed(DpEvent.poissonSampled(q, DpEvent.gaussian(sigma)), steps);
    }

    @Test
    void epsilonWithDatasetSizeBatchSizeAndEpochs() {
        // TF Privacy's MNIST example: N 60000, B 256, 60 epochs -> q = 256/60000, T = ceil(60*60000/256) = 14063
        Run r = run("epsilon", "--noise-multiplier", "1.1", "--dataset-size", "60000", "--batch-size", "256",
                "--epochs", "60", "--delta", "1e-5", "--accountant", "rdp", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(14063, (long) jsonNumber(r.out(), "steps"));
        assertEquals(256.0 / 60000, jsonNumber(r.out(), "sampling_probability"));
        assertEquals(256.0 / 60000, jsonNumber(r.out(), "samplingProbability"), "deprecated alias, same value");
        assertEquals(60000, (long) jsonNumber(r.out(), "dataset_size"));
        assertEquals(256, (long) jsonNumber(r.out(), "batch_size"));
        double expected = new RdpAccountant().compose(plan(256.0 / 60000, 1.1, 14063)).getEpsilon(1e-5);
        assertEquals(expected, jsonNumber(r.out(), "epsilon"));
        assertEquals(8.1, jsonNumber(r.out(), "optimal_order"));
        assertEquals(8.1, jsonNumber(r.out(), "optimalOrder"));
        // epochs may be fractional: ceil is exact (0.3 * 1000 / 10 = 30, not 31)
        Run frac = run("epsilon", "--noise-multiplier", "1", "--dataset-size", "1000", "--batch-size", "10",
                "--epochs", "0.3", "--delta", "1e-5", "--json");
        assertEquals(30, (long) jsonNumber(frac.out(), "steps"));
    }

    @Test
    void epsilonProseDefaultsToPld() {
        Run r = run("epsilon", "--noise-multiplier", "0.7", "--sample-rate", "0.01", "--steps", "120", "--delta",
                "1e-5");
        assertEquals(0, r.code(), r.err());
        double expected = new PldAccountant().compose(plan(0.01, 0.7, 120)).getEpsilon(1e-5);
        assertTrue(r.out().contains("PLD accountant"), r.out());
        assertTrue(r.out().contains("epsilon = " + PrivacyCalculator.fmt(expected)), r.out());
        assertTrue(r.out().contains("120 steps"), r.out());
    }

    @Test
    void noiseAndDeltaSubcommands() {
        Run n = run("noise", "--epsilon", "3", "--delta", "1e-5", "--sample-rate", "0.004", "--steps", "10000",
                "--accountant", "RDP", "--json");
        assertEquals(0, n.code(), n.err());
        double sigma = jsonNumber(n.out(), "noise_multiplier");
        assertEquals(sigma, jsonNumber(n.out(), "noiseMultiplier"));
        assertEquals(3.0, jsonNumber(n.out(), "target_epsilon"));
        assertEquals(NoiseCalibration.noiseMultiplier(3, 1e-5, 0.004, 10000, AccountantType.RDP), sigma);
        assertTrue(jsonNumber(n.out(), "epsilon") <= 3);
        Run d = run("delta", "--epsilon", "2", "--noise-multiplier", "1.0", "--sample-rate", "0.01", "--steps",
                "1000", "--json");
        assertEquals(0, d.code(), d.err());
        double expected = new PldAccountant().compose(plan(0.01, 1.0, 1000)).getDelta(2.0);
        assertEquals(expected, jsonNumber(d.out(), "delta"));
        Run prose = run("delta", "--epsilon", "2", "--noise-multiplier", "1.0", "--dataset-size", "1000",
                "--batch-size", "10", "--epochs", "10", "--accountant", "rdp");
        assertEquals(0, prose.code(), prose.err());
        assertTrue(prose.out().contains("1000 steps") && prose.out().contains("RDP accountant"), prose.out());
    }

    @Test
    void nonPrivateSettingsPrintInfinity() {
        Run r = run("epsilon", "--noise-multiplier", "0", "--sample-rate", "0.5", "--steps", "3", "--delta", "1e-5",
                "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"epsilon\": \"Infinity\""), r.out());
    }

    @Test
    void badInputExitsWithCode2AndUsage() {
        String[][] bad = {
            {},
            {"epsilon", "--noise-multiplier", "1", "--sample-rate", "1.5", "--steps", "10", "--delta", "1e-5"},
            {"epsilon", "--noise-multiplier", "-1", "--sample-rate", "0.1", "--steps", "10", "--delta", "1e-5"},
            {"epsilon", "--noise-multiplier", "NaN", "--sample-rate", "0.1", "--steps", "10", "--delta", "1e-5"},
            {"epsilon", "--noise-multiplier", "1", "--sample-rate", "0.1", "--steps", "-10", "--delta", "1e-5"},
            {"epsilon", "--noise-multiplier", "1", "--sample-rate", "0.1", "--steps", "10", "--delta", "1"},
            {"epsilon", "--noise-multiplier", "1", "--sample-rate", "0.1", "--delta", "1e-5"},
            {"epsilon", "--noise-multiplier", "1", "--sample-rate", "0.1", "--steps", "10", "--dataset-size", "100",
                "--batch-size", "10", "--epochs", "1", "--delta", "1e-5"},
            {"epsilon", "--noise-multiplier", "1", "--dataset-size", "100", "--batch-size", "10", "--delta", "1e-5"},
            {"epsilon", "--noise-multiplier", "1", "--dataset-size", "100", "--batch-size", "200", "--epochs", "1",
                "--delta", "1e-5"},
            {"epsilon", "--noise-multiplier", "abc", "--sample-rate", "0.1", "--steps", "10", "--delta", "1e-5"},
            {"epsilon", "--noise-multiplier", "1", "--sample-rate", "0.1", "--steps", "10", "--delta", "1e-5",
                "--accountant", "moments"},
            {"noise", "--epsilon", "-1", "--delta", "1e-5", "--sample-rate", "0.1", "--steps", "10"},
            {"noise", "--epsilon", "0", "--delta", "1e-5", "--sample-rate", "0.1", "--steps", "10"},
            {"delta", "--epsilon", "1", "--sample-rate", "0.1", "--steps", "10"},
            {"frobnicate"},
        };
        for (String[] args : bad) {
            Run r = run(args);
            String shown = String.join(" ", args);
            assertEquals(2, r.code(), shown + "\n" + r.err());
            assertTrue(r.err().contains("Usage:"), shown + "\n" + r.err());
            assertEquals("", r.out(), shown);
        }
    }

    @Test
    void helpAndVersion() {
        Run h = run("--help");
        assertEquals(0, h.code());
        assertTrue(h.out().contains("epsilon") && h.out().contains("noise") && h.out().contains("delta"));
        Run sub = run("noise", "--help");
        assertEquals(0, sub.code());
        assertTrue(sub.out().contains("--dataset-size"));
    }
}
