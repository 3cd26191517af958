package io.dplora.samples.run;

import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * What one fine-tuning run did and reached; written as JSON ({@code --json} line, {@code result.json}, sweep files).
 * Privacy fields are null for the non-private method {@code none}.
 *
 * @param task                 task name
 * @param method               vanilla, ffa or none
 * @param rank                 LoRA rank
 * @param alpha                LoRA alpha
 * @param epsilonTarget        the target epsilon the noise was calibrated for (null without DP)
 * @param epsilonSpent         epsilon at {@code delta} of the steps actually taken (null without DP); never above
 *                             the target
 * @param delta                delta of the guarantee
 * @param accountant           accountant of the DP run, "PLD" or "RDP" (null without DP)
 * @param noiseMultiplier      sigma (noise std = sigma C on the sum of clipped per-example gradients; null without
 *                             DP)
 * @param samplingRate         Poisson rate q = E/N (null without DP)
 * @param steps                optimiser steps taken (logical batches under DP)
 * @param testAccuracy         accuracy on the private test split after fine-tuning (on the validation split when
 *                             {@code validation} is set)
 * @param f1                   F1 of the positive class (spam), null for tasks that do not report it
 * @param balancedAccuracy     mean per-class recall, null for tasks that do not report it
 * @param seconds              wall time of the fine-tuning and evaluation (not of loading or pretraining)
 * @param epochs               planned epochs
 * @param batch                logical batch size (E under DP)
 * @param physicalBatch        physical batch size
 * @param learningRate         Adam learning rate
 * @param maxGradNorm          clipping norm C (unused without DP)
 * @param seed                 run seed
 * @param limit                the --limit used (null: all private training examples)
 * @param validation           the --validation used: null when scored on the private test split, else the number of
 *                             private training examples held out (the last ones) and scored instead
 * @param trainSize            N, private training examples used
 * @param trainableParameters  number of trained coordinates (adapters + head)
 * @param droppedExamples      examples with a non-finite gradient norm dropped by the DP step (0 without DP)
 * @param epochLosses          mean training loss of each epoch
 * @param epochTestAccuracy    private test (or validation) accuracy after each epoch
 * @param epochEpsilon         epsilon spent after each epoch (empty without DP)
 * @param basePrivateAccuracy  private test (or validation) accuracy of the converted base before fine-tuning (B = 0)
 * @param basePublicAccuracy   public test accuracy of the base after pretraining
 * @param baseKey              cache key of the base model
 */
public record RunResult(
        @JsonProperty("task") String task,
        @JsonProperty("method") String method,
        @JsonProperty("rank") int rank,
        @JsonProperty("alpha") double alpha,
        @JsonProperty("epsilon_target") Double epsilonTarget,
        @JsonProperty("epsilon_spent") Double epsilonSpent,
        @JsonProperty("delta") double delta,
        @JsonProperty("accountant") String accountant,
        @JsonProperty("noise_multiplier") Double noiseMultiplier,
        @JsonProperty("sampling_rate") Double samplingRate,
        @JsonProperty("steps") long steps,
        @JsonProperty("test_accuracy") double testAccuracy,
        @JsonProperty("f1") Double f1,
        @JsonProperty("balanced_accuracy") Double balancedAccuracy,
        @JsonProperty("seconds") double seconds,
        @JsonProperty("epochs") int epochs,
        @JsonProperty("batch") int batch,
        @JsonProperty("physical_batch") int physicalBatch,
        @JsonProperty("learning_rate") double learningRate,
        @JsonProperty("max_grad_norm") double maxGradNorm,
        @JsonProperty("seed") Long seed,
        @JsonProperty("seeded") boolean seeded,
        @JsonProperty("for_release") boolean forRelease,
        @JsonProperty("limit") Integer limit,
        @JsonProperty("validation") Integer validation,
        @JsonProperty("train_size") int trainSize,
        @JsonProperty("trainable_parameters") long trainableParameters,
        @JsonProperty("dropped_examples") long droppedExamples,
        @JsonProperty("epoch_losses") List<Double> epochLosses,
        @JsonProperty("epoch_test_accuracy") List<Double> epochTestAccuracy,
        @JsonProperty("epoch_epsilon") List<Double> epochEpsilon,
        @JsonProperty("base_private_accuracy") double basePrivateAccuracy,
        @JsonProperty("base_public_accuracy") double basePublicAccuracy,
        @JsonProperty("base_key") String baseKey) {

    public RunResult {
        epochLosses = List.copyOf(epochLosses);
        epochTestAccuracy = List.copyOf(epochTestAccuracy);
        epochEpsilon = List.copyOf(epochEpsilon);
    }

    /** @return whether this result is of the same grid point as {@code s} (task, method, rank, epsilon, seed...). */
    public boolean matches(RunSettings s) {
        return task.equals(s.task()) && method.equals(s.method().label()) && rank == s.rank() && alpha == s.alpha()
                && (s.method().isPrivate() ? epsilonTarget != null && epsilonTarget == s.epsilon()
                : epsilonTarget == null)
                && delta == s.delta()
                && java.util.Objects.equals(accountant, s.method().isPrivate() ? s.accountant().name() : null)
                && epochs == s.epochs() && batch == s.batch()
                && learningRate == s.learningRate() && maxGradNorm == s.maxGradNorm() && java.util.Objects.equals(seed, s.seed())
                && java.util.Objects.equals(limit, s.limit()) && java.util.Objects.equals(validation, s.validation());
    }
}
