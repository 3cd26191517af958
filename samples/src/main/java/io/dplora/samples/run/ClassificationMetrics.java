package io.dplora.samples.run;

import java.util.Arrays;

/**
 * Test-set metrics from a confusion matrix (rows = true class, columns = predicted class):
 * <ul>
 *   <li>accuracy = sum_c n_cc / n;</li>
 *   <li>balanced accuracy = (1/C) sum_c n_cc / n_c. (mean recall over the classes that occur);</li>
 *   <li>F1 of the positive class p (binary tasks: p = 1, e.g. spam) = 2 TP / (2 TP + FP + FN), 0 when TP = 0.</li>
 * </ul>
 */
public final class ClassificationMetrics {

    private final long[][] confusion;
    private final long total;

    /** @param confusion counts [C][C], confusion[t][p] = examples of true class t predicted as p (copied). */
    public ClassificationMetrics(long[][] confusion) {
        int c = confusion.length;
        if (c < 2) {
            throw new IllegalArgumentException("need at least 2 classes, got " + c);
        }
        this.confusion = new long[c][];
        long n = 0;
        for (int t = 0; t < c; t++) {
            if (confusion[t].length != c) {
                throw new IllegalArgumentException("confusion matrix must be square, row " + t + " has "
                        + confusion[t].length + " entries for " + c + " classes");
            }
            this.confusion[t] = confusion[t].clone();
            for (long v : confusion[t]) {
                if (v < 0) {
                    throw new IllegalArgumentException("negative count " + v);
                }
                n += v;
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("no examples counted");
        }
        this.total = n;
    }

    /** Counts (true, predicted) pairs. */
    public static ClassificationMetrics of(int[] trueLabels, int[] predicted, int numClasses) {
        if (trueLabels.length != predicted.length) {
            throw new IllegalArgumentException(trueLabels.length + " labels but " + predicted.length + " predictions");
        }
        long[][] m = new long[numClasses][numClasses];
        for (int i = 0; i < trueLabels.length; i++) {
            m[trueLabels[i]][predicted[i]]++;
        }
        return new ClassificationMetrics(m);
    }

    public int numClasses() {
        return confusion.length;
    }

    /** @return the number of examples n. */
    public long count() {
        return total;
    }

    /** @return a copy of the confusion matrix. */
    public long[][] confusion() {
        long[][] out = new long[confusion.length][];
        for (int t = 0; t < out.length; t++) {
            out[t] = confusion[t].clone();
        }
        return out;
    }

    public double accuracy() {
        long correct = 0;
        for (int c = 0; c < confusion.length; c++) {
            correct += confusion[c][c];
        }
        return (double) correct / total;
    }

    /** @return the mean over present classes of their recall. */
    public double balancedAccuracy() {
        double sum = 0;
        int present = 0;
        for (int c = 0; c < confusion.length; c++) {
            long n = Arrays.stream(confusion[c]).sum();
            if (n > 0) {
                sum += (double) confusion[c][c] / n;
                present++;
            }
        }
        return sum / present;
    }

    /** @return F1 of class {@code positive}. */
    public double f1(int positive) {
        long tp = confusion[positive][positive];
        long fn = Arrays.stream(confusion[positive]).sum() - tp;
        long fp = 0;
        for (int t = 0; t < confusion.length; t++) {
            if (t != positive) {
                fp += confusion[t][positive];
            }
        }
        return tp == 0 ? 0.0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    @Override
    public String toString() {
        return String.format("accuracy %.4f, balanced accuracy %.4f (n = %d)", accuracy(), balancedAccuracy(), total);
    }
}
