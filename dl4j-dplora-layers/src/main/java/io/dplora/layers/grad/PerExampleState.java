package io.dplora.layers.grad;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * The per-example book-keeping of one DP-capable layer: whether gathering is enabled, the number of examples of the
 * last backward pass, and the {@link LinearGradientFactor}s that make up the layer's trainable gradient. Layer
 * implementations delegate the {@link io.dplora.layers.PerExampleGradientLayer} methods to it.
 *
 * <p>Life cycle: {@link #begin(int)} at the start of a backward pass with gathering enabled (the layer then stashes
 * each factor), {@link #invalidate()} at a backward pass with gathering disabled (a stale batch can never be
 * released), {@link #clear()} after the DP step.
 */
public final class PerExampleState {

    private final String layerName;
    private final List<LinearGradientFactor> factors;
    private boolean enabled;
    private int examples = -1;
    private Runnable trainingCheck;

    /**
     * @param layerName name used in error messages
     * @param factors   the factors covering exactly the layer's trainable parameters (empty for a frozen layer)
     */
    public PerExampleState(String layerName, List<LinearGradientFactor> factors) {
        this.layerName = layerName;
        this.factors = List.copyOf(factors);
    }

    public boolean isEnabled() {
        return enabled;
    }

    /** Switches gathering on or off; switching off also drops any stashed batch. */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
        if (!enabled) {
            clear();
        }
    }

    public List<LinearGradientFactor> factors() {
        return factors;
    }

    /**
     * Called at the start of every backward pass: a layer whose network was made private (its configuration carries a
     * privacy record) computes training gradients only while gathering is on and the DP step's check passes.
     *
     * @param record the layer configuration's privacy record, or null for a network never made private
     * @throws IllegalStateException when the backward pass would train the private network without its DP step
     */
    public void checkBackward(io.dplora.layers.PrivacyRecord record) {
        if (record == null) {
            return;
        }
        if (trainingCheck == null) {
            throw new IllegalStateException("layer '" + layerName + "' belongs to a network that was made private ("
                    + record + "): it computes training gradients only under the DP step attached to this very "
                    + "network. A clone, a copy restored with ModelSerializer, a ParallelWrapper worker, layer-wise "
                    + "training or any fit without that DP step would train on private data without privacy. Fix: "
                    + "DPLoRA.makePrivate on this network, or for a network that has taken DP steps "
                    + "DPLoRA.resume(DPCheckpoint.restoreComputationGraph(file), data, config)");
        }
        trainingCheck.run();
    }

    /** @param check the DP step's check (see {@link #checkBackward}); null removes it */
    public void setTrainingCheck(Runnable check) {
        this.trainingCheck = check;
    }

    /** Marks the start of a gathered backward pass over m examples. */
    public void begin(int m) {
        for (LinearGradientFactor f : factors) {
            f.clear();
        }
        examples = m;
    }

    /** Marks that the last backward pass gathered nothing. */
    public void invalidate() {
        clear();
    }

    /** @return m of the last gathered backward pass */
    public int count() {
        requireState();
        return examples;
    }

    public void accumulateSquaredNorms(double[] out) {
        requireState();
        if (out.length < examples) {
            throw new IllegalArgumentException("Layer '" + layerName + "': output array has length " + out.length
                    + " but the last batch had " + examples + " examples");
        }
        for (LinearGradientFactor f : factors) {
            f.addSquaredNorms(out);
        }
    }

    public void writeClippedSum(double[] clipFactors, Map<String, INDArray> gradientViews) {
        requireState();
        if (clipFactors.length < examples) {
            throw new IllegalArgumentException("Layer '" + layerName + "': " + clipFactors.length
                    + " clip factors for " + examples + " examples");
        }
        for (int i = 0; i < examples; i++) {
            double c = clipFactors[i];
            if (!(c >= 0) || Double.isInfinite(c)) {
                throw new IllegalArgumentException("Layer '" + layerName + "': clip factor " + i
                        + " must be finite and >= 0, got " + c);
            }
        }
        for (LinearGradientFactor f : factors) {
            f.writeClippedSum(clipFactors, gradientViews.get(f.weightKey()),
                    f.biasKey() == null ? null : gradientViews.get(f.biasKey()));
        }
    }

    public void clear() {
        examples = -1;
        for (LinearGradientFactor f : factors) {
            f.clear();
        }
    }

    private void requireState() {
        if (examples < 0) {
            throw new IllegalStateException("Layer '" + layerName + "' holds no per-example state: "
                    + (enabled ? "no backward pass since the last clear" : "per-example gathering is disabled"));
        }
        for (LinearGradientFactor f : factors) {
            if (!f.hasState()) {
                throw new IllegalStateException("Layer '" + layerName + "': per-example state of '" + f.weightKey()
                        + "' is missing (backward pass interrupted?)");
            }
        }
    }
}
