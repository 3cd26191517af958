package io.dplora.samples.run;

/** Example-weighted mean of minibatch losses (each minibatch's loss is the mean over its examples). */
final class LossMean {

    private double sum;
    private long examples;

    /** Adds a minibatch of {@code n} examples with mean loss {@code loss}; ignored when n = 0 or loss not finite. */
    void add(double loss, long n) {
        if (n > 0 && Double.isFinite(loss)) {
            sum += loss * n;
            examples += n;
        }
    }

    /** @return the mean, NaN when nothing was added. */
    double mean() {
        return examples == 0 ? Double.NaN : sum / examples;
    }
}
