package io.dplora.transformers;

import io.dplora.layers.FrozenDenseLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A BERT encoder as an ordinary DL4J {@link ComputationGraph} whose vertex names are the Hugging Face module names.
 * One input, {@value #INPUT_IDS} [mb, T], whose DL4J feature mask [mb, T] (1 = token, 0 = padding) is the
 * attention mask, as with DL4J's own embedding layers: a {@code DataSet(ids, labels, mask, null)}, a
 * {@code DataSetIterator}, {@code output(false, new INDArray[]{ids}, new INDArray[]{mask})}. Each block
 * {@code encoder.layer.i} is a small subgraph:
 * <pre>
 *   attention.self.{query,key,value}   FrozenDenseLayer (bias, NWC sequences)   - LoRA targets
 *   attention.self                     MultiHeadSelfAttentionVertex(q, k, v), mask of input_ids
 *   attention.output.dense             FrozenDenseLayer
 *   attention.output.residual          ElementWiseVertex Add (dense, block input)
 *   attention.output.LayerNorm         LayerNormLayer
 *   intermediate.dense                 FrozenDenseLayer, exact GELU
 *   output.dense                       FrozenDenseLayer
 *   output.residual                    ElementWiseVertex Add (dense, attention.output.LayerNorm)
 *   output.LayerNorm                   LayerNormLayer
 * </pre>
 * Why a subgraph and not one layer per block: every projection stays an ordinary dense layer with the PEFT/Hugging
 * Face name, so {@code LoRA.apply}, {@code LoRA.merge}, adapter files, the privacy guard and the exact per-example
 * gradients of {@link io.dplora.layers.LoRADenseLayer} (with its FLOAT-safe norm bounds) apply unchanged to any
 * projection; the new pieces (attention, LayerNorm, GELU, pooling) have no trainable parameter and need only an
 * exact backward pass. Every base parameter is frozen by construction (NoOp updaters, no gradient written).
 */
public final class BertGraph {

    public static final String INPUT_IDS = "input_ids";
    public static final String EMBEDDINGS = "embeddings";
    public static final String EMBEDDINGS_LAYER_NORM = "embeddings.LayerNorm";
    /** The pooled sentence vector added by {@link #withClassifier}. */
    public static final String POOLER = "pooler.mean";
    public static final String CLASSIFIER = "classifier";

    private BertGraph() {
    }

    /** @return the name of module {@code path} (e.g. "attention.self.query") of block i */
    public static String module(int layer, String path) {
        return "encoder.layer." + layer + "." + path;
    }

    /** @return the name of the last hidden state (the output of the last block) */
    public static String lastHiddenState(BertConfig c) {
        return module(c.layers() - 1, "output.LayerNorm");
    }

    /** The encoder's configuration; its one output is the last hidden state [mb, T, hidden]. */
    public static ComputationGraphConfiguration encoder(BertConfig c, DataType dataType, long seed) {
        ComputationGraphConfiguration.GraphBuilder g = encoderGraph(c, dataType, seed);
        g.setOutputs(lastHiddenState(c));
        return g.build();
    }

    private static ComputationGraphConfiguration.GraphBuilder encoderGraph(BertConfig c, DataType dataType,
                                                                          long seed) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(seed)
                .dataType(dataType).updater(new NoOp()).weightInit(WeightInit.NORMAL)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder().addInputs(INPUT_IDS);
        g.addLayer(EMBEDDINGS, new BertEmbeddingLayer.Builder().nIn(c.vocabSize()).nOut(c.hidden())
                .maxPositions(c.maxPositions()).typeVocabSize(c.typeVocabSize()).build(), INPUT_IDS);
        g.addLayer(EMBEDDINGS_LAYER_NORM, layerNorm(c), EMBEDDINGS);
        String in = EMBEDDINGS_LAYER_NORM;
        for (int i = 0; i < c.layers(); i++) {
            in = addBlock(g, c, i, in);
        }
        return g;
    }

    private static String addBlock(ComputationGraphConfiguration.GraphBuilder g, BertConfig c, int i, String in) {
        String q = module(i, "attention.self.query");
        String k = module(i, "attention.self.key");
        String v = module(i, "attention.self.value");
        g.addLayer(q, dense(c.hidden(), c.hidden(), Activation.IDENTITY.getActivationFunction()), in);
        g.addLayer(k, dense(c.hidden(), c.hidden(), Activation.IDENTITY.getActivationFunction()), in);
        g.addLayer(v, dense(c.hidden(), c.hidden(), Activation.IDENTITY.getActivationFunction()), in);
        String self = module(i, "attention.self");
        g.addVertex(self, new MultiHeadSelfAttentionVertex(c.heads(), c.hidden(), INPUT_IDS), q, k, v);
        String attDense = module(i, "attention.output.dense");
        g.addLayer(attDense, dense(c.hidden(), c.hidden(), Activation.IDENTITY.getActivationFunction()), self);
        String attRes = module(i, "attention.output.residual");
        g.addVertex(attRes, new ElementWiseVertex(ElementWiseVertex.Op.Add), attDense, in);
        String attLn = module(i, "attention.output.LayerNorm");
        g.addLayer(attLn, layerNorm(c), attRes);
        String inter = module(i, "intermediate.dense");
        g.addLayer(inter, dense(c.hidden(), c.intermediate(), new ExactGELU()), attLn);
        String outDense = module(i, "output.dense");
        g.addLayer(outDense, dense(c.intermediate(), c.hidden(), Activation.IDENTITY.getActivationFunction()), inter);
        String outRes = module(i, "output.residual");
        g.addVertex(outRes, new ElementWiseVertex(ElementWiseVertex.Op.Add), outDense, attLn);
        String outLn = module(i, "output.LayerNorm");
        g.addLayer(outLn, layerNorm(c), outRes);
        return outLn;
    }

    private static FrozenDenseLayer dense(int nIn, int nOut, IActivation act) {
        FrozenDenseLayer d = new FrozenDenseLayer.Builder().nIn(nIn).nOut(nOut).activation(act)
                .dataFormat(RNNFormat.NWC).weightInit(WeightInit.NORMAL).build();
        d.setIUpdater(new NoOp());
        d.setBiasUpdater(new NoOp());
        return d;
    }

    private static LayerNormLayer layerNorm(BertConfig c) {
        return new LayerNormLayer.Builder().size(c.hidden()).eps(c.layerNormEps()).build();
    }

    /**
     * The encoder with sentence-transformers' masked mean pooling ({@value #POOLER}) and a softmax classifier
     * ({@value #CLASSIFIER}, a stock DL4J OutputLayer, MCXENT) on top: the graph to fine-tune. Make it private with
     * {@code LoRA.apply(net, LoRASpec...trainable(BertGraph.CLASSIFIER))}.
     *
     * @param encoder an encoder built by {@link #encoder} or imported
     * @param classes number of classes
     * @param updater the head's updater (the encoder's base layers have none)
     */
    public static ComputationGraph withClassifier(ComputationGraph encoder, BertConfig c, int classes,
                                                  org.nd4j.linalg.learning.config.IUpdater updater) {
        DataType dt = encoder.params().dataType();
        ComputationGraphConfiguration.GraphBuilder g = encoderGraph(c, dt,
                encoder.getConfiguration().getDefaultConfiguration().getSeed());
        g.addVertex(POOLER, new MaskedMeanPoolingVertex(c.hidden(), INPUT_IDS), lastHiddenState(c));
        g.addLayer(CLASSIFIER, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(c.hidden())
                .nOut(classes).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).updater(updater).build(),
                POOLER);
        g.setOutputs(CLASSIFIER);
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        for (org.deeplearning4j.nn.api.Layer l : encoder.getLayers()) {
            String name = l.conf().getLayer().getLayerName();
            org.deeplearning4j.nn.api.Layer to = net.getLayer(name);
            if (to == null || !to.conf().getLayer().equals(l.conf().getLayer())) {
                throw new IllegalArgumentException("Layer '" + name + "' of the encoder is not the BERT layer of "
                        + c + ": build the encoder with BertGraph.encoder or BertImport");
            }
            for (java.util.Map.Entry<String, org.nd4j.linalg.api.ndarray.INDArray> e : l.paramTable().entrySet()) {
                to.getParam(e.getKey()).assign(e.getValue());
            }
        }
        return net;
    }
}
