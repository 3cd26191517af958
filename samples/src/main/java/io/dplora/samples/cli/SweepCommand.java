package io.dplora.samples.cli;

import io.dplora.samples.base.BaseModel;
import io.dplora.samples.results.SweepResults;
import io.dplora.samples.run.FineTuner;
import io.dplora.samples.run.Method;
import io.dplora.samples.run.RunResult;
import io.dplora.samples.run.RunSettings;
import io.dplora.samples.task.Task;
import io.dplora.samples.task.TaskData;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code dplora sweep epsilon|rank|method}: runs a grid of fine-tuning runs of one task on the same cached base and
 * writes every run (settings, accuracy, epsilon, losses per epoch, wall time) to a results file after each run;
 * runs already in the file are skipped, so an interrupted sweep resumes where it stopped.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Run a grid of fine-tuning runs and write the results file incrementally.",
                "epsilon: every --epsilons value x --methods (default vanilla,ffa) at --rank, plus the non-private "
                        + "line (method none) at --rank;",
                "rank: every --ranks value x --methods (default vanilla,ffa,none) at --epsilon;",
                "method: --methods (default vanilla,ffa,none) at --rank and --epsilon;",
                "lr: every --lrs value x --methods (default vanilla,ffa,none) at --rank and --epsilon (tuning: run it "
                        + "on a task's public rehearsal, --task <task>-rehearsal, never on the private task).",
                "Each grid point runs for --seeds seeds: S, S+1, ..., S+K-1 (S = --seed)."})
final class SweepCommand implements Callable<Integer> {

    @ParentCommand
    DploraCli cli;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KIND", description = "epsilon, rank, method or lr")
    String kind;

    @Mixin
    RunOptions options;

    @Option(names = "--seeds", defaultValue = "3", paramLabel = "K",
            description = "seeds per grid point (default: ${DEFAULT-VALUE})")
    int seeds;

    @Option(names = {"--out", "--output"}, required = true, paramLabel = "FILE",
            description = "results file (JSON); --output is an older name for --out")
    Path output;

    @Option(names = "--epsilons", split = ",", defaultValue = "1,2,4,8", paramLabel = "E,...",
            description = "target epsilons of an epsilon sweep (default: ${DEFAULT-VALUE})")
    List<Double> epsilons;

    @Option(names = "--ranks", split = ",", defaultValue = "2,4,8,16", paramLabel = "R,...",
            description = "ranks of a rank sweep (default: ${DEFAULT-VALUE})")
    List<Integer> ranks;

    @Option(names = "--lrs", split = ",", defaultValue = "0.003,0.01,0.03", paramLabel = "LR,...",
            description = "learning rates of an lr sweep (default: ${DEFAULT-VALUE})")
    List<Double> lrs;

    @Option(names = "--methods", split = ",", paramLabel = "M,...",
            description = "methods (default: vanilla,ffa for epsilon sweeps, else vanilla,ffa,none)")
    List<String> methods;

    @Option(names = "--no-baseline", description = "epsilon sweep: skip the non-private runs")
    boolean noBaseline;

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        String k = kind.toLowerCase(Locale.ROOT);
        if (!List.of("epsilon", "rank", "method", "lr").contains(k)) {
            throw new CommandLine.ParameterException(cl, "unknown sweep '" + kind + "' (choose from epsilon, rank, "
                    + "method, lr)");
        }
        if (seeds < 1) {
            throw new CommandLine.ParameterException(cl, "--seeds must be >= 1, got " + seeds);
        }
        Task task = options.task(cl);
        List<RunSettings> grid = grid(cl, k);
        String command = "dplora " + String.join(" ", cl.getParseResult().originalArgs());
        SweepResults results = SweepResults.readOr(output, SweepResults.start(k, task.name(), task.description(),
                command));
        if (!results.sweep().equals(k) || !results.task().equals(task.name())) {
            throw new IllegalStateException(output + " holds a " + results.sweep() + " sweep of task "
                    + results.task() + ", not a " + k + " sweep of " + task.name() + "; choose another --out");
        }
        PrintStream o = cli.out();
        long todo = grid.stream().filter(s -> results.find(s).isEmpty()).count();
        o.printf("sweep %s on %s: %d runs, %d already in %s%n", k, task.name(), grid.size(), grid.size() - todo,
                output);
        if (todo == 0) {
            return 0;
        }
        Workspace ws = options.workspace();
        TaskData data = ws.load(task, o);
        BaseModel base = ws.base(task, data, o);
        FineTuner tuner = new FineTuner(o);
        SweepResults current = new SweepResults(results.format(), k, task.name(), task.description(), command,
                results.runs());
        int i = 0;
        for (RunSettings s : grid) {
            i++;
            if (current.find(s).isPresent()) {
                continue;
            }
            o.printf("%n[run %d/%d] %s%n", i, grid.size(), s.runName());
            RunResult r = tuner.run(task, data, base, s, null);
            current = current.with(r);
            current.write(output);
            o.println("[run " + i + "/" + grid.size() + "] " + TrainCommand.summary(r));
        }
        o.println("sweep finished: " + current.runs().size() + " runs in " + output);
        return 0;
    }

    private List<RunSettings> grid(CommandLine cl, String k) {
        List<Method> ms = new ArrayList<>();
        List<String> names = methods != null ? methods
                : k.equals("epsilon") ? List.of("vanilla", "ffa") : List.of("vanilla", "ffa", "none");
        for (String n : names) {
            try {
                ms.add(Method.parse(n));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cl, e.getMessage());
            }
        }
        RunSettings base = options.settings(cl, Method.VANILLA);
        for (Method m : ms) {
            RunOptions.checkMethodFitsTask(cl, m, options.task(cl));
        }
        List<RunSettings> out = new ArrayList<>();
        for (int j = 0; j < seeds; j++) {
            RunSettings s = base.withSeed((base.seed() == null ? 0L : base.seed()) + j);
            try {
                switch (k) {
                    case "epsilon" -> {
                        for (Method m : ms) {
                            if (m.isPrivate()) {
                                for (double e : epsilons) {
                                    out.add(s.withMethod(m).withEpsilon(e));
                                }
                            }
                        }
                        for (Method m : ms) {
                            if (!m.isPrivate()) {
                                out.add(s.withMethod(m));
                            }
                        }
                        if (!noBaseline && !ms.contains(Method.NONE)) {
                            out.add(s.withMethod(Method.NONE));
                        }
                    }
                    case "rank" -> {
                        for (int r : ranks) {
                            for (Method m : ms) {
                                out.add(s.withMethod(m).withRank(r));
                            }
                        }
                    }
                    case "lr" -> {
                        for (double lr : lrs) {
                            for (Method m : ms) {
                                out.add(s.withMethod(m).withLearningRate(lr));
                            }
                        }
                    }
                    default -> {
                        for (Method m : ms) {
                            out.add(s.withMethod(m));
                        }
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cl, e.getMessage());
            }
        }
        if (Files.isDirectory(output)) {
            throw new CommandLine.ParameterException(cl, "--out " + output + " is a folder; give a file name");
        }
        return out;
    }
}
