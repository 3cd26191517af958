package io.dplora.layers.lora;

import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.ArrayList;

/** Copies the training settings of a DL4J layer configuration onto its DP or LoRA replacement. */
public final class TrainingSettings {

    private TrainingSettings() {
    }

    /**
     * Copies activation, initialisation, updaters, regularisation, gradient normalisation and input dropout (not
     * weight noise or constraints, which are layer-type specific); lists and updaters are copied, not shared.
     *
     * @param from    the layer configuration converted
     * @param to      its replacement
     * @param updater when not null, replaces both updaters of {@code to} (a copy is set)
     */
    public static void copy(FeedForwardLayer from, FeedForwardLayer to, IUpdater updater) {
        to.setActivationFn(from.getActivationFn());
        to.setWeightInitFn(from.getWeightInitFn());
        to.setBiasInit(from.getBiasInit());
        to.setGainInit(from.getGainInit());
        to.setRegularization(from.getRegularization() == null ? null : new ArrayList<>(from.getRegularization()));
        to.setRegularizationBias(from.getRegularizationBias() == null ? null
                : new ArrayList<>(from.getRegularizationBias()));
        to.setIUpdater(updater != null ? updater.clone() : from.getIUpdater() == null ? null : from.getIUpdater().clone());
        to.setBiasUpdater(updater != null ? null : from.getBiasUpdater() == null ? null : from.getBiasUpdater().clone());
        to.setGradientNormalization(from.getGradientNormalization());
        to.setGradientNormalizationThreshold(from.getGradientNormalizationThreshold());
        to.setIDropout(from.getIDropout() == null ? null : from.getIDropout().clone());
    }
}
