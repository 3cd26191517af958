package io.dplora.layers;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A layer implementation that supplies <em>exact</em> per-example gradients of every parameter it trains, which is
 * what a DP-SGD step needs to clip each example's contribution before noise is added.
 *
 * <p>Contract, for the last backward pass over a (micro-)batch of {@code m} examples:
 * <ul>
 *   <li>the per-example gradient g<sub>i</sub> is the gradient of example i's <em>own</em> loss (for sequence
 *       outputs: summed over its time steps, padded steps contributing nothing), never of the batch-mean loss;</li>
 *   <li>{@link #accumulateSquaredNorms(double[])} adds to {@code out[i]} a rigorous upper bound of
 *       ||g<sub>i</sub>||<sub>2</sub><sup>2</sup> (this layer's trainable parameters only) that is tight (exact up to
 *       a stated rounding bound, never a loose analytic bound like (&Sigma;<sub>t</sub> ||x<sub>t</sub>||
 *       ||d<sub>t</sub>||)<sup>2</sup>) and covers the floating-point error of computing the norm and of releasing
 *       c<sub>i</sub> g<sub>i</sub> in the network's data type, so that c<sub>i</sub> = min(1, C / &radic;bound) keeps
 *       the released contribution of example i within C for any data, adversarial FLOAT inputs included;</li>
 *   <li>{@link #writeClippedSum(double[])} overwrites this layer's trainable gradient views with
 *       &Sigma;<sub>i</sub> c<sub>i</sub> g<sub>i</sub> (book-keeping: no second backward pass);</li>
 *   <li>frozen parameters have an all-zero gradient slice at all times.</li>
 * </ul>
 * Per-example state is only gathered while {@link #setPerExampleGradientsEnabled(boolean) enabled} (a DP step
 * enables it when it attaches), so non-private training pays nothing for it. State that outlives the backward pass
 * lives outside ND4J workspaces, in buffers reused across iterations; it survives the end of
 * {@code computeGradientAndScore()} and {@code clear()}, and is dropped by {@link #clearPerExampleState()}, by
 * disabling, and by any backward pass with gathering disabled (so a stale batch can never be released).
 *
 * <p>Book-keeping: while gathering is enabled, backprop does <em>not</em> form the batch gradient of the trainable
 * parameters; their views are left at zero until {@link #writeClippedSum(double[])} fills them (with all
 * c<sub>i</sub> = 1 this reproduces DL4J's ordinary batch gradient). DL4J's division by the minibatch size is left
 * on ({@code updaterDivideByMinibatch} is true), so without a DP step training is exactly ordinary DL4J training.
 *
 * <p>Per-example norms are computed in double (closed forms for 2D input, no per-example gradient tensor; for
 * sequences the cheaper of the direct and the Gram ("ghost") form per factor) with error bounds, see
 * {@link io.dplora.layers.grad.LinearGradientFactor}. A frozen DP head ({@code trainable(false)}) implements this interface with no trainable
 * views: it reports the example count and adds 0 to every norm.
 */
public interface PerExampleGradientLayer {

    /** Switches the gathering of per-example state during backprop on or off (off by default). */
    void setPerExampleGradientsEnabled(boolean enabled);

    /** @return whether per-example state is gathered during backprop. */
    boolean isPerExampleGradientsEnabled();

    /**
     * @return the trainable gradient views of this layer, keyed by parameter key (views into the network's single
     * flattened gradient). These are exactly the coordinates a DP step clips and noises; frozen keys are absent.
     */
    Map<String, INDArray> trainableGradientViews();

    /**
     * @return the number of examples m in the last backward pass.
     * @throws IllegalStateException if no per-example state is available (not enabled, or already cleared)
     */
    int perExampleCount();

    /**
     * Adds to {@code out[i]}, i = 0..m-1, the squared L2 norm of each example's gradient over this layer's
     * trainable parameters as a rigorous, tight upper bound (see the interface comment).
     *
     * @throws IllegalStateException if no per-example state is available
     * @throws IllegalArgumentException if {@code out.length < m}
     */
    void accumulateSquaredNorms(double[] out);

    /**
     * Overwrites this layer's trainable gradient views with &Sigma;<sub>i</sub> c<sub>i</sub> g<sub>i</sub>, one GEMM
     * per factor with the clip factors folded into the rows. Examples with c<sub>i</sub> = 0 are excluded: their rows
     * are zeroed, never multiplied, so NaN or Inf in them cannot reach the sum. May be called more than once for the
     * same batch (the stash is not modified).
     *
     * @param clipFactors c<sub>i</sub> &ge; 0 and finite for i = 0..m-1 (0 drops an example)
     * @throws IllegalStateException if no per-example state is available
     * @throws IllegalArgumentException if fewer than m factors are given or one is negative or not finite (the
     *                                  gradient views are then unchanged)
     */
    void writeClippedSum(double[] clipFactors);

    /** Drops the references to the last batch's per-example state (reusable buffers are kept). */
    void clearPerExampleState();

    /**
     * Installs the check this layer runs at the start of every backward pass once its configuration carries a
     * {@link PrivacyRecord} (the network was made private): a DP step passes one that throws unless it is still the
     * network's updater. A layer with a record and no check (a clone, a restored copy, a ParallelWrapper worker, ...)
     * refuses to compute training gradients, so no route can train a private network without the DP step.
     *
     * @param check throws {@link IllegalStateException} when training now would not be private; null removes it
     */
    void setPrivateTrainingCheck(Runnable check);
}
