package io.dplora.layers;

import io.dplora.layers.grad.TrainableParameters;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.layers.wrapper.BaseWrapperLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Test helpers that drive the per-example gradient layers of a network the way a DP step does. */
final class DPLayers {

    private DPLayers() {
    }

    static List<PerExampleGradientLayer> of(Layer[] layers) {
        List<PerExampleGradientLayer> out = new ArrayList<>();
        for (Layer l : layers) {
            Layer cur = l instanceof BaseWrapperLayer ? ((BaseWrapperLayer) l).getUnderlying() : l;
            if (cur instanceof PerExampleGradientLayer) {
                out.add((PerExampleGradientLayer) cur);
            }
        }
        return out;
    }

    static void enable(List<PerExampleGradientLayer> layers) {
        layers.forEach(l -> l.setPerExampleGradientsEnabled(true));
    }

    static double[] squaredNorms(List<PerExampleGradientLayer> layers, int m) {
        double[] out = new double[m];
        for (PerExampleGradientLayer l : layers) {
            assertEquals(m, l.perExampleCount());
            l.accumulateSquaredNorms(out);
        }
        return out;
    }

    static double[] clippedSum(Model net, TrainableParameters tp, List<PerExampleGradientLayer> layers, double[] c) {
        for (PerExampleGradientLayer l : layers) {
            l.writeClippedSum(c);
        }
        INDArray g = Nd4j.create(DataType.DOUBLE, tp.dimension());
        tp.gather(net.gradient().gradient(), g);
        return g.toDoubleVector();
    }

    static void assertRelClose(double expected, double actual, double rel, String what) {
        double err = Math.abs(expected - actual) / Math.max(Math.abs(expected), 1e-300);
        assertTrue(err <= rel, what + ": expected " + expected + " got " + actual + " (rel err " + err + ")");
    }

    /** max |a - b| / max |a| &lt;= rel */
    static void assertVectorClose(double[] expected, double[] actual, double rel, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double maxAbs = 0;
        double maxErr = 0;
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Double.isFinite(actual[i]), what + ": non-finite entry " + i);
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
            maxErr = Math.max(maxErr, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(maxAbs > 0, what + ": reference is all zero");
        assertTrue(maxErr <= rel * maxAbs, what + ": max error " + maxErr + " vs max |ref| " + maxAbs);
    }
}
