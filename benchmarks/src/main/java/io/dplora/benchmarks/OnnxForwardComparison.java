package io.dplora.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.dplora.transformers.BertGraph;
import io.dplora.transformers.MiniLM;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The physical limit a real model can be compared with: the forward pass of all-MiniLM-L6-v2's encoder (input ids and
 * padding mask to {@code last_hidden_state}) in DL4J ({@link MiniLM#encoder()}, inference) against onnxruntime on the
 * same ONNX file and the same inputs, in this JVM, interleaved (DL4J, onnxruntime, DL4J, ...), after warm-up; both
 * with the same number of threads (onnxruntime's intra-op threads = OMP_NUM_THREADS, one inter-op thread).
 *
 * <p>Also reports the largest absolute difference of the two outputs over the real (unmasked) tokens, so a fast but
 * wrong forward cannot pass for a fast one, and the encoder's dense GEMMs alone in each engine
 * ({@link OnnxGemmComparison}): the part of the gap that no change to the layers can close.
 */
public final class OnnxForwardComparison {

    private final int batch;
    private final int threads;
    private final int warmup;
    private final int repetitions;

    /**
     * @param batch       examples per forward (issue 11: 32, T = {@value BenchModel#MINILM_T})
     * @param threads     onnxruntime intra-op threads (match OMP_NUM_THREADS)
     * @param warmup      untimed forwards of each before measuring
     * @param repetitions timed forwards of each
     */
    public OnnxForwardComparison(int batch, int threads, int warmup, int repetitions) {
        this.batch = batch;
        this.threads = threads;
        this.warmup = warmup;
        this.repetitions = repetitions;
    }

    /** @return figures: medians in ms, their ratio, the largest absolute output difference */
    public Map<String, Object> run() throws IOException, OrtException {
        ComputationGraph encoder = MiniLM.encoder();
        DataSet data = BenchModel.MINILM.data(batch, TrainingStep.DATA_SEED);
        INDArray ids = data.getFeatures();
        INDArray mask = data.getFeaturesMaskArray();
        int t = (int) ids.size(1);
        long[][] idsL = new long[batch][t];
        long[][] maskL = new long[batch][t];
        long[][] types = new long[batch][t];
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < t; j++) {
                idsL[i][j] = ids.getLong(i, j);
                maskL[i][j] = mask.getLong(i, j);
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        String output = BertGraph.lastHiddenState(MiniLM.config());
        List<Double> dl4jMs = new ArrayList<>();
        List<Double> ortMs = new ArrayList<>();
        double maxDiff;
        try (OrtSession session = env.createSession(onnxBytes(), options);
             OnnxTensor i = OnnxTensor.createTensor(env, idsL); OnnxTensor m = OnnxTensor.createTensor(env, maskL);
             OnnxTensor ty = OnnxTensor.createTensor(env, types)) {
            Map<String, OnnxTensor> inputs = Map.of("input_ids", i, "attention_mask", m, "token_type_ids", ty);
            float[][][] reference = null;
            INDArray ours = null;
            for (int r = 0; r < warmup + repetitions; r++) {
                long s0 = System.nanoTime();
                encoder.clear();
                ours = encoder.output(false, new INDArray[] {ids}, new INDArray[] {mask})[0];
                long s1 = System.nanoTime();
                try (OrtSession.Result res = session.run(inputs)) {
                    reference = (float[][][]) res.get(0).getValue();
                }
                long s2 = System.nanoTime();
                if (r >= warmup) {
                    dl4jMs.add((s1 - s0) / 1e6);
                    ortMs.add((s2 - s1) / 1e6);
                }
            }
            maxDiff = maxAbsDiffOnRealTokens(ours, reference, maskL);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", "all-MiniLM-L6-v2 encoder, output " + output);
        out.put("batch", batch);
        out.put("sequence_length", t);
        out.put("threads", threads);
        out.put("repetitions", repetitions);
        double d = median(dl4jMs);
        double o = median(ortMs);
        out.put("dl4j_forward_ms", d);
        out.put("onnxruntime_forward_ms", o);
        out.put("dl4j_over_onnxruntime", d / o);
        out.put("max_abs_diff", maxDiff);
        Map<String, Object> gemms = new OnnxGemmComparison(MiniLM.config(), (long) batch * t, threads, repetitions)
                .run();
        out.put("dl4j_dense_gemms_ms", gemms.get("dl4j_dense_gemms_ms"));
        out.put("onnxruntime_dense_gemms_ms", gemms.get("onnxruntime_dense_gemms_ms"));
        out.put("dl4j_dense_gemms_over_onnxruntime_forward", (Double) gemms.get("dl4j_dense_gemms_ms") / o);
        out.put("dense_gemms", gemms);
        return out;
    }

    private static byte[] onnxBytes() throws IOException {
        try (InputStream in = MiniLM.class.getClassLoader().getResourceAsStream(MiniLM.ONNX_RESOURCE)) {
            if (in == null) {
                throw new IOException("classpath resource " + MiniLM.ONNX_RESOURCE + " not found");
            }
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            return b.toByteArray();
        }
    }

    private static double maxAbsDiffOnRealTokens(INDArray ours, float[][][] reference, long[][] mask) {
        // ours: NWC [mb, T, hidden] like onnxruntime's last_hidden_state
        double max = 0;
        for (int i = 0; i < reference.length; i++) {
            for (int j = 0; j < reference[i].length; j++) {
                if (mask[i][j] == 0) {
                    continue;
                }
                for (int k = 0; k < reference[i][j].length; k++) {
                    max = Math.max(max, Math.abs(ours.getDouble(i, j, k) - reference[i][j][k]));
                }
            }
        }
        return max;
    }

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
