package io.dplora.layers;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Small "pretrained" networks of stock DL4J layers (random init plus a few Adam steps). */
final class Pretrained {

    static final int N_IN = 6;
    static final int N_OUT = 3;

    private Pretrained() {
    }

    /** in -> dense0 -> bn -> dense1 -> dense2 -> dense3 -> out, with global L2 and dropout. */
    static ComputationGraph graph(DataType dt) {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(123).dataType(dt)
                .updater(new Adam(1e-2)).l2(1e-3).graphBuilder()
                .addInputs("in")
                .addLayer("dense0", new DenseLayer.Builder().nIn(N_IN).nOut(8).activation(Activation.TANH).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().nOut(8).build(), "dense0")
                .addLayer("dense1", new DenseLayer.Builder().nIn(8).nOut(8).activation(Activation.TANH)
                        .dropOut(0.9).build(), "bn")
                .addLayer("dense2", new DenseLayer.Builder().nIn(8).nOut(7).activation(Activation.TANH)
                        .dropOut(0.9).build(), "dense1")
                .addLayer("dense3", new DenseLayer.Builder().nIn(7).nOut(6).activation(Activation.SIGMOID).build(),
                        "dense2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(N_OUT)
                        .activation(Activation.SOFTMAX).build(), "dense3")
                .setOutputs("out")
                .build());
        net.init();
        DataSet ds = data(dt, 16, 1);
        for (int i = 0; i < 3; i++) {
            net.fit(ds);
        }
        return net;
    }

    /** The same architecture as a MultiLayerNetwork (layers named as in {@link #graph}). */
    static MultiLayerNetwork list(DataType dt) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(321).dataType(dt)
                .updater(new Adam(1e-2)).weightDecay(1e-3).list()
                .layer(new DenseLayer.Builder().name("dense0").nIn(N_IN).nOut(8).activation(Activation.TANH).build())
                .layer(new BatchNormalization.Builder().name("bn").nOut(8).build())
                .layer(new DenseLayer.Builder().name("dense1").nIn(8).nOut(8).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().name("dense2").nIn(8).nOut(7).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().name("dense3").nIn(7).nOut(6).activation(Activation.SIGMOID).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nIn(6).nOut(N_OUT)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        DataSet ds = data(dt, 16, 2);
        for (int i = 0; i < 3; i++) {
            net.fit(ds);
        }
        return net;
    }

    /** LSTM -> dense (fed through DL4J's RnnToFeedForward preprocessor) -> dense -> RnnOutputLayer. */
    static MultiLayerNetwork sequenceList(DataType dt, int t) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(99).dataType(dt)
                .updater(new Adam(1e-2)).list()
                .layer(new LSTM.Builder().name("lstm").nOut(6).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().name("dense").nOut(5).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().name("dense2").nOut(4).activation(Activation.TANH).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(N_OUT)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(N_IN, t))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    static DataSet data(DataType dt, int m, long seed) {
        INDArray x = TestData.features(dt, seed, m, N_IN);
        return new DataSet(x, TestData.oneHot(dt, seed + 1, m, N_OUT));
    }
}
