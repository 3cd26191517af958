package io.dplora.samples.run;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.Map;

/** Counts the coordinates an optimiser may change (parameters whose updater is not NoOp). */
final class TrainableCount {

    private TrainableCount() {
    }

    static long of(ComputationGraph net) {
        long n = 0;
        for (Layer layer : net.getLayers()) {
            var conf = layer.conf().getLayer();
            for (Map.Entry<String, org.nd4j.linalg.api.ndarray.INDArray> e : layer.paramTable().entrySet()) {
                var u = conf.getUpdaterByParam(e.getKey());
                if (u != null && !(u instanceof NoOp)) {
                    n += e.getValue().length();
                }
            }
        }
        return n;
    }
}
