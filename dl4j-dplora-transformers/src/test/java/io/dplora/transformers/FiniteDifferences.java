package io.dplora.transformers;

import io.dplora.layers.PerExampleGradientLayer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Central finite differences of the network's score over every trained parameter, against the backprop gradient (the
 * computation of DL4J's GradientCheckUtil). GradientCheckUtil itself cannot be used on these graphs: it names the
 * entries of the flattened parameter vector by the graph's vertex order while the vector is laid out in topological
 * order, so once LoRA.apply has replaced some vertices its exclusions hit the wrong parameters.
 */
final class FiniteDifferences {

    private FiniteDifferences() {
    }

    /** @return the number of parameters checked */
    static int check(ComputationGraph net, MultiDataSet d, double eps, double maxRel, double minAbs) {
        net.setInputs(d.getFeatures());
        net.setLabels(d.getLabels());
        net.setLayerMaskArrays(d.getFeaturesMaskArrays(), null);
        net.computeGradientAndScore();
        INDArray flatGrad = net.gradient().gradient().dup();
        double mb = d.getFeatures(0).size(0);
        int checked = 0;
        double trainedSquares = 0;
        for (Layer l : net.getLayers()) {
            if (!(l instanceof PerExampleGradientLayer)) {
                continue;
            }
            for (Map.Entry<String, INDArray> e : ((PerExampleGradientLayer) l).trainableGradientViews().entrySet()) {
                // DL4J's updater divides the summed gradient by mb; entries addressed by c-order subscripts
                INDArray analytic = e.getValue().dup('c').divi(mb);
                trainedSquares += e.getValue().norm2Number().doubleValue() * e.getValue().norm2Number().doubleValue();
                INDArray p = l.getParam(e.getKey());
                String name = l.conf().getLayer().getLayerName() + "_" + e.getKey();
                for (long j = 0; j < p.length(); j++) {
                    long[] at = org.nd4j.linalg.api.shape.Shape.ind2subC(p.shape(), j);
                    double orig = p.getDouble(at);
                    p.putScalar(at, orig + eps);
                    double plus = net.score(d, true);
                    p.putScalar(at, orig - eps);
                    double minus = net.score(d, true);
                    p.putScalar(at, orig);
                    double numeric = (plus - minus) / (2 * eps);
                    double a = analytic.getDouble(at);
                    double abs = Math.abs(a - numeric);
                    double rel = abs / Math.max(Math.abs(a) + Math.abs(numeric), 1e-300);
                    assertTrue(abs < minAbs || rel <= maxRel, name + "[" + j + "]: backprop " + a + ", finite "
                            + "differences " + numeric + " (relative error " + rel + ")");
                    checked++;
                }
            }
        }
        // every gradient entry outside the trained views (frozen parameters) must be exactly zero
        double all = flatGrad.norm2Number().doubleValue();
        assertEquals(all * all, trainedSquares, 1e-9 * all * all, "frozen parameters received a gradient");
        assertTrue(checked > 0, "no trained parameter");
        return checked;
    }
}
