package io.dplora.transformers;

import onnx.Onnx;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Imports a BERT-family encoder exported to ONNX by PyTorch/Hugging Face (for example sentence-transformers'
 * all-MiniLM-L6-v2) as a {@link BertGraph} ComputationGraph in FLOAT, with the weights copied. The ONNX file is read
 * with the ONNX protobuf classes that nd4j-api already contains; no other dependency.
 *
 * <p>The importer does not interpret arbitrary ONNX graphs: it checks that the graph is the post-LayerNorm BERT
 * encoder it knows (every node in a known module scope with an operator expected there, every initializer used, the
 * attention scale, LayerNorm epsilon, exact-GELU constant and additive mask constant as expected) and refuses
 * anything else with an {@link IllegalArgumentException} naming the node or tensor. Only single-segment input is
 * imported ({@code token_type_ids} = 0, see {@link BertEmbeddingLayer}).
 */
public final class BertImport {

    private static final Pattern LAYER_SCOPE = Pattern.compile(
            "^/encoder/layer\\.(\\d+)/(attention/self|attention/output|intermediate|output)/.*");
    private static final Pattern WEIGHT_NODE = Pattern.compile(
            "^/(encoder/layer\\.\\d+/(?:attention/self/(?:query|key|value)|attention/output/dense|intermediate/dense"
                    + "|output/dense))/MatMul$");
    private static final Pattern LAYER_TENSOR = Pattern.compile("^encoder\\.layer\\.(\\d+)\\..*");

    private static final Set<String> TOP_OPS = Set.of("Unsqueeze", "Cast", "Constant", "Sub", "Mul");
    private static final Set<String> EMBEDDING_OPS = Set.of("Shape", "Constant", "Gather", "Unsqueeze", "Slice",
            "Add", "ReduceMean", "Sub", "Pow", "Sqrt", "Div", "Mul", "Cast");
    private static final Map<String, Set<String>> LAYER_OPS = Map.of(
            "attention/self", Set.of("MatMul", "Add", "Shape", "Constant", "Gather", "Unsqueeze", "Concat", "Reshape",
                    "Transpose", "Div", "Softmax", "Cast"),
            "attention/output", Set.of("MatMul", "Add", "ReduceMean", "Sub", "Constant", "Pow", "Sqrt", "Div", "Mul"),
            "intermediate", Set.of("MatMul", "Add", "Constant", "Div", "Erf", "Mul"),
            "output", Set.of("MatMul", "Add", "ReduceMean", "Sub", "Constant", "Pow", "Sqrt", "Div", "Mul"));

    private BertImport() {
    }

