package io.dplora.samples.cli;

import io.dplora.samples.base.BaseModel;
import io.dplora.samples.results.Json;
import io.dplora.samples.run.FineTuner;
import io.dplora.samples.run.Method;
import io.dplora.samples.run.RunFolder;
import io.dplora.samples.run.RunResult;
import io.dplora.samples.run.RunSettings;
import io.dplora.samples.task.Task;
import io.dplora.samples.task.TaskData;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import io.dplora.updater.SamplingScheme;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code dplora train}: pretrain (or load) the task's public base, convert it with LoRA, fine-tune on the private
 * split with DP (or without, for {@code --method none}), evaluate on the private test split, save the merged model,
 * the adapter and the ledger, and print accuracy and epsilon spent.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Fine-tune a public base model on a private split with DP-LoRA and report accuracy and "
                + "epsilon spent.",
                "Pretrains the task's base on its public split the first time (cached), fetches the data if missing."})
final class TrainCommand implements Callable<Integer> {

    @ParentCommand
    DploraCli cli;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    RunOptions options;

    @Option(names = "--method", defaultValue = "vanilla", paramLabel = "M",
            description = "vanilla (DP, A and B trained), ffa (DP, A frozen), none (non-private LoRA), probe "
                    + "(non-private, no adapters: only the head trained on the frozen base, same schedule) or logreg "
                    + "(imdb-minilm: the head fitted to convergence on the frozen encoder's features, non-private) "
                    + "(default: ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--spark", paramLabel = "MASTER",
            description = "DP methods: compute each step's clipped sums on Apache Spark (e.g. local[2], or a cluster's "
                    + "spark://host:7077); sampling, noise and accounting stay on this driver")
    String spark;

    @Option(names = "--sampling", paramLabel = "SCHEME",
            description = "DP methods: keyed (an AES function of step and example, the default without --seed and on "
                    + "Spark) or sequential (one draw per example in order, the default with --seed); both are exact "
                    + "Poisson sampling with the same accounting")
    SamplingScheme sampling;

    @Option(names = "--json", description = "print the result as one JSON object on the last line")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "print only warnings and the result (no progress bars, no "
            + "per-epoch lines; the launcher also turns INFO logging off)")
    boolean quiet;

    @Option(names = "--out", paramLabel = "DIR",
            description = "output folder (default: runs/<task>-<method>-r<R>-eps<E>[-s<S>]); an existing folder is "
                    + "replaced only if an earlier dplora train created it (marker file .dplora-run), anything else "
                    + "is refused before training")
    Path out;

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        Method m;
        try {
            m = Method.parse(method);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
        RunSettings s = options.settings(cl, m);
        if (spark != null && !m.isPrivate()) {
            throw new CommandLine.ParameterException(cl, "--spark runs DP methods (vanilla, ffa); method "
                    + m.label() + " trains on one machine");
        }
        Task task = options.task(cl);
        RunOptions.checkMethodFitsTask(cl, m, task);
        Path outDir = out != null ? out : Path.of("runs", s.runName());
        PrintStream o = cli.out();
        PrintStream progress = quiet ? new PrintStream(java.io.OutputStream.nullOutputStream()) : o;
        io.dplora.samples.run.Progress.setEnabled(!quiet);
        try {
            return run(cl, m, s, task, outDir, o, progress);
        } finally {
            io.dplora.samples.run.Progress.setEnabled(true);
        }
    }

    private int run(CommandLine cl, Method m, RunSettings s, Task task, Path outDir, PrintStream o,
                    PrintStream progress) throws Exception {
        progress.printf("dplora train: task %s, method %s; loading the data and the ND4J backend...%n", task.name(),
                m.label());
        RunFolder folder;
        try {
            folder = RunFolder.open(outDir);
        } catch (RunFolder.OutputFolderException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
        try (folder) {
            for (String repair : folder.repairs()) {
                o.println("output folder: " + repair);
            }
            if (s.seeded() && m.isPrivate()) {
                o.println("warning: --seed " + s.seed() + " makes sampling and noise reproducible: this run is for "
                        + "experiments, NOT for release (result.json: \"for_release\": false)");
            }
            if (s.validates()) {
                o.println("warning: --validation scores on held-out PRIVATE training examples; settings chosen by "
                        + "looking at them are a release no accountant counts. Choose settings on the task's public "
                        + "rehearsal instead: ./dplora sweep lr --task " + task.name() + "-rehearsal ...");
            }
            Workspace ws = options.workspace();
            TaskData data = ws.load(task, progress);
            BaseModel base = ws.base(task, data, progress);
            progress.printf("base: %s (public test accuracy %.4f)%n", base.folder(),
                    base.info().publicTestAccuracy());
            FineTuner tuner = new FineTuner(progress).withSampling(sampling);
            if (spark != null) {
                tuner = tuner.withSpark(spark);
            }
            RunResult r = tuner.run(task, data, base, s, folder);
            o.println(summary(r) + "; saved to " + outDir);
            if (json) {
                o.println(Json.line(r));
            }
            o.flush();
        }
        return 0;
    }

    /** One line: accuracy (F1, balanced accuracy), epsilon spent, sigma, steps, time. */
    static String summary(RunResult r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%s %s r=%d: %s accuracy %.4f", r.task(), r.method(), r.rank(),
                r.validation() == null ? "test" : "validation (" + r.validation() + " held-out private training "
                        + "examples)", r.testAccuracy()));
        if (r.f1() != null) {
            b.append(String.format(", F1 %.4f, balanced accuracy %.4f", r.f1(), r.balancedAccuracy()));
        }
        if (r.epsilonSpent() != null) {
            b.append(String.format(", epsilon spent %s of %s at delta %s, noise multiplier %.4f",
                    io.dplora.updater.PrivacyReport.formatEpsilon(r.epsilonSpent()), r.epsilonTarget(), r.delta(),
                    r.noiseMultiplier()));
        } else {
            b.append(", not private (no epsilon)");
        }
        b.append(String.format(", %d steps, %.1f s", r.steps(), r.seconds()));
        return b.toString();
    }
}
