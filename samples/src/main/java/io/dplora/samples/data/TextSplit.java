package io.dplora.samples.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One part of a text corpus (public or private) with its train and test examples (disjoint, in a fixed shuffled
 * order).
 *
 * @param name  e.g. {@code public} or {@code private}
 * @param train training examples (unmodifiable)
 * @param test  test examples (unmodifiable)
 */
public record TextSplit(String name, List<LabeledText> train, List<LabeledText> test) {
    public TextSplit {
        Objects.requireNonNull(name, "name");
        train = List.copyOf(train);
        test = List.copyOf(test);
    }

    /** @return train followed by test. */
    public List<LabeledText> all() {
        List<LabeledText> all = new ArrayList<>(train.size() + test.size());
        all.addAll(train);
        all.addAll(test);
        return List.copyOf(all);
    }

    /** @return examples per class 0..numClasses-1 in {@code texts}. */
    public static int[] classCounts(List<LabeledText> texts, int numClasses) {
        int[] c = new int[numClasses];
        for (LabeledText t : texts) {
            c[t.label()]++;
        }
        return c;
    }
}
