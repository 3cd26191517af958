package io.dplora.transformers;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one real-model test: all-MiniLM-L6-v2 from its Maven artifact, imported into DL4J, against onnxruntime's
 * forward pass of the same ONNX file on real IMDb reviews and short sentences (padding and masks included).
 */
class MiniLMImportTest {

    private static ComputationGraph net;
    private static WordPieceTokenizer tokenizer;
    private static OrtEnvironment env;
    private static OrtSession session;

    @BeforeAll
    static void load() throws Exception {
        net = MiniLM.encoder();
        tokenizer = MiniLM.tokenizer();
        env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(1);
        byte[] model;
        try (InputStream in = MiniLM.class.getClassLoader().getResourceAsStream(MiniLM.ONNX_RESOURCE)) {
            model = in.readAllBytes();
        }
        session = env.createSession(model, o);
    }

    @AfterAll
    static void close() throws Exception {
        if (session != null) {
            session.close();
        }
    }

    private static float[][][] reference(EncodedBatch b) throws Exception {
        long[][] ids = toLong(b.inputIds());
        long[][] mask = toLong(b.attentionMask());
        long[][] types = new long[ids.length][ids[0].length];
        try (OnnxTensor i = OnnxTensor.createTensor(env, ids); OnnxTensor m = OnnxTensor.createTensor(env, mask);
             OnnxTensor t = OnnxTensor.createTensor(env, types);
             OrtSession.Result r = session.run(Map.of("input_ids", i, "attention_mask", m, "token_type_ids", t))) {
            return (float[][][]) r.get(0).getValue();
        }
    }

    private static long[][] toLong(INDArray a) {
        long[][] out = new long[(int) a.size(0)][(int) a.size(1)];
        for (int i = 0; i < out.length; i++) {
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = (long) a.getDouble(i, j);
            }
        }
        return out;
    }

    @Test
    void importMatchesTheModelsKnownConfigurationAndWeights() {
        assertEquals(22_565_376 + 0, countImported());
        INDArray q = net.getLayer("encoder.layer.0.attention.self.query").getParam("W");
        assertEquals(0.095458, q.stdNumber().doubleValue(), 1e-5);
        assertEquals(36.6555, q.norm2Number().doubleValue(), 1e-3);
        assertEquals(-0.772516, q.minNumber().doubleValue(), 1e-6);
    }

    @Test
    void importedEncoderIsTheBertGraphOfMiniLmsPublishedConfiguration() {
        // withClassifier rebuilds the graph from the config and refuses any layer that differs from the imported one
        ComputationGraph classifier = BertGraph.withClassifier(net, MiniLM.config(), 2,
                new org.nd4j.linalg.learning.config.Adam(1e-3));
        assertEquals(net.getLayer("encoder.layer.5.output.LayerNorm").params(),
                classifier.getLayer("encoder.layer.5.output.LayerNorm").params());
    }

    private static long countImported() {
        return net.numParams();
    }

    @Test
    void lastHiddenStateMatchesOnnxRuntimeOnRealTextsWithPadding() throws Exception {
        List<String> texts = new ArrayList<>(ImdbTexts.reviews(24, 997));
        texts.add("A masterpiece.");
        texts.add("Worst film I've seen this year; the plot made no sense at all!");
        texts.add("Café crème, naïve acting — still, a fun ride (8/10).");
        texts.add("I didn't expect much... and got even less.");
        texts.add("Highly recommended");
        texts.add("The cinematography was beautiful but the dialogue felt wooden and forced throughout.");
        texts.add("Ok.");
        texts.add("Not bad, not great: an average thriller with a twist you can see coming a mile away.");
        assertTrue(texts.size() >= 32);
        double worst = 0;
        long tokens = 0;
        for (int from = 0; from < texts.size(); from += 8) {
            EncodedBatch b = tokenizer.encodeBatch(texts.subList(from, from + 8), 128, Truncation.HEAD,
                    DataType.FLOAT);
            float[][][] ref = reference(b);
            INDArray out = net.output(false, new INDArray[]{b.inputIds()}, new INDArray[]{b.attentionMask()})[0];
            assertEquals(3, out.rank());
            for (int i = 0; i < ref.length; i++) {
                for (int t = 0; t < ref[i].length; t++) {
                    if (b.attentionMask().getDouble(i, t) == 0) {
                        continue; // padding positions carry no meaning (DL4J zeroes them, ONNX computes them)
                    }
                    tokens++;
                    for (int h = 0; h < ref[i][t].length; h++) {
                        worst = Math.max(worst, Math.abs(ref[i][t][h] - out.getDouble(i, t, h)));
                    }
                }
            }
        }
        System.out.printf("MiniLM import: max |DL4J - onnxruntime| = %.3g over %d tokens of %d texts%n", worst, tokens,
                texts.size());
        assertTrue(tokens > 2000, "too few tokens compared: " + tokens);
        assertTrue(worst <= 1e-4, "max |DL4J - onnxruntime| = " + worst);
    }
}
