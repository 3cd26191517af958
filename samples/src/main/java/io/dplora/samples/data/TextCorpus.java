package io.dplora.samples.data;

import java.util.List;
import java.util.Objects;

/**
 * A labelled text corpus split into a public part (for non-private pre-training, and the source of the vocabulary)
 * and a private part (for differentially private fine-tuning), each with train and test examples.
 *
 * <p>The two parts are disjoint as texts: duplicates were removed from the whole corpus before splitting (see the
 * loader), so no text of the private part also appears in the public part.
 */
public final class TextCorpus {

    private final String name;
    private final List<String> labelNames;
    private final TextSplit publicSplit;
    private final TextSplit privateSplit;
    private final LoadReport report;

    public TextCorpus(String name, List<String> labelNames, TextSplit publicSplit, TextSplit privateSplit,
                      LoadReport report) {
        this.name = Objects.requireNonNull(name, "name");
        this.labelNames = List.copyOf(labelNames);
        this.publicSplit = Objects.requireNonNull(publicSplit, "publicSplit");
        this.privateSplit = Objects.requireNonNull(privateSplit, "privateSplit");
        this.report = Objects.requireNonNull(report, "report");
    }

    public String name() {
        return name;
    }

    /** @return class names in label order (index = label). */
    public List<String> labelNames() {
        return labelNames;
    }

    /** @return the number of classes C. */
    public int numClasses() {
        return labelNames.size();
    }

    /** @return the public part (pre-training, vocabulary). */
    public TextSplit publicSplit() {
        return publicSplit;
    }

    /** @return the private part (DP fine-tuning). */
    public TextSplit privateSplit() {
        return privateSplit;
    }

    /** @return what was read, dropped and kept. */
    public LoadReport report() {
        return report;
    }

    @Override
    public String toString() {
        return "TextCorpus[" + name + ", public " + publicSplit.train().size() + "/" + publicSplit.test().size()
                + ", private " + privateSplit.train().size() + "/" + privateSplit.test().size() + "]";
    }
}
