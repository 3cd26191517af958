package io.dplora.samples.task;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Building blocks shared by the tasks' base models. */
final class BaseGraphs {

    static final String HEAD = "out";

    private BaseGraphs() {
    }

    /** A graph builder with the pretraining optimiser (Adam), He initialisation, FLOAT and the seed. */
    static ComputationGraphConfiguration.GraphBuilder graph(PretrainSettings settings) {
        return new NeuralNetConfiguration.Builder()
                .seed(settings.seed())
                .dataType(DataType.FLOAT)
                .updater(new Adam(settings.learningRate()))
                .weightInit(WeightInit.RELU)
                .graphBuilder();
    }

    /**
     * Appends ReLU dense layers named {@code dense1, dense2, ...} and a softmax head {@value #HEAD} after
     * {@code input}, with every nIn given explicitly (so the graph needs no input types and gets no automatic
     * preprocessors: DL4J M2.1 reports a GlobalPoolingLayer's output as recurrent and would put an
     * RnnToFeedForwardPreProcessor after it, which makes the pooled rows look like time steps).
     *
     * @param nIn width of {@code input}
     * @return the builder with outputs set
     */
    static ComputationGraphConfiguration.GraphBuilder denseStack(ComputationGraphConfiguration.GraphBuilder g,
                                                                 String input, long nIn, int numClasses,
                                                                 int... widths) {
        String prev = input;
        long width = nIn;
        for (int k = 0; k < widths.length; k++) {
            String name = "dense" + (k + 1);
            g.addLayer(name, new DenseLayer.Builder().nIn(width).nOut(widths[k]).activation(Activation.RELU).build(),
                    prev);
            prev = name;
            width = widths[k];
        }
        g.addLayer(HEAD, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(width).nOut(numClasses)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), prev);
        return g.setOutputs(HEAD);
    }
}
