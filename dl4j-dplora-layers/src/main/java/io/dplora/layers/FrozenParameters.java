package io.dplora.layers;

/**
 * Marks a layer configuration whose parameters can never move by construction: every parameter key has a NoOp
 * updater and no regularisation, the layer has no weight noise, constraints or dropout that act on parameters, and
 * its implementation never writes a parameter gradient (the gradient slices stay zero), while its backward pass is
 * the exact gradient with respect to its input. Pretrained parts of a network (for example the projections,
 * embeddings and layer norms of an imported transformer) are built from such layers.
 *
 * <p>{@code LoRA.apply} keeps these layers as they are (it does not wrap them in DL4J's frozen wrappers, which would
 * run them in inference mode and recompute their forward pass), and the privacy guard accepts their parameters as
 * frozen.
 */
public interface FrozenParameters {
}
