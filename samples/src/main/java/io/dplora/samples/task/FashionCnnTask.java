package io.dplora.samples.task;

import io.dplora.samples.data.DataLocations;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;

import java.util.List;

/**
 * The fashion task (public classes 0-4, private classes 5-9, the same data and rehearsal as {@link FashionTask}) with
 * a small LeNet-like CNN as the base: conv 5x5x8 -> max-pool 2 -> conv 5x5x16 -> max-pool 2 -> dense 64 -> 5, all
 * stock DL4J layers. Fine-tuning puts LoRA on both convolutions ({@code LoRAConvolutionLayer}) and on the dense layer;
 * the head is trained.
 */
public final class FashionCnnTask implements Task {

    private final FashionTask data = new FashionTask();

    @Override
    public String name() {
        return "fashion-cnn";
    }

    @Override
    public String dataSet() {
        return data.dataSet();
    }

    @Override
    public boolean dataPresent(DataLocations locations) {
        return data.dataPresent(locations);
    }

    @Override
    public String description() {
        return "Fashion-MNIST task shift with a CNN: public classes 0-4 pretrain a LeNet-like CNN (conv 5x5x8, "
                + "max-pool, conv 5x5x16, max-pool, dense 64, 5 outputs); DP fine-tuning on classes 5-9 puts LoRA "
                + "on both convolutions and the dense layer, head trained.";
    }

    @Override
    public TaskData load(DataLocations locations) {
        return data.load(locations);
    }

    @Override
    public TaskData loadRehearsal(DataLocations locations) {
        return data.loadRehearsal(locations);
    }

    @Override
    public ComputationGraph buildBase(TaskData d, PretrainSettings settings) {
        var g = BaseGraphs.graph(settings).addInputs("pixels")
                .addLayer("conv1", new ConvolutionLayer.Builder(5, 5).nOut(8).activation(Activation.RELU).build(),
                        "pixels")
                .addLayer("pool1", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                        .stride(2, 2).build(), "conv1")
                .addLayer("conv2", new ConvolutionLayer.Builder(5, 5).nOut(16).activation(Activation.RELU).build(),
                        "pool1")
                .addLayer("pool2", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                        .stride(2, 2).build(), "conv2")
                .addLayer("dense1", new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nOut(64)
                        .activation(Activation.RELU).build(), "pool2")
                .addLayer(BaseGraphs.HEAD, new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(
                        org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT).nOut(d.numClasses())
                        .activation(Activation.SOFTMAX).build(), "dense1")
                .setOutputs(BaseGraphs.HEAD)
                .setInputTypes(InputType.convolutionalFlat(28, 28, 1));
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }

    @Override
    public String architecture() {
        return "lenet-c8-c16-d64-5/v1";
    }

    @Override
    public List<String> loraTargets() {
        return List.of("conv1", "conv2", "dense1");
    }

    @Override
    public PretrainSettings pretraining() {
        return new PretrainSettings(2, 128, 1e-3, 20021003L);
    }

    /**
     * lr chosen on the public rehearsal ({@code fashion-cnn-rehearsal}, results/tuning/chosen.json: lr in {0.003, 0.01,
     * 0.03, 0.1} at 10 epochs, epsilon 8, vanilla and FFA, 2 seeds), never on private data; E, C and epochs fixed a
     * priori (the fashion MLP's).
     */
    @Override
    public FineTuneDefaults fineTuneDefaults() {
        return new FineTuneDefaults(10, 2048, 256, 0.1, 1.0);
    }

    @Override
    public boolean reportsBinaryMetrics() {
        return false;
    }
}
