package io.dplora.layers.impl;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.layers.LayerConstraint;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Applies DL4J layer constraints (max-norm, non-negativity, ...) to trainable parameters only: a constraint configured
 * for "all weights" would otherwise rewrite a frozen pretrained weight after every step.
 */
final class ConstraintFilter {

    private ConstraintFilter() {
    }

    static void applyToTrainable(Layer layer, List<LayerConstraint> constraints, Predicate<String> isFrozen,
                                 int iteration, int epoch) {
        if (constraints == null) {
            return;
        }
        for (LayerConstraint c : constraints) {
            Set<String> params = c.getParams();
            if (params == null || params.stream().noneMatch(isFrozen)) {
                c.applyConstraint(layer, iteration, epoch);
                continue;
            }
            Set<String> trainable = new HashSet<>(params);
            trainable.removeIf(isFrozen);
            if (!trainable.isEmpty()) {
                LayerConstraint restricted = c.clone();
                restricted.setParams(trainable);
                restricted.applyConstraint(layer, iteration, epoch);
            }
        }
    }
}
