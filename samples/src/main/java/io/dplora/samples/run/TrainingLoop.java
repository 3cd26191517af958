package io.dplora.samples.run;

/** Fine-tuning driven one epoch at a time, so that the caller can report after each epoch. */
interface TrainingLoop {

    /**
     * @return the number of epochs this loop will run when nothing stops it early (under DP: the planned logical
     *         steps divided into epochs of ceil(N/E) steps, so it can differ from the configured epochs when N/E is
     *         not whole)
     */
    int plannedEpochs();

    /** @return whether another epoch is planned and allowed (under DP: steps left in the plan and the budget). */
    boolean hasNextEpoch();

    /**
     * Trains one epoch.
     *
     * @param label shown on the progress bar, e.g. {@code epoch 2/5}
     * @return the mean training loss over the epoch's minibatches (NaN when none had a finite loss)
     */
    double runEpoch(String label);

    /** @return optimiser steps taken so far (logical batches under DP). */
    long steps();

    /** @return the steps this run will take when nothing stops it early (under DP: the step limit of plan and budget) */
    long plannedSteps();

    /** @return epsilon spent so far, or null without DP. */
    Double epsilon();
}
