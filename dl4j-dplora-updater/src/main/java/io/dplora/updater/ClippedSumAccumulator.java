package io.dplora.updater;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The clipping half of the DP-SGD step: for each micro-batch whose forward and backward pass just ran on a network
 * with per-example gradients enabled, computes the clip factors c<sub>i</sub> = min(1, C/||g<sub>i</sub>||) from the
 * DP layers' per-example squared norms (per-layer thresholds C<sub>l</sub> with &Sigma;C<sub>l</sub><sup>2</sup> =
 * C<sup>2</sup> in {@link ClippingMode#PER_LAYER}; factor 0 for a non-finite norm and for every row of a padding
 * micro-batch), lets each DP layer write &Sigma;<sub>i</sub> c<sub>i</sub> g<sub>i</sub> into its trainable gradient
 * views, and adds that clipped sum to a double-precision accumulator, element j of a layer's view being its 'c'-order
 * element j, layers and keys in flat order.
 *
 * <p>Privacy meaning: every example changes the accumulated sum by at most C in L2 norm, the sensitivity the noise of
 * {@link DPUpdater} is calibrated to. Nothing here is noisy: the sum is private data until the noise is added, and
 * must never leave the training job on its own.
 *
 * <p>One instance per network replica: the {@link DPUpdater} of a single-machine run owns one, and so does each
 * worker of a distributed run ({@link ClippedSumWorker}), so both compute the same sums by the same code. Not thread
 * safe.
 */
public final class ClippedSumAccumulator {

    private static final Logger log = LoggerFactory.getLogger(ClippedSumAccumulator.class);

    private final ParameterLayout layout;
    private final ClippingMode clipping;
    private final double maxGradNorm;
    private final double[] layerThresholds;
    private final double margin;
    private final double maxDroppedFraction;
    private final double[] accumulator;
    private final AccumulatorTransfer transfer = new AccumulatorTransfer();

    private long droppedExamples;
    private long examplesSeen;

    private ClippedSumAccumulator(ParameterLayout layout, DPConfig config, boolean doublePrecision) {
        List<ParameterLayout.DPLayer> dps = layout.dpLayers();
        double[] thresholds = new double[dps.size()];
        if (config.getClipping() == ClippingMode.PER_LAYER) {
            Map<String, Double> perLayerWeights = config.getPerLayerClipWeights();
            Set<String> names = new HashSet<>();
            double[] w = new double[dps.size()];
            for (int i = 0; i < w.length; i++) {
                names.add(dps.get(i).name());
                w[i] = perLayerWeights.getOrDefault(dps.get(i).name(), 1.0);
            }
            for (String k : perLayerWeights.keySet()) {
                if (!names.contains(k)) {
                    throw new IllegalArgumentException("perLayerClipWeight names layer '" + k + "', which is not a "
                            + "DP layer with trainable parameters; DP layers: " + names);
                }
            }
            thresholds = ClipFactors.perLayerThresholds(config.getMaxGradNorm(), w);
        } else {
            Arrays.fill(thresholds, config.getMaxGradNorm());
        }
        if (layout.privatisedLength() > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("too many trainable DP parameters for one accumulator: "
                    + layout.privatisedLength());
        }
        this.layout = layout;
        this.clipping = config.getClipping();
        this.maxGradNorm = config.getMaxGradNorm();
        this.layerThresholds = thresholds;
        this.margin = ClipFactors.marginFor(doublePrecision);
        this.maxDroppedFraction = config.getMaxDroppedFraction();
        this.accumulator = new double[(int) layout.privatisedLength()];
    }

    /**
     * @param layout          the network's layout, accepted by the {@link PrivacyGuard}
     * @param config          C, the clipping mode and per-layer weights, the dropped-example limit
     * @param doublePrecision whether the network's gradients are in double
     * @return an empty accumulator for that network
     * @throws IllegalArgumentException if a per-layer clip weight names a layer that is not a trainable DP layer
     */
    static ClippedSumAccumulator of(ParameterLayout layout, DPConfig config, boolean doublePrecision) {
        return new ClippedSumAccumulator(layout, config, doublePrecision);
    }

    /**
     * Checks a network with the {@link PrivacyGuard} and makes its accumulator.
     *
     * @param net    an initialised ComputationGraph or MultiLayerNetwork whose DP layers have per-example gradients
     *               enabled
     * @param blocks the updater blocks DL4J built for it (they give the flat layout)
     * @param config the run's configuration
     * @return an empty accumulator
     * @throws IllegalStateException if the guard refuses the network (the message names the layer)
     */
    static ClippedSumAccumulator forNetwork(Model net, List<UpdaterBlock> blocks, DPConfig config) {
        ParameterLayout l = PrivacyGuard.check(net, blocks);
        return of(l, config, net.params().dataType() == org.nd4j.linalg.api.buffer.DataType.DOUBLE);
    }

