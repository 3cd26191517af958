package io.dplora.accounting.cli;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import io.dplora.accounting.AccountantType;
import io.dplora.accounting.DpEvent;
import io.dplora.accounting.NoiseCalibration;
import io.dplora.accounting.PldWithRdpFallbackAccountant;
import io.dplora.accounting.PrivacyAccountant;
import io.dplora.accounting.RdpAccountant;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code dplora-privacy}: the privacy calculator for DP-SGD with Poisson sampling, the JVM counterpart of TF
 * Privacy's {@code compute_dp_sgd_privacy}. Three sub-commands:
 * <pre>
 *   epsilon --noise-multiplier S --sample-rate Q --steps T --delta D [--accountant rdp|pld]
 *   noise   --epsilon E --delta D --sample-rate Q --steps T [--accountant rdp|pld]
 *   delta   --epsilon E --noise-multiplier S --sample-rate Q --steps T [--accountant rdp|pld]
 * </pre>
 * Everywhere {@code --dataset-size N --batch-size B --epochs K} may replace {@code --sample-rate} and
 * {@code --steps}: q = B/N (the expected batch size over the data set size) and T = ceil(K N / B). {@code --json}
 * prints one JSON object instead of prose (snake_case keys; the first release's camelCase names follow as deprecated
 * aliases). Exit codes: 0 success, 2 bad input (with the usage message), 1 when the
 * computation cannot be done (for example a PLD too wide for its discretisation: use {@code --accountant rdp}).
 */
@Command(name = "dplora-privacy", mixinStandardHelpOptions = true, version = "dplora-privacy 0.1.0",
        description = "Differential privacy of DP-SGD with Poisson sampling (add-or-remove-one adjacency).",
        subcommands = {PrivacyCalculator.Epsilon.class, PrivacyCalculator.Noise.class, PrivacyCalculator.Delta.class},
        sortOptions = false)
public final class PrivacyCalculator implements Runnable {

    @Spec
    CommandSpec spec;

    /** Runs the calculator and exits with its exit code. */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the calculator on the arguments with standard output and error, returning the exit code. */
    public static int execute(String... args) {
        return newCommandLine().execute(args);
    }

