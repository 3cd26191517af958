package io.dplora.samples.base;

import org.deeplearning4j.nn.graph.ComputationGraph;

import java.nio.file.Path;

/**
 * A pretrained base model and where it came from.
 *
 * @param network   the pretrained network (a private copy: callers may convert it)
 * @param info      how it was made
 * @param folder    its cache folder
 * @param fromCache true when it was loaded rather than trained in this process
 */
public record BaseModel(ComputationGraph network, BaseInfo info, Path folder, boolean fromCache) {
}
