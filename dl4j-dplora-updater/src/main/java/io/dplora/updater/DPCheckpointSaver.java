package io.dplora.updater;

import org.deeplearning4j.earlystopping.EarlyStoppingModelSaver;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An early-stopping model saver that keeps the privacy ledger: DL4J's {@code LocalFileGraphSaver} /
 * {@code LocalFileModelSaver} write zips without it, so a best model restored from them could be trained further
 * from epsilon 0. This saver writes {@code bestModel.zip} and {@code latestModel.zip} with {@link DPCheckpoint#save}
 * (model, updater state and the run's ledger at that moment, atomically) and restores them with
 * {@link DPCheckpoint}; {@link DPLoRA#resume} continues the run from either.
 *
 * <pre>
 *   EarlyStoppingConfiguration&lt;ComputationGraph&gt; es = new EarlyStoppingConfiguration.Builder&lt;ComputationGraph&gt;()
 *           .modelSaver(DPCheckpointSaver.forGraph(dir, training)) ...
 * </pre>
 *
 * <p>Not JSON-serialisable with the early-stopping configuration (it holds the live run).
 *
 * @param <T> ComputationGraph or MultiLayerNetwork
 */
public final class DPCheckpointSaver<T extends Model> implements EarlyStoppingModelSaver<T> {

    private static final long serialVersionUID = 1L;
    /** File name of the best model. */
    public static final String BEST = "bestModel.zip";
    /** File name of the latest model. */
    public static final String LATEST = "latestModel.zip";

    private final transient Path directory;
    private final transient PrivateTraining training;
    private final boolean graph;

    private DPCheckpointSaver(Path directory, PrivateTraining training, boolean graph) {
        if (directory == null || training == null) {
            throw new IllegalArgumentException("directory and training must not be null");
        }
        this.directory = directory;
        this.training = training;
        this.graph = graph;
    }

    /** @return a saver for a ComputationGraph run, writing into {@code directory} (created if missing) */
    public static DPCheckpointSaver<ComputationGraph> forGraph(Path directory, PrivateTraining training) {
        return new DPCheckpointSaver<>(directory, training, true);
    }

    /** @return a saver for a MultiLayerNetwork run, writing into {@code directory} (created if missing) */
    public static DPCheckpointSaver<MultiLayerNetwork> forMultiLayer(Path directory, PrivateTraining training) {
        return new DPCheckpointSaver<>(directory, training, false);
    }

    @Override
    public void saveBestModel(T net, double score) throws IOException {
        save(net, BEST);
    }

    @Override
    public void saveLatestModel(T net, double score) throws IOException {
        save(net, LATEST);
    }

    private void save(T net, String name) throws IOException {
        Files.createDirectories(directory);
        DPCheckpoint.save(net, training.ledger(), directory.resolve(name).toFile());
    }

    @Override
    public T getBestModel() throws IOException {
        return restore(BEST);
    }

    @Override
    public T getLatestModel() throws IOException {
        return restore(LATEST);
    }

    @SuppressWarnings("unchecked")
    private T restore(String name) throws IOException {
        File f = directory.resolve(name).toFile();
        if (!f.isFile()) {
            return null;
        }
        return (T) (graph ? DPCheckpoint.restoreComputationGraph(f).network()
                : DPCheckpoint.restoreMultiLayerNetwork(f).network());
    }
}
