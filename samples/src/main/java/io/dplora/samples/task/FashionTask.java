package io.dplora.samples.task;

import io.dplora.samples.data.DataLocations;
import io.dplora.samples.data.FashionMnist;
import io.dplora.samples.data.ImageSet;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.nio.file.Files;
import java.util.List;

/**
 * Fashion-MNIST with a task shift: the base learns to tell apart the first five classes (T-shirt/top, Trouser,
 * Pullover, Dress, Coat) from PUBLIC data; DP fine-tuning adapts it to the other five (Sandal, Shirt, Sneaker, Bag,
 * Ankle boot), which are PRIVATE. Both are relabelled 0-4, so the head keeps its shape (its pretrained weights are a
 * starting point only: the private classes mean something else).
 *
 * <p>Model: MLP 784-256-128-5 (ReLU, softmax); LoRA on {@code dense1} and {@code dense2}, head {@code out} trained.
 */
public final class FashionTask implements Task {

    static final int[] PUBLIC_CLASSES = {0, 1, 2, 3, 4};
    static final int[] PRIVATE_CLASSES = {5, 6, 7, 8, 9};

    @Override
    public String name() {
        return "fashion";
    }

    @Override
    public String dataSet() {
        return "fashion";
    }

    @Override
    public boolean dataPresent(DataLocations locations) {
        return Files.isDirectory(locations.fashionMnist());
    }

    @Override
    public String description() {
        return "Fashion-MNIST task shift. Public (pretraining): the 30,000 training images of classes 0-4 "
                + "(T-shirt/top, Trouser, Pullover, Dress, Coat). Private (DP fine-tuning): the 30,000 training images "
                + "of classes 5-9 (Sandal, Shirt, Sneaker, Bag, Ankle boot), relabelled 0-4; test: the 5,000 test "
                + "images of classes 5-9. Model: MLP 784-256-128-5, LoRA on both hidden layers, head trained.";
    }

    @Override
    public TaskData load(DataLocations locations) {
        FashionMnist f = FashionMnist.load(locations);
        ImageSet pubTrain = f.train().keepClasses(PUBLIC_CLASSES);
        ImageSet pubTest = f.test().keepClasses(PUBLIC_CLASSES);
        ImageSet privTrain = f.train().keepClasses(PRIVATE_CLASSES);
        ImageSet privTest = f.test().keepClasses(PRIVATE_CLASSES);
        List<String> names = List.of(FashionMnist.CLASS_NAMES.get(5), FashionMnist.CLASS_NAMES.get(6),
                FashionMnist.CLASS_NAMES.get(7), FashionMnist.CLASS_NAMES.get(8), FashionMnist.CLASS_NAMES.get(9));
        return new TaskData(pubTrain.asSource(), pubTest.asSource(), privTrain.asSource(), privTest.asSource(), names,
                FashionMnist.ROWS * FashionMnist.COLS,
                "fashion-mnist public classes 0-4, private 5-9");
    }

    /**
     * The same task shift within the PUBLIC classes: the rehearsal base learns classes 0-2 (T-shirt, Trouser,
     * Pullover) as labels 0-2 of the 5-wide head; rehearsal fine-tuning adapts it to classes 3-4 (Dress, Coat)
     * relabelled 0-1 (12,000 training and 2,000 test images), as the real task relabels 5-9 to 0-4.
     */
    @Override
    public TaskData loadRehearsal(DataLocations locations) {
        FashionMnist f = FashionMnist.load(locations);
        int[] base = {0, 1, 2, -1, -1, -1, -1, -1, -1, -1};
        int[] shifted = {-1, -1, -1, 0, 1, -1, -1, -1, -1, -1};
        int c = PRIVATE_CLASSES.length;
        return new TaskData(f.train().mapClasses(base, c).asSource(), f.test().mapClasses(base, c).asSource(),
                f.train().mapClasses(shifted, c).asSource(), f.test().mapClasses(shifted, c).asSource(),
                List.of(FashionMnist.CLASS_NAMES.get(3), FashionMnist.CLASS_NAMES.get(4), "-", "-", "-"),
                FashionMnist.ROWS * FashionMnist.COLS, "fashion-mnist rehearsal: base classes 0-2, shifted to 3-4");
    }

    @Override
    public ComputationGraph buildBase(TaskData data, PretrainSettings settings) {
        var g = BaseGraphs.graph(settings).addInputs("pixels");
        ComputationGraph net = new ComputationGraph(BaseGraphs.denseStack(g, "pixels", data.inputSize(),
                data.numClasses(), 256, 128).build());
        net.init();
        return net;
    }

    @Override
    public String architecture() {
        return "mlp-784-256-128-5/v1";
    }

    @Override
    public List<String> loraTargets() {
        return List.of("dense1", "dense2");
    }

    @Override
    public PretrainSettings pretraining() {
        return new PretrainSettings(3, 128, 1e-3, 20021003L);
    }

    @Override
    public FineTuneDefaults fineTuneDefaults() {
        // lr and epochs chosen on the public rehearsal (results/tuning/chosen.json), never on private data
        return new FineTuneDefaults(20, 2048, 512, 3e-2, 1.0);
    }

    @Override
    public boolean reportsBinaryMetrics() {
        return false;
    }
}
