package io.dplora.samples.results;

import io.dplora.samples.run.RunResult;
import io.dplora.samples.run.RunSettings;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A sweep's results file: what was swept, the command, and every finished run. Rewritten atomically after each run,
 * so an interrupted sweep keeps what it finished and a restarted one skips those runs.
 *
 * @param format      {@value #FORMAT}
 * @param sweep       epsilon, rank or method
 * @param task        the task name
 * @param description what is public and private in the task, and the model
 * @param command     the command line that made (or last extended) the file
 * @param runs        finished runs, in the order they finished
 */
public record SweepResults(@JsonProperty("format") String format,
                           @JsonProperty("sweep") String sweep,
                           @JsonProperty("task") String task,
                           @JsonProperty("description") String description,
                           @JsonProperty("command") String command,
                           @JsonProperty("runs") List<RunResult> runs) {

    public static final String FORMAT = "dl4j-dplora sweep v1";

    public SweepResults {
        runs = runs == null ? List.of() : List.copyOf(runs);
    }

    /** @return an empty results file. */
    public static SweepResults start(String sweep, String task, String description, String command) {
        return new SweepResults(FORMAT, sweep, task, description, command, List.of());
    }

    /** @return this file with one more run. */
    public SweepResults with(RunResult r) {
        List<RunResult> l = new ArrayList<>(runs);
        l.add(r);
        return new SweepResults(format, sweep, task, description, command, l);
    }

    /** @return the finished run with these settings, if any. */
    public Optional<RunResult> find(RunSettings s) {
        return runs.stream().filter(r -> r.matches(s)).findFirst();
    }

    /**
     * Reads a results file.
     *
     * @throws IOException naming the file when it is not a results file of this format
     */
    public static SweepResults read(Path file) throws IOException {
        SweepResults r;
        try {
            r = Json.read(file, SweepResults.class);
        } catch (IOException e) {
            throw new IOException("cannot read results file " + file + ": " + e.getMessage(), e);
        }
        if (!FORMAT.equals(r.format())) {
            throw new IOException("not a dl4j-dplora results file (format '" + r.format() + "'): " + file);
        }
        return r;
    }

    /** Reads a results file when it exists, else returns {@code fresh}. */
    public static SweepResults readOr(Path file, SweepResults fresh) throws IOException {
        return Files.exists(file) ? read(file) : fresh;
    }

    /** Writes the file atomically. */
    public void write(Path file) throws IOException {
        Json.write(file, this);
    }
}
