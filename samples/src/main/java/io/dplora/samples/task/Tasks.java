package io.dplora.samples.task;

import java.util.List;
import java.util.Locale;

/** The tasks the samples know, by name. */
public final class Tasks {

    private static final List<Task> ALL = List.of(new FashionTask(), new SpamTask(), new ImdbTask(), new FashionCnnTask(),
            new ImdbMiniLmTask());

    private Tasks() {
    }

    /** @return every task, in a fixed order. */
    public static List<Task> all() {
        return ALL;
    }

    /**
     * @return help lines with every task's default fine-tuning settings (what {@code --epochs}, {@code --batch},
     * {@code --physical-batch}, {@code --lr} and {@code --max-grad-norm} default to), from the tasks themselves
     */
    public static List<String> defaultsHelp() {
        List<String> lines = new java.util.ArrayList<>();
        lines.add("Defaults per task (rehearsals as their task):");
        lines.add(String.format(Locale.ROOT, "  %-12s %7s %7s %15s %7s %16s", "task", "epochs", "batch",
                "physical batch", "lr", "max grad norm"));
        for (Task t : ALL) {
            FineTuneDefaults d = t.fineTuneDefaults();
            lines.add(String.format(Locale.ROOT, "  %-12s %7d %7d %15d %7s %16s", t.name(), d.epochs(),
                    d.batchSize(), d.physicalBatch(), plain(d.learningRate()), plain(d.maxGradNorm())));
        }
        return lines;
    }

    private static String plain(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** @return the names, e.g. for usage messages. */
    public static List<String> names() {
        return ALL.stream().map(Task::name).toList();
    }

    /**
     * @param name a task name (case-insensitive)
     * @throws IllegalArgumentException naming the known tasks when there is none of that name
     */
    public static Task byName(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (Task t : ALL) {
            if (t.name().equals(n)) {
                return t;
            }
            if ((t.name() + RehearsalTask.SUFFIX).equals(n)) {
                return new RehearsalTask(t);
            }
        }
        throw new IllegalArgumentException("unknown task '" + name + "' (choose from " + String.join(", ", names())
                + ", or a task's public rehearsal for tuning: <task>" + RehearsalTask.SUFFIX + ")");
    }
}
