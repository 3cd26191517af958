package io.dplora.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.dplora.transformers.BertConfig;
import onnx.Onnx;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What bounds the MiniLM forward comparison: the encoder's dense GEMMs alone, timed with ND4J's GEMM (the call the
 * library's dense layers make: ND4J's matmul op of the 'c' activations with the 'f' weights into a preallocated 'c'
 * output, oneDNN's GEMM in ND4J's onednn build, else BLAS) and
 * with onnxruntime's MatMul (a one-node ONNX graph per shape, the same session options as the forward comparison),
 * in the same JVM. Per encoder layer there are four [rows, hidden] x [hidden, hidden] products (query, key, value,
 * attention output), one [rows, hidden] x [hidden, intermediate] and one [rows, intermediate] x [intermediate,
 * hidden]; the totals are those six products times the number of layers, so {@code dl4j_dense_gemms_ms} is a lower
 * bound of any DL4J forward that uses ND4J's GEMM, to be set against onnxruntime's whole forward. Each shape also
 * reports the largest absolute difference of the two engines' products, so neither can be timed on a wrong result.
 */
final class OnnxGemmComparison {

    private final BertConfig config;
    private final long rows;
    private final int threads;
    private final int repetitions;

    /**
     * @param config      the encoder's dimensions
     * @param rows        rows of each product (batch x sequence length)
     * @param threads     onnxruntime's intra-op threads (ND4J's follow OMP_NUM_THREADS)
     * @param repetitions timed products per shape and engine (after as many untimed ones)
     */
    OnnxGemmComparison(BertConfig config, long rows, int threads, int repetitions) {
        this.config = config;
        this.rows = rows;
        this.threads = threads;
        this.repetitions = repetitions;
    }

    /** @return per shape: median ms and GFLOP/s of each engine; totals of one forward's dense GEMMs */
    Map<String, Object> run() throws OrtException {
        int h = config.hidden();
        int f = config.intermediate();
        int[][] shapes = {{h, h}, {h, f}, {f, h}};
        int[] perLayer = {4, 1, 1};
        Map<String, Object> out = new LinkedHashMap<>();
        List<Map<String, Object>> perShape = new ArrayList<>();
        double nd4jTotal = 0;
        double ortTotal = 0;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            for (int s = 0; s < shapes.length; s++) {
                int k = shapes[s][0];
                int n = shapes[s][1];
                float[] x = randomFloats(rows * k, 1 + s);
                float[] w = randomFloats((long) k * n, 101 + s);
                Measured nd4jRun = nd4jProduct(x, w, k, n);
                Measured ortRun = onnxProduct(env, options, x, w, k, n);
                double nd4j = nd4jRun.medianMs();
                double ort = ortRun.medianMs();
                double gflop = 2.0 * rows * k * n / 1e9;
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("shape", "[" + rows + "," + k + "] x [" + k + "," + n + "]");
                m.put("per_layer", perLayer[s]);
                m.put("nd4j_ms", nd4j);
                m.put("onnxruntime_ms", ort);
                m.put("nd4j_gflops", gflop / nd4j * 1e3);
                m.put("onnxruntime_gflops", gflop / ort * 1e3);
                m.put("max_abs_diff", maxAbsDiff(nd4jRun.product(), ortRun.product()));
                perShape.add(m);
                nd4jTotal += perLayer[s] * nd4j;
                ortTotal += perLayer[s] * ort;
            }
        }
        out.put("shapes", perShape);
        out.put("dl4j_dense_gemms_ms", nd4jTotal * config.layers());
        out.put("onnxruntime_dense_gemms_ms", ortTotal * config.layers());
        return out;
    }

    /** A product's median time and its value (row-major), so that the two engines are seen to compute the same. */
    private record Measured(double medianMs, float[] product) {
    }

    private Measured nd4jProduct(float[] x, float[] w, int k, int n) {
        INDArray a = Nd4j.createFromArray(x).reshape('c', rows, k);
        INDArray b = Nd4j.createFromArray(w).reshape('c', k, n).dup('f');
        INDArray c = Nd4j.create(DataType.FLOAT, new long[] {rows, n}, 'c');
        List<Double> ms = new ArrayList<>();
        for (int r = 0; r < 2 * repetitions; r++) {
            long t0 = System.nanoTime();
            Nd4j.exec(new Mmul(a, b, c, 1.0, 0.0, MMulTranspose.allFalse()));
            if (r >= repetitions) {
                ms.add((System.nanoTime() - t0) / 1e6);
            }
        }
        return new Measured(OnnxForwardComparison.median(ms), c.dup('c').data().asFloat());
    }

    private Measured onnxProduct(OrtEnvironment env, OrtSession.SessionOptions options, float[] x, float[] w, int k,
                                int n) throws OrtException {
        Onnx.TensorProto.Builder weight = Onnx.TensorProto.newBuilder().setName("W")
                .setDataType(Onnx.TensorProto.DataType.FLOAT.getNumber()).addDims(k).addDims(n);
        for (float v : w) {
            weight.addFloatData(v);
        }
        Onnx.GraphProto graph = Onnx.GraphProto.newBuilder().setName("matmul")
                .addInput(floatInfo("X", rows, k)).addOutput(floatInfo("Y", rows, n)).addInitializer(weight)
                .addNode(Onnx.NodeProto.newBuilder().setName("mm").setOpType("MatMul").addInput("X").addInput("W")
                        .addOutput("Y"))
                .build();
        Onnx.ModelProto model = Onnx.ModelProto.newBuilder().setIrVersion(7)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setGraph(graph).build();
        List<Double> ms = new ArrayList<>();
        float[] product = null;
        try (OrtSession session = env.createSession(model.toByteArray(), options);
             OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {rows, k})) {
            Map<String, OnnxTensor> inputs = Map.of("X", input);
            for (int r = 0; r < 2 * repetitions; r++) {
                long t0 = System.nanoTime();
                try (OrtSession.Result result = session.run(inputs)) {
                    if (r >= repetitions) {
                        ms.add((System.nanoTime() - t0) / 1e6);
                    }
                    if (r == 2 * repetitions - 1) {
                        FloatBuffer y = ((OnnxTensor) result.get(0)).getFloatBuffer();
                        product = new float[y.remaining()];
                        y.get(product);
                    }
                }
            }
        }
        return new Measured(OnnxForwardComparison.median(ms), product);
    }

    private static Onnx.ValueInfoProto floatInfo(String name, long... dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder().setTensorType(
                Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT.getNumber())
                        .setShape(shape))).build();
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalStateException("the engines' products differ in size: " + a.length + " vs " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }

    private static float[] randomFloats(long n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat() - 0.5f;
        }
        return v;
    }
}
