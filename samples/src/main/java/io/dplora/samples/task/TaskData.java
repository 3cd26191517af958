package io.dplora.samples.task;

import io.dplora.updater.IndexedDataSource;

import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The four splits of a task, ready for training: the PUBLIC part pretrains the base model non-privately, the
 * PRIVATE part is what DP fine-tuning protects.
 *
 * @param publicTrain  pretraining examples (public: no privacy claim is made about them)
 * @param publicTest   held-out public examples, to report the base model's accuracy on its own task
 * @param privateTrain the private training examples: the only data whose influence the DP guarantee bounds
 * @param privateTest  held-out private examples: the reported test accuracy (never used for training or tuning)
 * @param labelNames   class names, index = label
 * @param inputSize    width of a feature row (pixels, or the vocabulary size for bag-of-words and token ids)
 * @param fingerprint  a stable description of everything derived from public data that the base depends on beyond
 *                     the task's settings (e.g. a vocabulary checksum); part of the base model's cache key
 * @param unlabelledPublicText token-id sequences of public texts used WITHOUT their labels (e.g. to learn word
 *                     vectors for the base), computed each time it is asked for (only base pretraining asks); empty for
 *                     tasks that have none
 */
public record TaskData(IndexedDataSource publicTrain, IndexedDataSource publicTest, IndexedDataSource privateTrain,
                       IndexedDataSource privateTest, List<String> labelNames, int inputSize,
                       String fingerprint, Supplier<List<int[]>> unlabelledPublicText) {

    public TaskData {
        Objects.requireNonNull(publicTrain, "publicTrain");
        Objects.requireNonNull(publicTest, "publicTest");
        Objects.requireNonNull(privateTrain, "privateTrain");
        Objects.requireNonNull(privateTest, "privateTest");
        labelNames = List.copyOf(labelNames);
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(unlabelledPublicText, "unlabelledPublicText");
    }

    /** A task without unlabelled public text. */
    public TaskData(IndexedDataSource publicTrain, IndexedDataSource publicTest, IndexedDataSource privateTrain,
                    IndexedDataSource privateTest, List<String> labelNames, int inputSize, String fingerprint) {
        this(publicTrain, publicTest, privateTrain, privateTest, labelNames, inputSize, fingerprint, List::of);
    }

    /** @return the number of classes C. */
    public int numClasses() {
        return labelNames.size();
    }
}
