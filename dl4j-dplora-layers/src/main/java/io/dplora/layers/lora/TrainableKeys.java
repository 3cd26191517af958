package io.dplora.layers.lora;

import io.dplora.layers.BaseDPDenseLayer;
import io.dplora.layers.BaseDPOutputLayer;
import io.dplora.layers.LoRADenseLayer;
import io.dplora.layers.params.LoRAParamInitializer;
import org.deeplearning4j.nn.conf.layers.Layer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Which parameters of a layer configuration are trained, and which belong to an adapter file. */
final class TrainableKeys {

    private TrainableKeys() {
    }

    /** @return the keys of parameters this library trains with exact per-example gradients (empty for others) */
    static List<String> trainable(Layer conf) {
        List<String> out = new ArrayList<>();
        if (conf instanceof BaseDPDenseLayer) {
            BaseDPDenseLayer dp = (BaseDPDenseLayer) conf;
            for (String k : dp.initializer().paramKeys(dp)) {
                if (!dp.isFrozenParam(k)) {
                    out.add(k);
                }
            }
        } else if (conf instanceof BaseDPOutputLayer && ((BaseDPOutputLayer) conf).isTrainable()) {
            out.addAll(conf.initializer().paramKeys(conf));
        } else if (conf instanceof io.dplora.layers.DPEmbeddingSequenceLayer
                || conf instanceof io.dplora.layers.DPEmbeddingLayer) {
            out.addAll(conf.initializer().paramKeys(conf));
        }
        return out;
    }

    /**
     * @return the keys saved in an adapter file: A and B of LoRA layers (both modes: in FFA mode A is a random
     * projection that is not part of the pretrained base) and all parameters of trainable DP layers
     */
    static List<String> adapter(Layer conf) {
        if (conf instanceof LoRADenseLayer) {
            return List.of(LoRAParamInitializer.LORA_A_KEY, LoRAParamInitializer.LORA_B_KEY);
        }
        if (conf instanceof BaseDPDenseLayer || conf instanceof BaseDPOutputLayer
                || conf instanceof io.dplora.layers.DPEmbeddingSequenceLayer
                || conf instanceof io.dplora.layers.DPEmbeddingLayer) {
            return trainable(conf);
        }
        return Collections.emptyList();
    }
}
