package io.dplora.transformers.impl;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * The padding mask of a transformer's token input, read from the graph's current feature masks (what
 * {@code fit(DataSet)}, {@code output(train, inputs, masks)}, {@code setLayerMaskArrays} and the DP step set for the
 * very pass being computed, and clear afterwards), never from a mask remembered from an earlier pass.
 */
final class GraphInputMask {

    private GraphInputMask() {
    }

    /**
     * @return the mask [mb, T] (1 = token, 0 = padding) of graph input {@code inputName} cast to {@code dataType},
     * or null when the pass has no mask (every position is a token)
     * @throws IllegalStateException    if the mask does not match [mb, T]
     * @throws IllegalArgumentException if the mask holds values other than 0 and 1
     */
    static INDArray of(ComputationGraph graph, String inputName, String vertexName, long mb, long t,
                       DataType dataType) {
        int idx = graph.getConfiguration().getNetworkInputs().indexOf(inputName);
        if (idx < 0) {
            throw new IllegalStateException("Vertex '" + vertexName + "': the graph has no input '" + inputName
                    + "' to take the padding mask from");
        }
        INDArray[] masks = graph.getInputMaskArrays();
        INDArray m = masks == null ? null : masks[idx];
        if (m == null) {
            return null;
        }
        if (m.rank() != 2 || m.size(0) != mb || m.size(1) != t) {
            throw new IllegalStateException("Vertex '" + vertexName + "': the padding mask of '" + inputName
                    + "' must be [mb, T] = [" + mb + ", " + t + "], got " + Arrays.toString(m.shape()));
        }
        INDArray mask = m.castTo(dataType);
        if (mask.neq(0.0).castTo(DataType.INT32).muli(mask.neq(1.0).castTo(DataType.INT32)).sumNumber().intValue()
                != 0) {
            throw new IllegalArgumentException("Vertex '" + vertexName + "': the padding mask of '" + inputName
                    + "' must hold only 0 (padding) and 1 (token)");
        }
        return mask;
    }
}
