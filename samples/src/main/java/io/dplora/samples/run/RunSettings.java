package io.dplora.samples.run;

import io.dplora.accounting.AccountantType;

import java.util.Locale;
import java.util.Objects;

/**
 * The settings of one fine-tuning run, validated (an {@link IllegalArgumentException} names the wrong setting).
 *
 * @param task          task name
 * @param method        vanilla, ffa (both DP) or none (non-private)
 * @param rank          LoRA rank r &ge; 1
 * @param alpha         LoRA alpha &gt; 0 (scale alpha/r)
 * @param epsilon       target epsilon &gt; 0 of the DP run (ignored, and reported as null, for {@code none})
 * @param delta         delta of the guarantee, in (0, 1)
 * @param epochs        planned passes over the private training set (&ge; 1)
 * @param batch         logical batch: expected Poisson batch size E under DP, minibatch size without DP
 * @param physicalBatch most examples per forward/backward pass under DP (virtual batches; no effect on results)
 * @param learningRate  Adam learning rate &gt; 0
 * @param maxGradNorm   per-example clipping norm C &gt; 0
 * @param seed          seed of the adapter initialisation, the sampling and the noise, for reproducible experiments;
 *                      null (the default of {@code train}): sampling and noise from SecureRandom, a fresh random
 *                      adapter initialisation. A seeded run is not for release (its noise is only as secret as the
 *                      seed)
 * @param limit         use only the first {@code limit} private training examples (null: all)
 * @param validation    hold out the last {@code validation} private training examples as a validation set, train on
 *                      the others and score on the held-out ones instead of the private test split (for tuning;
 *                      null: train on all, score on the private test split)
 * @param accountant    the accountant that calibrates the noise and reports epsilon under DP (PLD by default, as the
 *                      library's DPConfig; RDP reproduces the runs made before PLD was the default)
 */
public record RunSettings(String task, Method method, int rank, double alpha, double epsilon, double delta,
                          int epochs, int batch, int physicalBatch, double learningRate, double maxGradNorm, Long seed,
                          Integer limit, Integer validation, AccountantType accountant) {

    public RunSettings {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(accountant, "accountant");
        require(rank >= 1, "rank must be >= 1, got " + rank);
        require(alpha > 0 && Double.isFinite(alpha), "alpha must be finite and > 0, got " + alpha);
        require(!method.isPrivate() || (epsilon > 0 && Double.isFinite(epsilon)),
                "epsilon must be finite and > 0, got " + epsilon);
        require(delta > 0 && delta < 1, "delta must lie in (0, 1), got " + delta);
        require(epochs >= 1, "epochs must be >= 1, got " + epochs);
        require(batch >= 1, "batch must be >= 1, got " + batch);
        require(physicalBatch >= 1, "physical batch must be >= 1, got " + physicalBatch);
        require(learningRate > 0 && Double.isFinite(learningRate), "learning rate must be finite and > 0, got "
                + learningRate);
        require(maxGradNorm > 0 && Double.isFinite(maxGradNorm), "max grad norm must be finite and > 0, got "
                + maxGradNorm);
        require(limit == null || limit >= 1, "limit must be >= 1, got " + limit);
        require(validation == null || validation >= 1, "validation must be >= 1, got " + validation);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** @return a copy with another method. */
    public RunSettings withMethod(Method m) {
        return new RunSettings(task, m, rank, alpha, epsilon, delta, epochs, batch, physicalBatch, learningRate,
                maxGradNorm, seed, limit, validation, accountant);
    }

    /** @return a copy with another rank. */
    public RunSettings withRank(int r) {
        return new RunSettings(task, method, r, alpha, epsilon, delta, epochs, batch, physicalBatch, learningRate,
                maxGradNorm, seed, limit, validation, accountant);
    }

    /** @return a copy with another target epsilon. */
    public RunSettings withEpsilon(double e) {
        return new RunSettings(task, method, rank, alpha, e, delta, epochs, batch, physicalBatch, learningRate,
                maxGradNorm, seed, limit, validation, accountant);
    }

    /** @return a copy with another learning rate. */
    public RunSettings withLearningRate(double lr) {
        return new RunSettings(task, method, rank, alpha, epsilon, delta, epochs, batch, physicalBatch, lr,
                maxGradNorm, seed, limit, validation, accountant);
    }

    /** @return a copy with another seed. */
    public RunSettings withSeed(Long s) {
        return new RunSettings(task, method, rank, alpha, epsilon, delta, epochs, batch, physicalBatch, learningRate,
                maxGradNorm, s, limit, validation, accountant);
    }

    /** @return whether sampling, noise and initialisation come from {@link #seed} (not for release) */
    public boolean seeded() {
        return seed != null;
    }

    /** @return the seed, or an unpredictable one (SecureRandom) for an unseeded run's adapter init and shuffling */
    public long seedOrRandom() {
        return seed != null ? seed : new java.security.SecureRandom().nextLong();
    }

    /** @return whether the run scores on a validation split carved from the private training set. */
    public boolean validates() {
        return validation != null;
    }

    /** @return the name of the split a run is scored on: "validation" or "test". */
    public String scoredSplit() {
        return validates() ? "validation" : "test";
    }

    /**
     * @return the default output folder name, e.g. {@code fashion-ffa-r8-eps1} ({@code -s<seed>} added for a seeded
     * run, {@code epsinf} for none)
     */
    public String runName() {
        String eps = method.isPrivate() ? number(epsilon) : "inf";
        return task + "-" + method.label() + "-r" + rank + "-eps" + eps + (seed != null ? "-s" + seed : "")
                + (validates() ? "-val" + validation : "");
    }

    /** Formats 8.0 as 8 and 0.5 as 0.5. */
    static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v)
                : String.valueOf(v).toLowerCase(Locale.ROOT);
    }
}
