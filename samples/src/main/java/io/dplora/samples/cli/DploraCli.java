package io.dplora.samples.cli;

import io.dplora.samples.data.DataFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;

/**
 * The {@code dplora} command line: {@code train} (one DP-LoRA fine-tuning run on real data), {@code sweep} (a grid of
 * runs written to a results file) and {@code plot} (charts from results files).
 *
 * <p>Exit codes: 0 success, 1 failure while running (missing data that cannot be fetched, I/O errors), 2 usage error
 * (unknown task, rank &le; 0, epsilon &le; 0, ...; nothing is written in that case).
 */
@Command(name = "dplora", mixinStandardHelpOptions = true, version = "dl4j-dplora 0.1.0-SNAPSHOT",
        description = "Differentially private LoRA fine-tuning for Deeplearning4j, on real data.",
        subcommands = {TrainCommand.class, SweepCommand.class, PlotCommand.class},
        footer = {"", "Also: dplora bench [--quick] [--json] [--out FILE]   benchmarks (DP overhead, memory, "
                + "accountants; './dplora bench --help')", "", "Examples:",
                "  dplora train --task fashion",
                "  dplora train --task spam --method ffa --rank 8 --epsilon 4 --json",
                "  dplora sweep epsilon --task fashion --seeds 3 --out results/fashion-epsilon.json",
                "  dplora plot results/*.json --out plots/"})
public final class DploraCli implements Runnable {

    /** Exit code of a usage error. */
    public static final int USAGE = CommandLine.ExitCode.USAGE;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final PrintStream out;
    private final PrintStream err;

    DploraCli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Standard output of this invocation (results, summary lines, the {@code --json} line). */
    PrintStream out() {
        return out;
    }

    /** Standard error of this invocation. */
    PrintStream err() {
        return err;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: train, sweep or plot");
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err));
    }

    /**
     * Runs the command line with the given streams.
     *
     * @return the exit code (0 ok, 1 failure, 2 usage error)
     */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new DploraCli(out, err)).setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        for (String withRunOptions : new String[] {"train", "sweep"}) {
            cl.getSubcommands().get(withRunOptions).getCommandSpec().usageMessage().footer(
                    concat("", io.dplora.samples.task.Tasks.defaultsHelp()));
        }
        cl.setParameterExceptionHandler(DploraCli::usageError);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            err.println("dplora: error: " + describe(ex));
            if (!(ex instanceof DataFileException || ex instanceof IllegalArgumentException
                    || ex instanceof UncheckedIOException || ex instanceof java.io.IOException
                    || ex instanceof IllegalStateException)) {
                ex.printStackTrace(err);
            }
            return CommandLine.ExitCode.SOFTWARE;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError oom) {
            err.println(outOfMemoryAdvice(Runtime.getRuntime().maxMemory()));
            return CommandLine.ExitCode.SOFTWARE;
        }
    }

    private static String[] concat(String first, java.util.List<String> rest) {
        java.util.List<String> all = new java.util.ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all.toArray(String[]::new);
    }

    /**
     * A usage error: the problem, picocli's suggestions for a mistyped option or command, and a one-line hint to the
     * command's help (which shows every option with its default) instead of the whole usage.
     *
     * @return {@link #USAGE}
     */
    static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine c = ex.getCommandLine();
        PrintWriter w = c.getErr();
        String name = c.getCommandSpec().qualifiedName();
        w.println(name + ": " + describe(ex));
        CommandLine.UnmatchedArgumentException.printSuggestions(ex, w);
        w.println("Try '" + name + " --help' for the options and their defaults.");
        w.flush();
        return USAGE;
    }

    /** @return what to do when the Java heap of {@code maxHeapBytes} was too small */
    static String outOfMemoryAdvice(long maxHeapBytes) {
        return "dplora: error: out of Java heap memory (maximum heap " + (maxHeapBytes >> 20) + " MB). Raise it, "
                + "e.g. DPLORA_JAVA_OPTS=-Xmx12g ./dplora ... (the launcher's default is -Xmx6g), or lower "
                + "--physical-batch (memory per forward/backward pass; results and privacy are unchanged). Nothing "
                + "was saved from this run; an output folder of an earlier run is unchanged";
    }

    private static String describe(Throwable ex) {
        String m = ex.getMessage();
        return m == null || m.isBlank() ? ex.getClass().getName() : m;
    }
}