    /** Reads the ONNX file and imports it (see the class comment). */
    public static ComputationGraph fromOnnx(Path onnxFile) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(onnxFile))) {
            return fromOnnx(in);
        }
    }

    /** Reads an ONNX model from the stream (not closed) and imports it (see the class comment). */
    public static ComputationGraph fromOnnx(InputStream onnx) throws IOException {
        Onnx.ModelProto model = Onnx.ModelProto.parseFrom(onnx);
        return fromModel(model);
    }

    static ComputationGraph fromModel(Onnx.ModelProto model) {
        Onnx.GraphProto g = model.getGraph();
        Map<String, Onnx.TensorProto> init = new LinkedHashMap<>();
        for (Onnx.TensorProto t : g.getInitializerList()) {
            init.put(t.getName(), t);
        }
        Map<String, Onnx.NodeProto> producer = new HashMap<>();
        for (Onnx.NodeProto n : g.getNodeList()) {
            for (String o : n.getOutputList()) {
                producer.put(o, n);
            }
        }
        checkInputs(g);
        Map<String, Onnx.TensorProto> weights = new LinkedHashMap<>();
        double headSize = Double.NaN;
        Double eps = null;
        for (Onnx.NodeProto n : g.getNodeList()) {
            checkScope(n);
            Matcher w = WEIGHT_NODE.matcher(n.getName());
            if (w.matches()) {
                String tensor = n.getInput(1);
                if (!init.containsKey(tensor)) {
                    throw new IllegalArgumentException("ONNX node '" + n.getName() + "': its weight '" + tensor
                            + "' is not an initializer");
                }
                weights.put(w.group(1).replace('/', '.') + ".weight", init.get(tensor));
            }
            switch (n.getOpType()) {
                case "Softmax":
                    checkSoftmax(n);
                    break;
                case "Div":
                    if (n.getName().contains("/attention/self/")) {
                        double d = Math.pow(constantInput(n, 1, producer, init), 2);
                        if (!Double.isNaN(headSize) && Math.abs(d - headSize) > 1e-3) {
                            throw new IllegalArgumentException("ONNX node '" + n.getName() + "': attention scale "
                                    + "differs between layers");
                        }
                        headSize = d;
                    } else if (n.getName().contains("intermediate_act_fn")) {
                        expect(n, constantInput(n, 1, producer, init), Math.sqrt(2.0), 1e-6, "exact GELU x / sqrt(2)");
                    }
                    break;
                case "Sqrt":
                    double e = layerNormEps(n, producer, init);
                    if (eps != null && e != eps) {
                        throw new IllegalArgumentException("ONNX node '" + n.getName() + "': LayerNorm epsilon " + e
                                + " differs from " + eps);
                    }
                    eps = e;
                    break;
                case "Mul":
                    if (n.getName().matches("^/Mul(_\\d+)?$")) {
                        double mask = constantInput(n, 1, producer, init);
                        if (mask != -Float.MAX_VALUE) {
                            throw new IllegalArgumentException("ONNX node '" + n.getName() + "': additive attention "
                                    + "mask constant " + mask + " is not -3.4028235e38");
                        }
                    }
                    break;
                default:
            }
        }
        if (eps == null || Double.isNaN(headSize)) {
            throw new IllegalArgumentException("ONNX graph has no LayerNorm or no attention: not a BERT encoder");
        }
        BertConfig c = config(init, headSize, eps);
        checkOutput(g, producer, c);
        return build(c, init, weights);
    }

    private static void checkInputs(Onnx.GraphProto g) {
        Set<String> in = new HashSet<>();
        for (Onnx.ValueInfoProto v : g.getInputList()) {
            in.add(v.getName());
        }
        if (!in.contains(BertGraph.INPUT_IDS) || !in.contains("attention_mask")) {
            throw new IllegalArgumentException("ONNX graph inputs " + in + " lack input_ids or attention_mask");
        }
    }

    private static void checkScope(Onnx.NodeProto n) {
        String name = n.getName();
        String op = n.getOpType();
        Set<String> allowed;
        Matcher m = LAYER_SCOPE.matcher(name);
        if (m.matches()) {
            allowed = LAYER_OPS.get(m.group(2));
        } else if (name.startsWith("/embeddings/")) {
            allowed = EMBEDDING_OPS;
        } else if (name.matches("^/[A-Za-z]+(_\\d+)?$")) {
            allowed = TOP_OPS;
        } else {
            throw new IllegalArgumentException("ONNX node '" + name + "' (" + op + ") lies outside the BERT encoder "
                    + "modules this importer understands (embeddings, encoder.layer.i.{attention,intermediate,output})");
        }
        if (!allowed.contains(op)) {
            throw new IllegalArgumentException("ONNX node '" + name + "': operator " + op + " is not part of the BERT "
                    + "encoder this importer understands");
        }
    }

    private static void checkSoftmax(Onnx.NodeProto n) {
        for (Onnx.AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals("axis") && a.getI() != 3 && a.getI() != -1) {
                throw new IllegalArgumentException("ONNX node '" + n.getName() + "': softmax over axis " + a.getI()
                        + ", expected the key axis (3)");
            }
        }
    }

    /** @return the value of the scalar constant feeding input i of node n */
    private static double constantInput(Onnx.NodeProto n, int i, Map<String, Onnx.NodeProto> producer,
                                        Map<String, Onnx.TensorProto> init) {
        String name = n.getInput(i);
        if (init.containsKey(name)) {
            return OnnxTensors.scalar(init.get(name), "ONNX tensor '" + name + "'");
        }
        Onnx.NodeProto p = producer.get(name);
        if (p == null || !p.getOpType().equals("Constant")) {
            throw new IllegalArgumentException("ONNX node '" + n.getName() + "': input " + i + " ('" + name
                    + "') is not a constant");
        }
        for (Onnx.AttributeProto a : p.getAttributeList()) {
            if (a.getName().equals("value")) {
                return OnnxTensors.scalar(a.getT(), "ONNX node '" + p.getName() + "'");
            }
        }
        throw new IllegalArgumentException("ONNX node '" + p.getName() + "': Constant without a tensor value");
    }

    /** Sqrt(Add(ReduceMean(Pow(x - mean, 2)), eps)): checks the exponent and returns eps. */
    private static double layerNormEps(Onnx.NodeProto sqrt, Map<String, Onnx.NodeProto> producer,
                                       Map<String, Onnx.TensorProto> init) {
        Onnx.NodeProto add = producer.get(sqrt.getInput(0));
        if (add == null || !add.getOpType().equals("Add")) {
            throw new IllegalArgumentException("ONNX node '" + sqrt.getName() + "': expected sqrt(var + eps)");
        }
        Onnx.NodeProto mean = producer.get(add.getInput(0));
        Onnx.NodeProto pow = mean == null ? null : producer.get(mean.getInput(0));
        if (pow == null || !mean.getOpType().equals("ReduceMean") || !pow.getOpType().equals("Pow")) {
            throw new IllegalArgumentException("ONNX node '" + add.getName() + "': expected mean((x - mean)^2) + eps");
        }
        expect(pow, constantInput(pow, 1, producer, init), 2.0, 0, "squared deviation");
        double eps = constantInput(add, 1, producer, init);
        if (!(eps > 0)) {
            throw new IllegalArgumentException("ONNX node '" + add.getName() + "': LayerNorm epsilon " + eps);
        }
        return eps;
    }

    private static void expect(Onnx.NodeProto n, double value, double expected, double tol, String what) {
        if (Math.abs(value - expected) > tol) {
            throw new IllegalArgumentException("ONNX node '" + n.getName() + "': " + what + " constant " + value
                    + ", expected " + expected);
        }
    }

    private static Onnx.TensorProto required(Map<String, Onnx.TensorProto> init, String name) {
        Onnx.TensorProto t = init.get(name);
        if (t == null) {
            throw new IllegalArgumentException("ONNX graph lacks the initializer '" + name + "'");
        }
        return t;
    }

    private static BertConfig config(Map<String, Onnx.TensorProto> init, double headSize, double eps) {
        long[] word = OnnxTensors.shape(required(init, "embeddings.word_embeddings.weight"));
        long[] pos = OnnxTensors.shape(required(init, "embeddings.position_embeddings.weight"));
        long[] type = OnnxTensors.shape(required(init, "embeddings.token_type_embeddings.weight"));
        long[] inter = OnnxTensors.shape(required(init, "encoder.layer.0.intermediate.dense.bias"));
        TreeSet<Integer> layers = new TreeSet<>();
        for (String n : init.keySet()) {
            Matcher m = LAYER_TENSOR.matcher(n);
            if (m.matches()) {
                layers.add(Integer.parseInt(m.group(1)));
            }
        }
        if (layers.isEmpty() || layers.first() != 0 || layers.last() != layers.size() - 1) {
            throw new IllegalArgumentException("ONNX encoder layers are not numbered 0..L-1: " + layers);
        }
        int hidden = Math.toIntExact(word[1]);
        long d = Math.round(headSize);
        if (Math.abs(headSize - d) > 1e-3 || d <= 0 || hidden % d != 0) {
            throw new IllegalArgumentException("ONNX attention scale sqrt(" + headSize + ") does not divide hidden size "
                    + hidden + " into heads");
        }
        return new BertConfig(Math.toIntExact(word[0]), hidden, layers.size(), (int) (hidden / d),
                Math.toIntExact(inter[0]), Math.toIntExact(pos[0]), Math.toIntExact(type[0]), eps);
    }

    private static void checkOutput(Onnx.GraphProto g, Map<String, Onnx.NodeProto> producer, BertConfig c) {
        if (g.getOutputCount() != 1) {
            throw new IllegalArgumentException("ONNX graph has " + g.getOutputCount() + " outputs; expected only "
                    + "last_hidden_state");
        }
        Onnx.NodeProto last = producer.get(g.getOutput(0).getName());
        String expected = "/encoder/layer." + (c.layers() - 1) + "/output/LayerNorm/";
        if (last == null || !last.getName().startsWith(expected)) {
            throw new IllegalArgumentException("ONNX output '" + g.getOutput(0).getName() + "' is not the last block's "
                    + "LayerNorm (" + expected + ")");
        }
    }

    private static ComputationGraph build(BertConfig c, Map<String, Onnx.TensorProto> init,
                                          Map<String, Onnx.TensorProto> weights) {
        ComputationGraph net = new ComputationGraph(BertGraph.encoder(c, DataType.FLOAT, 0));
        net.init();
        Set<String> used = new HashSet<>();
        used.add("embeddings.position_ids");
        Layer emb = net.getLayer(BertGraph.EMBEDDINGS);
        copy(emb, BertEmbeddingLayer.WORD, init, "embeddings.word_embeddings.weight", used);
        copy(emb, BertEmbeddingLayer.POSITION, init, "embeddings.position_embeddings.weight", used);
        copy(emb, BertEmbeddingLayer.TOKEN_TYPE, init, "embeddings.token_type_embeddings.weight", used);
        copyLayerNorm(net, BertGraph.EMBEDDINGS_LAYER_NORM, init, used);
        Map<String, Onnx.TensorProto> all = new HashMap<>(init);
        all.putAll(weights);
        for (int i = 0; i < c.layers(); i++) {
            for (String dense : new String[]{"attention.self.query", "attention.self.key", "attention.self.value",
                    "attention.output.dense", "intermediate.dense", "output.dense"}) {
                String module = BertGraph.module(i, dense);
                copy(net.getLayer(module), "W", all, module + ".weight", used);
                copy(net.getLayer(module), "b", all, module + ".bias", used);
            }
            copyLayerNorm(net, BertGraph.module(i, "attention.output.LayerNorm"), init, used);
            copyLayerNorm(net, BertGraph.module(i, "output.LayerNorm"), init, used);
        }
        for (Map.Entry<String, Onnx.TensorProto> w : weights.entrySet()) {
            used.add(w.getValue().getName());
        }
        for (String n : init.keySet()) {
            if (!used.contains(n)) {
                throw new IllegalArgumentException("ONNX initializer '" + n + "' is not part of the BERT encoder this "
                        + "importer understands");
            }
        }
        return net;
    }

    private static void copyLayerNorm(ComputationGraph net, String module, Map<String, Onnx.TensorProto> init,
                                      Set<String> used) {
        copy(net.getLayer(module), LayerNormLayer.GAIN, init, module + ".weight", used);
        copy(net.getLayer(module), LayerNormLayer.BIAS, init, module + ".bias", used);
    }

    private static void copy(Layer layer, String key, Map<String, Onnx.TensorProto> tensors, String name,
                             Set<String> used) {
        Onnx.TensorProto t = required(tensors, name);
        INDArray target = layer.getParam(key);
        float[] v = OnnxTensors.floats(t, "ONNX tensor '" + name + "'");
        if (v.length != target.length()) {
            throw new IllegalArgumentException("ONNX tensor '" + name + "' has " + v.length + " values, layer '"
                    + layer.conf().getLayer().getLayerName() + "' parameter " + key + " has " + target.length());
        }
        long[] shape = OnnxTensors.shape(t);
        target.assign(Nd4j.create(v, shape.length == target.rank() ? shape : target.shape(), 'c'));
        used.add(name);
    }
}
