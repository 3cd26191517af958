package io.dplora.transformers;

import io.dplora.layers.PerExampleComputation;
import io.dplora.transformers.impl.MultiHeadSelfAttentionVertexImpl;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Objects;

/**
 * The parameter-free core of BERT's self-attention ({@code attention.self} without its projections): inputs
 * Q, K, V [mb, T, hidden] (NWC, the outputs of the {@code query}, {@code key}, {@code value} dense layers, which
 * carry the biases and any LoRA adapter); output the context [mb, T, hidden]. The padding mask [mb, T] (1 = token,
 * 0 = padding) is the DL4J feature mask of the graph input {@code maskInput} for the pass being computed (none: every
 * position is a token). Per example and head h (d = hidden / heads):
 * S = Q<sub>h</sub> K<sub>h</sub><sup>T</sup> / &radic;d + (1 - mask) (-3.4028235e38), P = softmax(S) over keys,
 * C<sub>h</sub> = P V<sub>h</sub> (exactly the ONNX export's constants).
 *
 * <p>Padding: a masked key gets probability exactly 0, so outputs and gradients of an example's tokens do not depend
 * on how much padding its batch has, and the gradient reaching a padded key or value is exactly 0. Backward
 * (hand-written, exact): dV = P<sup>T</sup> dC, dP = dC V<sup>T</sup>, dS = P &#8857; (dP - rowsum(dP &#8857; P)),
 * dQ = dS K / &radic;d, dK = dS<sup>T</sup> Q / &radic;d; no gradient for the mask. Examples never mix.
 */
public class MultiHeadSelfAttentionVertex extends GraphVertex implements PerExampleComputation {

    /** The additive mask of the Hugging Face export: the most negative float. */
    public static final float MASK_VALUE = -Float.MAX_VALUE;

    private final int heads;
    private final long hidden;
    private final String maskInput;

    /**
     * @param heads     number of attention heads
     * @param hidden    hidden size (a multiple of heads)
     * @param maskInput the graph input whose feature mask is the padding mask
     */
    public MultiHeadSelfAttentionVertex(@JsonProperty("heads") int heads, @JsonProperty("hidden") long hidden,
                                        @JsonProperty("maskInput") String maskInput) {
        if (heads <= 0 || hidden <= 0 || hidden % heads != 0) {
            throw new IllegalArgumentException("MultiHeadSelfAttentionVertex: hidden (" + hidden + ") must be a "
                    + "positive multiple of heads (" + heads + ")");
        }
        if (maskInput == null || maskInput.isBlank()) {
            throw new IllegalArgumentException("MultiHeadSelfAttentionVertex: maskInput must name a graph input");
        }
        this.heads = heads;
        this.hidden = hidden;
        this.maskInput = maskInput;
    }

    public String getMaskInput() {
        return maskInput;
    }

    public int getHeads() {
        return heads;
    }

    public long getHidden() {
        return hidden;
    }

    @Override
    public MultiHeadSelfAttentionVertex clone() {
        return new MultiHeadSelfAttentionVertex(heads, hidden, maskInput);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MultiHeadSelfAttentionVertex && ((MultiHeadSelfAttentionVertex) o).heads == heads
                && ((MultiHeadSelfAttentionVertex) o).hidden == hidden
                && maskInput.equals(((MultiHeadSelfAttentionVertex) o).maskInput);
    }

    @Override
    public int hashCode() {
        return Objects.hash(heads, hidden, maskInput);
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return 3;
    }

    @Override
    public int maxVertexInputs() {
        return 3;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        return new MultiHeadSelfAttentionVertexImpl(graph, name, idx, heads, hidden, maskInput, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) throws InvalidInputTypeException {
        if (vertexInputs.length != 3) {
            throw new InvalidInputTypeException("MultiHeadSelfAttentionVertex takes 3 inputs (query, key, value), got "
                    + vertexInputs.length);
        }
        long t = vertexInputs[0] instanceof InputType.InputTypeRecurrent
                ? ((InputType.InputTypeRecurrent) vertexInputs[0]).getTimeSeriesLength() : -1;
        return InputType.recurrent(hidden, t, RNNFormat.NWC);
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        InputType out = getOutputType(-1, inputTypes);
        return new LayerMemoryReport.Builder(null, MultiHeadSelfAttentionVertex.class, inputTypes[0], out)
                .standardMemory(0, 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    @Override
    public String toString() {
        return "MultiHeadSelfAttentionVertex(heads=" + heads + ", hidden=" + hidden + ", mask of " + maskInput + ")";
    }
}
