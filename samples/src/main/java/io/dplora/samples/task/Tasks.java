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
