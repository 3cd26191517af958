package io.dplora.transformers;

import io.dplora.layers.PerExampleComputation;
import io.dplora.transformers.impl.MaskedMeanPoolingVertexImpl;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Sentence-transformers' mean pooling: input token states H [mb, T, hidden] (NWC); the padding mask M [mb, T] is the
 * DL4J feature mask of the graph input {@code maskInput} for the pass being computed (none: all ones); output p<sub>i</sub> = &Sigma;<sub>t</sub> M<sub>it</sub> H<sub>it</sub> / max(&Sigma;<sub>t</sub> M<sub>it</sub>,
 * 1e-9) [mb, hidden]. Backward: dH<sub>it</sub> = M<sub>it</sub> dp<sub>i</sub> / max(&Sigma; M<sub>i</sub>, 1e-9),
 * exactly 0 on padding. Examples never mix.
 */
public class MaskedMeanPoolingVertex extends GraphVertex implements PerExampleComputation {

    private final long hidden;
    private final String maskInput;

    /**
     * @param hidden    hidden size
     * @param maskInput the graph input whose feature mask is the padding mask
     */
    public MaskedMeanPoolingVertex(@JsonProperty("hidden") long hidden, @JsonProperty("maskInput") String maskInput) {
        if (hidden <= 0) {
            throw new IllegalArgumentException("MaskedMeanPoolingVertex: hidden must be > 0, got " + hidden);
        }
        if (maskInput == null || maskInput.isBlank()) {
            throw new IllegalArgumentException("MaskedMeanPoolingVertex: maskInput must name a graph input");
        }
        this.hidden = hidden;
        this.maskInput = maskInput;
    }

    public String getMaskInput() {
        return maskInput;
    }

    public long getHidden() {
        return hidden;
    }

    @Override
    public MaskedMeanPoolingVertex clone() {
        return new MaskedMeanPoolingVertex(hidden, maskInput);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MaskedMeanPoolingVertex && ((MaskedMeanPoolingVertex) o).hidden == hidden
                && maskInput.equals(((MaskedMeanPoolingVertex) o).maskInput);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(hidden) * 31 + maskInput.hashCode();
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return 1;
    }

    @Override
    public int maxVertexInputs() {
        return 1;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        return new MaskedMeanPoolingVertexImpl(graph, name, idx, hidden, maskInput, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) throws InvalidInputTypeException {
        return InputType.feedForward(hidden);
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        return new LayerMemoryReport.Builder(null, MaskedMeanPoolingVertex.class, inputTypes[0],
                InputType.feedForward(hidden)).standardMemory(0, 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0)
                .build();
    }

    @Override
    public String toString() {
        return "MaskedMeanPoolingVertex(hidden=" + hidden + ", mask of " + maskInput + ")";
    }
}
