package io.dplora.layers;

/**
 * Marks an {@code ILossFunction} whose gradient for each row (example, or example and time step) depends only on
 * that row's output, labels and mask and on constants (e.g. class weights), never on other rows: the loss of a batch
 * is the sum (or mean) of independent per-row losses.
 *
 * <p>Privacy meaning: DP-SGD clips the gradient of each example's own loss. A loss built from batch-wide quantities
 * (DL4J's {@code LossFMeasure}, which uses the batch's true/false positive counts) gives every row a gradient that
 * depends on the other examples, so one example moves the clipped sum by far more than the clipping threshold C and
 * the accounted epsilon is false. The privacy guard accepts the DL4J losses it knows to be per-row (MCXENT, NLL,
 * sparse MCXENT, binary cross-entropy, MSE, L1, L2, MAE, MAPE, MSLE, hinge, squared hinge, KLD, Poisson, cosine
 * proximity, Wasserstein, multi-label, mixture density) and losses that implement this interface; it refuses every
 * other loss before the first step.
 */
public interface PerExampleLoss {
}
