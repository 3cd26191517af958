package io.dplora.benchmarks;

import io.dplora.transformers.BertConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dense-GEMM comparison behind the MiniLM forward figure: the encoder's shapes, equal products, its totals. */
class OnnxGemmComparisonTest {

    @Test
    void bothEnginesComputeTheEncodersProductsAndTheTotalsAddUpPerLayer() throws Exception {
        BertConfig tiny = new BertConfig(100, 16, 3, 2, 48, 64, 2, 1e-12);
        Map<String, Object> r = new OnnxGemmComparison(tiny, 40, 1, 2).run();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> shapes = (List<Map<String, Object>>) r.get("shapes");
        assertEquals(List.of("[40,16] x [16,16]", "[40,16] x [16,48]", "[40,48] x [48,16]"),
                shapes.stream().map(m -> m.get("shape")).toList());
        double nd4j = 0;
        double ort = 0;
        for (Map<String, Object> m : shapes) {
            // float sums of at most 48 products of values in [-0.5, 0.5): equal far below 1e-4 if both multiply X W
            assertTrue((Double) m.get("max_abs_diff") < 1e-4, m.toString());
            assertTrue((Double) m.get("nd4j_ms") > 0 && (Double) m.get("onnxruntime_ms") > 0, m.toString());
            nd4j += (Integer) m.get("per_layer") * (Double) m.get("nd4j_ms");
            ort += (Integer) m.get("per_layer") * (Double) m.get("onnxruntime_ms");
        }
        assertEquals(List.of(4, 1, 1), shapes.stream().map(m -> m.get("per_layer")).toList());
        assertEquals(3 * nd4j, (Double) r.get("dl4j_dense_gemms_ms"), 1e-9);
        assertEquals(3 * ort, (Double) r.get("onnxruntime_dense_gemms_ms"), 1e-9);
    }
}
