package io.dplora.samples.data;

import java.util.Objects;

/**
 * One text example.
 *
 * @param id    a stable identifier for tracing, e.g. {@code spam-1/00001.7c5...txt} or {@code imdb/4711}
 * @param group the source group it came from (corpus folder, or label group)
 * @param text  the decoded, cleaned text (never blank)
 * @param label the class, in [0, C)
 */
public record LabeledText(String id, String group, String text, int label) {
    public LabeledText {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(text, "text");
        if (label < 0) {
            throw new IllegalArgumentException("negative label " + label + " for " + id);
        }
    }
}
