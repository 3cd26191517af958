package io.dplora.samples.cli;

import io.dplora.samples.plot.MarkdownTable;
import io.dplora.samples.plot.ResultPlots;
import io.dplora.samples.results.SweepResults;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code dplora plot results/*.json --out plots/}: PNG charts (accuracy vs epsilon or rank, loss per epoch; mean
 * &plusmn; std over seeds) of each results file, and its tables in Markdown on standard output.
 */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = "Draw PNG charts of sweep results files and print their tables (Markdown).")
final class PlotCommand implements Callable<Integer> {

    @ParentCommand
    DploraCli cli;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "RESULTS", description = "results files written by dplora sweep")
    List<Path> files;

    @Option(names = "--out", defaultValue = "plots", paramLabel = "DIR",
            description = "folder for the PNG files (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "no such results file: " + f);
            }
        }
        List<SweepResults> all = new ArrayList<>();
        for (Path f : files) {
            all.add(SweepResults.read(f));
        }
        PrintStream o = cli.out();
        Files.createDirectories(out);
        for (int i = 0; i < files.size(); i++) {
            SweepResults r = all.get(i);
            String name = files.get(i).getFileName().toString().replaceFirst("\\.json$", "");
            List<Path> written = ResultPlots.write(r, out, name);
            o.printf("%n## %s: %s sweep (%d runs)%n%n`%s`%n%n", r.task(), r.sweep(), r.runs().size(), r.command());
            o.print(MarkdownTable.of(r));
            for (Path p : written) {
                o.println("wrote " + p);
            }
        }
        return 0;
    }
}
