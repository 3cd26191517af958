package com.example.dplora;

import io.dplora.layers.LoRA;
import io.dplora.layers.LoRAMode;
import io.dplora.layers.LoRASpec;
import io.dplora.updater.DPConfig;
import io.dplora.updater.DPLoRA;
import io.dplora.updater.PrivateTraining;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * What a project that depends on dl4j-dplora writes: a (here freshly initialised) DL4J network, LoRA on its dense
 * layers, a DP-capable head, and private training with a target epsilon. Only the library modules and an ND4J backend
 * of the project's choice are on the class path.
 */
public final class ConsumerExample {

    private ConsumerExample() {
    }

    /** A small "pretrained" network: 8 -> 16 -> 16 -> 3. */
    public static ComputationGraph pretrained(long seed) {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Adam(1e-2)).graphBuilder().addInputs("in")
                .addLayer("dense1", new DenseLayer.Builder().nIn(8).nOut(16).activation(Activation.RELU).build(), "in")
                .addLayer("dense2", new DenseLayer.Builder().nIn(16).nOut(16).activation(Activation.RELU).build(),
                        "dense1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "dense2")
                .setOutputs("out").build());
        net.init();
        return net;
    }

    /** n random examples with 8 features and one-hot labels over 3 classes. */
    public static DataSet data(long seed, int n) {
        Nd4j.getRandom().setSeed(seed);
        DataSet ds = new DataSet(Nd4j.randn(n, 8), Nd4j.zeros(n, 3));
        for (int i = 0; i < n; i++) {
            ds.getLabels().putScalar(i, i % 3, 1.0);
        }
        return ds;
    }

    /**
     * Converts the network to LoRA and trains it privately.
     *
     * @return the run's handle (epsilon, ledger, network)
     */
    public static PrivateTraining trainPrivately(ComputationGraph pretrained, DataSet privateData) {
        ComputationGraph net = LoRA.apply(pretrained, LoRASpec.builder().targets("dense1", "dense2")
                .rank(4).alpha(8).mode(LoRAMode.VANILLA).trainable("out").build());
        DPConfig config = DPConfig.builder().targetEpsilon(4).delta(1e-5)
                .maxGradNorm(1.0).expectedBatchSize(32).epochs(1).build();
        PrivateTraining training = DPLoRA.makePrivate(net, privateData, config);
        training.fit();
        return training;
    }

    public static void main(String[] args) {
        PrivateTraining training = trainPrivately(pretrained(1), data(2, 512));
        System.out.printf("epsilon = %.3f at delta = %g after %d logical steps%n", training.epsilon(),
                training.delta(), training.stepsTaken());
    }
}
