package io.dplora.samples.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Fixed-seed stratified train/test split: within each class (in input order) the examples are shuffled with
 * {@code Random}, the first {@code round(f·n_c)} go to train and the rest to test; train and test are then shuffled
 * once more so that classes interleave. {@link java.util.Collections#shuffle(List, Random)} and {@link Random} are
 * specified algorithms, so a seed gives the same split on every JVM.
 */
final class StratifiedSplitter {

    private StratifiedSplitter() {
    }

    static TextSplit split(String name, List<LabeledText> items, int numClasses, double trainFraction,
                           Random random) {
        List<List<LabeledText>> byClass = new ArrayList<>();
        for (int c = 0; c < numClasses; c++) {
            byClass.add(new ArrayList<>());
        }
        for (LabeledText t : items) {
            byClass.get(t.label()).add(t);
        }
        List<LabeledText> train = new ArrayList<>();
        List<LabeledText> test = new ArrayList<>();
        for (List<LabeledText> cls : byClass) {
            Collections.shuffle(cls, random);
            int nTrain = (int) Math.round(trainFraction * cls.size());
            train.addAll(cls.subList(0, nTrain));
            test.addAll(cls.subList(nTrain, cls.size()));
        }
        Collections.shuffle(train, random);
        Collections.shuffle(test, random);
        return new TextSplit(name, train, test);
    }
}