    /** A configured command line (for embedding and tests: set its out/err writers as needed). */
    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new PrivacyCalculator());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof IllegalArgumentException) {
                commandLine.getErr().println("error: " + ex.getMessage());
                commandLine.usage(commandLine.getErr());
                return CommandLine.ExitCode.USAGE;
            }
            if (ex instanceof IllegalStateException) { // e.g. a PLD too wide for the discretisation
                commandLine.getErr().println("error: " + ex.getMessage());
                return CommandLine.ExitCode.SOFTWARE;
            }
            throw ex;
        });
        return cl;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a sub-command is required: epsilon, noise or delta");
    }

    /** The accountant choice on the command line. */
    enum Accountant {
        rdp(AccountantType.RDP), pld(AccountantType.PLD);

        final AccountantType type;

        Accountant(AccountantType type) {
            this.type = type;
        }
    }

    /** Sampling rate and steps, given directly or through data set size, batch size and epochs. */
    static final class Workload {
        @Spec(Spec.Target.MIXEE)
        CommandSpec mixee;

        @Option(names = "--sample-rate", paramLabel = "Q",
                description = "Poisson sampling probability q of each record per step, in [0, 1].")
        Double sampleRate;

        @Option(names = "--steps", paramLabel = "T", description = "Number of DP-SGD steps, >= 0.")
        Long steps;

        @Option(names = "--dataset-size", paramLabel = "N",
                description = "Number of records N (with --batch-size and --epochs instead of --sample-rate "
                        + "and --steps).")
        Long datasetSize;

        @Option(names = "--batch-size", paramLabel = "B", description = "Expected batch size B (q = B/N).")
        Long batchSize;

        @Option(names = "--epochs", paramLabel = "K", description = "Number of epochs K (T = ceil(K*N/B)).")
        BigDecimal epochs;

        @Option(names = "--accountant", paramLabel = "rdp|pld", defaultValue = "pld",
                description = "Accountant: pld (tight, default) or rdp (Renyi DP, faster, looser).")
        Accountant accountant;

        @Option(names = "--json", description = "Print one JSON object instead of prose.")
        boolean json;

        double q;
        long t;

        /** Checks and resolves q and T; a bad combination is a usage error. */
        void resolve() {
            CommandLine cl = mixee.commandLine();
            boolean direct = sampleRate != null || steps != null;
            boolean dataset = datasetSize != null || batchSize != null || epochs != null;
            if (direct && dataset) {
                throw new ParameterException(cl, "give either --sample-rate and --steps, or --dataset-size, "
                        + "--batch-size and --epochs, not both");
            }
            if (dataset) {
                if (datasetSize == null || batchSize == null || epochs == null) {
                    throw new ParameterException(cl, "--dataset-size, --batch-size and --epochs go together");
                }
                if (datasetSize < 1) {
                    throw new ParameterException(cl, "--dataset-size must be >= 1, got " + datasetSize);
                }
                if (batchSize < 0 || batchSize > datasetSize) {
                    throw new ParameterException(cl, "--batch-size must be in [0, N] (N = " + datasetSize
                            + "), got " + batchSize);
                }
                if (epochs.signum() < 0) {
                    throw new ParameterException(cl, "--epochs must be >= 0, got " + epochs);
                }
                q = batchSize / (double) datasetSize;
                if (batchSize == 0) {
                    t = 0;
                } else {
                    BigDecimal exact = epochs.multiply(BigDecimal.valueOf(datasetSize))
                            .divide(BigDecimal.valueOf(batchSize), 0, RoundingMode.CEILING);
                    if (exact.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
                        throw new ParameterException(cl, "the number of steps ceil(K*N/B) overflows");
                    }
                    t = exact.longValueExact();
                }
                return;
            }
            if (sampleRate == null || steps == null) {
                throw new ParameterException(cl, "give --sample-rate and --steps (or --dataset-size, --batch-size "
                        + "and --epochs)");
            }
            if (!(sampleRate >= 0 && sampleRate <= 1)) {
                throw new ParameterException(cl, "--sample-rate must be in [0, 1], got " + sampleRate);
            }
            if (steps < 0) {
                throw new ParameterException(cl, "--steps must be >= 0, got " + steps);
            }
            q = sampleRate;
            t = steps;
        }

        Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("accountant", accountant.name());
            m.put("sampling_probability", q);
            m.put("steps", t);
            if (datasetSize != null) {
                m.put("dataset_size", datasetSize);
                m.put("batch_size", batchSize);
                m.put("epochs", epochs);
            }
            return m;
        }

        String sentence(double sigma) {
            return String.format(Locale.ROOT, "DP-SGD with Poisson sampling rate q = %s (%.4g%%), noise multiplier "
                    + "%s and %d steps", fmt(q), 100 * q, fmt(sigma), t);
        }
    }

    static void requireDelta(CommandLine cl, double delta) {
        if (!(delta > 0 && delta < 1)) {
            throw new ParameterException(cl, "--delta must be in (0, 1), got " + delta);
        }
    }

    static void requireSigma(CommandLine cl, double sigma) {
        if (!(sigma >= 0) || Double.isInfinite(sigma)) {
            throw new ParameterException(cl, "--noise-multiplier must be finite and >= 0, got " + sigma);
        }
    }

    static void requireEpsilon(CommandLine cl, double epsilon) {
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new ParameterException(cl, "--epsilon must be finite and >= 0, got " + epsilon);
        }
    }

    static PrivacyAccountant account(Workload w, double sigma) {
        return w.accountant.type.newAccountant().compose(
                DpEvent.selfComposed(DpEvent.poissonSampled(w.q, DpEvent.gaussian(sigma)), w.t));
    }

    static void print(CommandSpec spec, boolean json, Map<String, Object> fields, String prose) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? toJson(fields) : prose);
        out.flush();
    }

    /**
     * The camelCase key names of the first release's JSON output, written after the snake_case keys as deprecated
     * aliases (same values) so that scripts reading them keep working; new code should read the snake_case keys.
     */
    static final Map<String, String> DEPRECATED_ALIASES = Map.of("sampling_probability", "samplingProbability",
            "dataset_size", "datasetSize", "batch_size", "batchSize", "noise_multiplier", "noiseMultiplier",
            "optimal_order", "optimalOrder", "target_epsilon", "targetEpsilon");

    /**
     * One JSON object of the fields (snake_case keys, then their {@link #DEPRECATED_ALIASES}). Written by hand: the
     * accounting module has no JSON dependency, and these objects are flat numbers and strings.
     */
    static String toJson(Map<String, Object> fields) {
        Map<String, Object> all = new LinkedHashMap<>(fields);
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            String alias = DEPRECATED_ALIASES.get(e.getKey());
            if (alias != null) {
                all.put(alias, e.getValue());
            }
        }
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, Object> e : all.entrySet()) {
            if (b.length() > 1) {
                b.append(", ");
            }
            b.append('"').append(e.getKey()).append("\": ");
            Object v = e.getValue();
            if (v instanceof Double d) {
                b.append(Double.isFinite(d) ? Double.toString(d) : "\"" + d + "\"");
            } else if (v instanceof Number || v instanceof Boolean) {
                b.append(v);
            } else {
                b.append('"').append(String.valueOf(v).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            }
        }
        return b.append('}').toString();
    }

    /** Six significant digits: plain notation between 1e-4 and 1e7, scientific otherwise. */
    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "infinity" : "-infinity";
        }
        double a = Math.abs(v);
        if (a == 0 || (a >= 1e-4 && a < 1e7)) {
            return new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros().toPlainString();
        }
        String s = String.format(Locale.ROOT, "%.5e", v); // d.ddddde+XX
        int e = s.indexOf('e');
        String mantissa = s.substring(0, e).replaceAll("0+$", "").replaceAll("\\.$", "");
        return mantissa + "e" + Integer.parseInt(s.substring(e + 1));
    }

    @Command(name = "epsilon", description = "Epsilon of T steps at a given delta.", sortOptions = false,
            mixinStandardHelpOptions = true)
    static final class Epsilon implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--noise-multiplier", required = true, paramLabel = "S",
                description = "Noise standard deviation over the clipping norm, >= 0.")
        double sigma;

        @Option(names = "--delta", required = true, paramLabel = "D", description = "Target delta, in (0, 1).")
        double delta;

        @Mixin
        Workload workload;

        @Override
        public Integer call() {
            CommandLine cl = spec.commandLine();
            requireSigma(cl, sigma);
            requireDelta(cl, delta);
            workload.resolve();
            PrivacyAccountant accountant = account(workload, sigma);
            double epsilon = accountant.getEpsilon(delta);
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("command", "epsilon");
            f.put("noise_multiplier", sigma);
            f.putAll(workload.describe());
            f.put("delta", delta);
            f.put("epsilon", epsilon);
            String order = "";
            if (accountant instanceof RdpAccountant rdp) {
                double alpha = rdp.getOptimalOrder(delta);
                f.put("optimal_order", alpha);
                order = ", optimal RDP order " + fmt(alpha);
            }
            if (accountant instanceof PldWithRdpFallbackAccountant pld) {
                String source = pld.source(delta);
                f.put("bound", source);
                order = ": " + source;
            }
            print(spec, workload.json, f, workload.sentence(sigma) + String.format(Locale.ROOT,
                    " satisfies (epsilon = %s, delta = %s)-DP [%s accountant%s].", fmt(epsilon), fmt(delta),
                    workload.accountant.name().toUpperCase(Locale.ROOT), order));
            return 0;
        }
    }

    @Command(name = "noise", description = "Smallest noise multiplier that meets a target (epsilon, delta).",
            sortOptions = false, mixinStandardHelpOptions = true)
    static final class Noise implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--epsilon", required = true, paramLabel = "E", description = "Target epsilon, >= 0.")
        double epsilon;

        @Option(names = "--delta", required = true, paramLabel = "D", description = "Target delta, in (0, 1).")
        double delta;

        @Mixin
        Workload workload;

        @Override
        public Integer call() {
            CommandLine cl = spec.commandLine();
            requireEpsilon(cl, epsilon);
            requireDelta(cl, delta);
            workload.resolve();
            double sigma = NoiseCalibration.noiseMultiplier(epsilon, delta, workload.q, workload.t,
                    workload.accountant.type);
            double achieved = account(workload, sigma).getEpsilon(delta);
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("command", "noise");
            f.put("target_epsilon", epsilon);
            f.put("delta", delta);
            f.putAll(workload.describe());
            f.put("noise_multiplier", sigma);
            f.put("epsilon", achieved);
            print(spec, workload.json, f, String.format(Locale.ROOT,
                    "Noise multiplier %s is the smallest that keeps %d steps at Poisson sampling rate q = %s within "
                            + "(epsilon = %s, delta = %s): it gives epsilon = %s [%s accountant].",
                    Double.toString(sigma), workload.t, fmt(workload.q), fmt(epsilon), fmt(delta),
                    Double.toString(achieved),
                    workload.accountant.name().toUpperCase(Locale.ROOT)));
            return 0;
        }
    }

    @Command(name = "delta", description = "Delta of T steps at a given epsilon.", sortOptions = false,
            mixinStandardHelpOptions = true)
    static final class Delta implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--epsilon", required = true, paramLabel = "E", description = "Epsilon, >= 0.")
        double epsilon;

        @Option(names = "--noise-multiplier", required = true, paramLabel = "S",
                description = "Noise standard deviation over the clipping norm, >= 0.")
        double sigma;

        @Mixin
        Workload workload;

        @Override
        public Integer call() {
            CommandLine cl = spec.commandLine();
            requireEpsilon(cl, epsilon);
            requireSigma(cl, sigma);
            workload.resolve();
            double delta = account(workload, sigma).getDelta(epsilon);
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("command", "delta");
            f.put("noise_multiplier", sigma);
            f.putAll(workload.describe());
            f.put("epsilon", epsilon);
            f.put("delta", delta);
            print(spec, workload.json, f, workload.sentence(sigma) + String.format(Locale.ROOT,
                    " satisfies (epsilon = %s, delta = %s)-DP [%s accountant].", fmt(epsilon), fmt(delta),
                    workload.accountant.name().toUpperCase(Locale.ROOT)));
            return 0;
        }
    }
}
