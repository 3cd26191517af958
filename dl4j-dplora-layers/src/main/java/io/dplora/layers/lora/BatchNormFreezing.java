package io.dplora.layers.lora;

import io.dplora.layers.FrozenBatchNormLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Turns a pretrained BatchNormalization into its inference-mode map as a {@link FrozenBatchNormLayer}, with DL4J's own
 * inference formula: y = gamma (x - mean) / sqrt(var + eps) + beta, var from the stored variance or log10 standard
 * deviation, and DL4J's handling of locked gamma/beta (the fixed values are applied only when gamma != 1 and
 * beta != 0, as DL4J 1.0.0-M2.1 does).
 */
final class BatchNormFreezing {

    private BatchNormFreezing() {
    }

    static FrozenBatchNormLayer frozen(BatchNormalization bn, org.deeplearning4j.nn.api.Layer runtime, String name) {
        double[] mean = param(runtime, BatchNormalizationParamInitializer.GLOBAL_MEAN);
        double[] var;
        if (bn.isUseLogStd()) {
            double[] log10s = param(runtime, BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
            var = new double[log10s.length];
            for (int c = 0; c < var.length; c++) {
                double s = Math.pow(10.0, log10s[c]);
                var[c] = s * s;
            }
        } else {
            var = param(runtime, BatchNormalizationParamInitializer.GLOBAL_VAR);
        }
        int n = mean.length;
        double[] gamma = new double[n];
        double[] beta = new double[n];
        if (bn.isLockGammaBeta()) {
            boolean applied = bn.getGamma() != 1.0 && bn.getBeta() != 0.0;
            java.util.Arrays.fill(gamma, applied ? bn.getGamma() : 1.0);
            java.util.Arrays.fill(beta, applied ? bn.getBeta() : 0.0);
        } else {
            gamma = param(runtime, BatchNormalizationParamInitializer.GAMMA);
            beta = param(runtime, BatchNormalizationParamInitializer.BETA);
        }
        double[] scale = new double[n];
        double[] shift = new double[n];
        for (int c = 0; c < n; c++) {
            double std = Math.sqrt(var[c] + bn.getEps());
            scale[c] = gamma[c] / std;
            shift[c] = beta[c] - mean[c] * scale[c];
        }
        return new FrozenBatchNormLayer(name, scale, shift, bn.getCnn2DFormat());
    }

    private static double[] param(org.deeplearning4j.nn.api.Layer runtime, String key) {
        INDArray p = runtime.getParam(key);
        if (p == null) {
            throw new IllegalStateException("BatchNormalization layer has no parameter '" + key + "'");
        }
        return p.toDoubleVector();
    }
}