    /**
     * Clips the micro-batch whose backward pass just ran and adds its clipped sum to the accumulator. The DP layers'
     * trainable gradient views hold the micro-batch's clipped sum afterwards; their per-example state is left for the
     * caller to clear.
     *
     * @param rows        the micro-batch's number of examples
     * @param padding     whether it stands for an empty logical batch (all clip factors 0)
     * @param logicalStep the logical step it belongs to (for the dropped-example log)
     * @throws IllegalStateException if a DP layer holds per-example state for another number of examples, or too many
     *                               examples had a non-finite gradient norm (see {@link DPConfig})
     */
    void addMicroBatch(int rows, boolean padding, long logicalStep) {
        List<ParameterLayout.DPLayer> dps = layout.dpLayers();
        for (ParameterLayout.DPLayer d : dps) {
            int have = d.layer().perExampleCount();
            if (have != rows) {
                throw new IllegalStateException("DP layer '" + d.name() + "' holds per-example state for " + have
                        + " examples, but the announced micro-batch has " + rows);
            }
        }
        double[][] factors = clipFactors(rows, padding, logicalStep);
        // Only the privatised views are cleared here, not the whole flat gradient (mostly frozen base weights): no
        // privatised value depends on the other coordinates (the configured updater treats parameters on their own,
        // and the guard refuses normalisation or regularisation that could couple them).
        int off = 0;
        for (int l = 0; l < dps.size(); l++) {
            ParameterLayout.DPLayer d = dps.get(l);
            Map<String, INDArray> views = d.layer().trainableGradientViews();
            for (String key : d.keys()) {
                transfer.zero(views.get(key));
            }
            d.layer().writeClippedSum(factors[clipping == ClippingMode.PER_LAYER ? l : 0]);
            for (String key : d.keys()) {
                off = transfer.add(views.get(key), accumulator, off);
            }
        }
    }

    private double[][] clipFactors(int m, boolean padding, long logicalStep) {
        List<ParameterLayout.DPLayer> dps = layout.dpLayers();
        int groups = clipping == ClippingMode.PER_LAYER ? dps.size() : 1;
        double[][] c = new double[groups][m];
        if (padding) {
            return c;
        }
        double[][] sq = new double[groups][m];
        for (int l = 0; l < dps.size(); l++) {
            dps.get(l).layer().accumulateSquaredNorms(sq[groups == 1 ? 0 : l]);
        }
        int dropped = 0;
        for (int i = 0; i < m; i++) {
            boolean finite = true;
            for (int g = 0; g < groups; g++) {
                finite &= Double.isFinite(sq[g][i]) && sq[g][i] >= 0;
            }
            if (!finite) {
                dropped++;
                continue;
            }
            for (int g = 0; g < groups; g++) {
                double threshold = groups == 1 ? maxGradNorm : layerThresholds[g];
                c[g][i] = ClipFactors.clipFactor(sq[g][i], threshold, margin);
            }
        }
        examplesSeen += m;
        if (dropped > 0) {
            droppedExamples += dropped;
            log.warn("{} example(s) with a non-finite gradient norm dropped from logical step {} (clip factor 0); "
                    + "{} dropped so far", dropped, logicalStep, droppedExamples);
            if (examplesSeen >= DPConfig.DROP_CHECK_MIN_EXAMPLES
                    && droppedExamples > maxDroppedFraction * examplesSeen) {
                throw new IllegalStateException("training stopped: " + droppedExamples + " of the " + examplesSeen
                        + " examples seen had a non-finite gradient norm (NaN or infinite features, labels or "
                        + "weights?) and were dropped, more than maxDroppedFraction = " + maxDroppedFraction
                        + ". Continuing would spend the privacy budget on steps that are mostly noise. Fix the data "
                        + "or the model, or raise DPConfig.Builder.maxDroppedFraction. This step was not released");
            }
        }
        return c;
    }

    /**
     * Writes {@code values} (in accumulator order) into the DP layers' trainable gradient views, rounded to their data
     * type.
     */
    void writeToGradientViews(double[] values) {
        int off = 0;
        for (ParameterLayout.DPLayer d : layout.dpLayers()) {
            Map<String, INDArray> views = d.layer().trainableGradientViews();
            for (String key : d.keys()) {
                off = transfer.write(values, off, views.get(key));
            }
        }
    }

    /** Clears the per-example state of every DP layer. */
    void clearPerExampleState() {
        for (ParameterLayout.DPLayer d : layout.dpLayers()) {
            d.layer().clearPerExampleState();
        }
    }

    /** @return the accumulated clipped sum (the live array, in accumulator order) */
    double[] values() {
        return accumulator;
    }

    /** Sets the accumulated sum to zero. */
    void reset() {
        Arrays.fill(accumulator, 0.0);
    }

    /** @return the number of trainable DP coordinates (the accumulator's length) */
    public int length() {
        return accumulator.length;
    }

    /** @return a copy of the accumulated clipped sum */
    public double[] sum() {
        return accumulator.clone();
    }

    /** @return examples dropped because their gradient norm was not finite (a private-data diagnostic) */
    public long droppedExamples() {
        return droppedExamples;
    }

    /** @return examples clipped so far (padding rows not counted) */
    public long examplesSeen() {
        return examplesSeen;
    }

    /** @return the layout this accumulator was built for */
    ParameterLayout layout() {
        return layout;
    }

    /** @return the per-layer thresholds C<sub>l</sub> (all C in FLAT mode) */
    double[] layerThresholds() {
        return layerThresholds.clone();
    }
}
