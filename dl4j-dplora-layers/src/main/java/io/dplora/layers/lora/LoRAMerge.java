package io.dplora.layers.lora;

import io.dplora.layers.LoRADenseLayer;
import io.dplora.layers.params.LoRAParamInitializer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code LoRA.merge}: an equivalent network without adapters. Each LoRADenseLayer becomes a dense layer with
 * W = W<sub>0</sub> + (alpha/r) A B (DL4J's DenseLayer on feed-forward input; on sequence input, where DL4J's
 * DenseLayer needs preprocessors, a {@link io.dplora.layers.DPDenseLayer}, also a plain x W + b), the DP heads and
 * dense layers become DL4J's OutputLayer, RnnOutputLayer and DenseLayer, all other layers (frozen wrappers included)
 * are kept. Inference costs exactly what the pretrained network cost.
 */
final class LoRAMerge {

    private LoRAMerge() {
    }

    static Model merge(NetworkStructure s, Model original) {
        List<String> layers = s.layerNames();
        Map<String, Layer> before = new HashMap<>();
        for (String n : layers) {
            Layer l = s.layer(n);
            before.put(n, l);
            Layer stock = LayerConversions.toStock(l);
            if (stock != null) {
                stock.setLayerName(n);
                stock.setConstraints(l.getConstraints());
                s.setLayer(n, stock);
            }
        }
        Model net = s.build();
        for (String n : layers) {
            org.deeplearning4j.nn.api.Layer from = s.runtimeLayer(original, n);
            org.deeplearning4j.nn.api.Layer to = s.runtimeLayer(net, n);
            if (before.get(n) instanceof LoRADenseLayer) {
                LoRADenseLayer c = (LoRADenseLayer) before.get(n);
                INDArray a = from.getParam(LoRAParamInitializer.LORA_A_KEY);
                INDArray b = from.getParam(LoRAParamInitializer.LORA_B_KEY);
                INDArray w = a.mmul(b).muli(c.scaling()).addi(from.getParam(LoRAParamInitializer.WEIGHT_KEY));
                INDArray target = to.paramTable().get(LoRAParamInitializer.WEIGHT_KEY);
                if (target.rank() == 4) {
                    // patch weights [C_in kH kW, C_out] -> kernel [C_out, C_in, kH, kW]
                    w = w.transpose().dup('c').reshape('c', target.shape());
                }
                target.assign(w);
                if (c.hasBias()) {
                    to.paramTable().get(LoRAParamInitializer.BIAS_KEY)
                            .assign(from.getParam(LoRAParamInitializer.BIAS_KEY));
                }
            } else {
                for (Map.Entry<String, INDArray> e : from.paramTable().entrySet()) {
                    to.paramTable().get(e.getKey()).assign(e.getValue());
                }
            }
        }
        return net;
    }
}
