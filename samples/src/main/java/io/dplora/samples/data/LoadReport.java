package io.dplora.samples.data;

import org.slf4j.Logger;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a loader read, what it dropped and why, and how many examples each split holds. Immutable.
 *
 * <p>Privacy meaning: the split sizes are the N of each data set; the dropped counts say how the raw corpus was
 * reduced to it (a duplicate kept twice would let one record weigh twice in a DP step).
 */
public final class LoadReport {

    /**
     * Counts of one source group (a corpus folder, a file).
     *
     * @param group      the group's name, e.g. {@code spam-1}
     * @param read       records read from the files
     * @param duplicates records dropped because an equal text was kept before (see the loader for the rule)
     * @param empty      records dropped because nothing was left after decoding
     */
    public record GroupCounts(String group, int read, int duplicates, int empty) {
        public GroupCounts {
            Objects.requireNonNull(group, "group");
            if (read < 0 || duplicates < 0 || empty < 0 || duplicates + empty > read) {
                throw new IllegalArgumentException("inconsistent counts for " + group + ": read " + read
                        + ", duplicates " + duplicates + ", empty " + empty);
            }
        }

        /** @return the records kept: read minus dropped. */
        public int kept() {
            return read - duplicates - empty;
        }
    }

    /**
     * Size of one split, by class.
     *
     * @param split    e.g. {@code public/train}
     * @param perClass examples per class label 0..C-1
     */
    public record SplitCounts(String split, int[] perClass) {
        public SplitCounts {
            Objects.requireNonNull(split, "split");
            perClass = perClass.clone();
        }

        @Override
        public int[] perClass() {
            return perClass.clone();
        }

        /** @return all examples of the split. */
        public int total() {
            return Arrays.stream(perClass).sum();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SplitCounts s && s.split.equals(split) && Arrays.equals(s.perClass, perClass);
        }

        @Override
        public int hashCode() {
            return 31 * split.hashCode() + Arrays.hashCode(perClass);
        }

        @Override
        public String toString() {
            return split + " " + total() + " " + Arrays.toString(perClass);
        }
    }

    private final String dataSet;
    private final Map<String, GroupCounts> groups;
    private final Map<String, SplitCounts> splits;
    private final List<String> notes;

    private LoadReport(Builder b) {
        this.dataSet = b.dataSet;
        this.groups = Collections.unmodifiableMap(new LinkedHashMap<>(b.groups));
        this.splits = Collections.unmodifiableMap(new LinkedHashMap<>(b.splits));
        this.notes = List.copyOf(b.notes);
    }

    /** @return a builder for the report of {@code dataSet}. */
    public static Builder builder(String dataSet) {
        return new Builder(dataSet);
    }

    /** @return the data set's name. */
    public String dataSet() {
        return dataSet;
    }

    /** @return counts per source group, in reading order. */
    public Map<String, GroupCounts> groups() {
        return groups;
    }

    /** @return the counts of one group. @throws IllegalArgumentException if unknown */
    public GroupCounts group(String name) {
        GroupCounts g = groups.get(name);
        if (g == null) {
            throw new IllegalArgumentException("no group '" + name + "' in the " + dataSet + " report; groups: "
                    + groups.keySet());
        }
        return g;
    }

    /** @return split sizes by class, in creation order. */
    public Map<String, SplitCounts> splits() {
        return splits;
    }

    /** @return the size of one split. @throws IllegalArgumentException if unknown */
    public SplitCounts split(String name) {
        SplitCounts s = splits.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no split '" + name + "' in the " + dataSet + " report; splits: "
                    + splits.keySet());
        }
        return s;
    }

    /** @return free-text remarks (e.g. undecodable MIME parts, cross-group duplicates). */
    public List<String> notes() {
        return notes;
    }

    /** @return records read over all groups. */
    public int totalRead() {
        return groups.values().stream().mapToInt(GroupCounts::read).sum();
    }

    /** @return records dropped over all groups. */
    public int totalDropped() {
        return groups.values().stream().mapToInt(g -> g.duplicates() + g.empty()).sum();
    }

    /** Logs the report at INFO, one line per group, split and note. */
    public void log(Logger log) {
        for (String line : toString().split("\n")) {
            log.info(line);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(dataSet).append(": read ").append(totalRead()).append(", dropped ")
                .append(totalDropped());
        for (GroupCounts g : groups.values()) {
            sb.append("\n  group ").append(g.group()).append(": read ").append(g.read()).append(", duplicates ")
                    .append(g.duplicates()).append(", empty ").append(g.empty()).append(", kept ").append(g.kept());
        }
        for (SplitCounts s : splits.values()) {
            sb.append("\n  split ").append(s.split()).append(": ").append(s.total()).append(" per class ")
                    .append(Arrays.toString(s.perClass));
        }
        for (String n : notes) {
            sb.append("\n  note: ").append(n);
        }
        return sb.toString();
    }

    /** Collects counts while a loader runs. */
    public static final class Builder {
        private final String dataSet;
        private final Map<String, GroupCounts> groups = new LinkedHashMap<>();
        private final Map<String, SplitCounts> splits = new LinkedHashMap<>();
        private final List<String> notes = new ArrayList<>();

        private Builder(String dataSet) {
            this.dataSet = Objects.requireNonNull(dataSet, "dataSet");
        }

        public Builder group(GroupCounts g) {
            if (groups.putIfAbsent(g.group(), g) != null) {
                throw new IllegalArgumentException("group " + g.group() + " reported twice");
            }
            return this;
        }

        public Builder split(String name, int[] perClass) {
            if (splits.putIfAbsent(name, new SplitCounts(name, perClass)) != null) {
                throw new IllegalArgumentException("split " + name + " reported twice");
            }
            return this;
        }

        public Builder note(String note) {
            notes.add(Objects.requireNonNull(note, "note"));
            return this;
        }

        public LoadReport build() {
            return new LoadReport(this);
        }
    }
}
