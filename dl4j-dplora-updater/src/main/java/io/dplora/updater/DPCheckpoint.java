package io.dplora.updater;

import io.dplora.accounting.PrivacyLedger;
import io.dplora.layers.PrivacyRecord;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.File;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Checkpoints of private training runs: the DL4J model zip (configuration, parameters, optimiser state) with the
 * run's {@link PrivacyLedger} inside it, so that the spent budget travels with the weights (pitfall 11).
 *
 * <p>Layout: the zip written by {@link ModelSerializer#writeModel(Model, File, boolean)} plus two objects added with
 * {@link ModelSerializer#addObjectToFile}: {@value #MARKER_KEY} (marks the file as a DP checkpoint; its value names
 * the format and the model type) and {@value #LEDGER_KEY} (the ledger as JSON).
 *
 * <p>Saving writes a temporary file in the target's folder and then moves it over the target (atomically where the
 * file system allows), so a crash mid-save leaves the previous checkpoint intact; temporaries a killed save left
 * behind ({@code <name>.dplora-partial.<random>.tmp}, older than ten minutes) are removed by the next save to the same
 * checkpoint. A network that has taken DP steps is saved only with that run's own ledger. Restoring a DP checkpoint whose
 * ledger is missing or unreadable is an error, never a silent epsilon of 0; restoring a file without the marker
 * through this class is an error too (it was not saved as a DP checkpoint).
 */
public final class DPCheckpoint {

    /** Key of the marker object that identifies a DP checkpoint. */
    public static final String MARKER_KEY = "dplora-dp-checkpoint";
    /** Key of the ledger object (JSON string). */
    public static final String LEDGER_KEY = "dplora-privacy-ledger";
    /** Format written in the marker. */
    public static final String FORMAT = "dl4j-dplora DP checkpoint v1";

    /** A restored network with the ledger of the run that trained it. */
    public record Restored<T extends Model>(T network, PrivacyLedger ledger) {
    }

    /** Test hook: runs on the complete temporary file, before it replaces the target. */
    @FunctionalInterface
    interface BeforeCommit {
        void run(Path temporary) throws IOException;
    }

    private DPCheckpoint() {
    }

    /**
     * Saves a network (with its optimiser state) and a ledger as one DP checkpoint.
     *
     * @param net    a ComputationGraph or MultiLayerNetwork
     * @param ledger the run's ledger
     * @param file   the checkpoint file (replaced if it exists)
     * @throws IOException if it cannot be written; an existing checkpoint at that path is then left intact
     */
    public static void save(Model net, PrivacyLedger ledger, File file) throws IOException {
        save(net, ledger, file, t -> { });
    }

    static void save(Model net, PrivacyLedger ledger, File file, BeforeCommit beforeCommit) throws IOException {
        if (net == null || ledger == null || file == null) {
            throw new IllegalArgumentException("network, ledger and file must not be null");
        }
        String type = modelType(net);
        PrivacyRecord record = PrivacyContinuity.recordOf(PrivacyContinuity.holders(net));
        if (record != null && (!record.getRunId().equals(ledger.runId())
                || record.getStepsTaken() != ledger.totalSteps())) {
            throw new IllegalStateException("checkpoint refused: the network has taken " + record.getStepsTaken()
                    + " DP steps (" + record + ") but the ledger given is run " + ledger.runId() + " with "
                    + ledger.totalSteps() + " steps; a checkpoint with another run's (or an empty) ledger would "
                    + "resume at a false epsilon. Save with the run's own ledger (PrivateTraining.save(file))");
        }
        String json = ledger.toJson();
        Path target = file.toPath().toAbsolutePath();
        Path dir = target.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        removeStaleTemporaries(dir, target);
        Path tmp = Files.createTempFile(dir, temporaryPrefix(target), TEMPORARY_SUFFIX);
        boolean committed = false;
        try {
            ModelSerializer.writeModel(net, tmp.toFile(), true);
            ModelSerializer.addObjectToFile(tmp.toFile(), MARKER_KEY, FORMAT + "; model=" + type);
            ModelSerializer.addObjectToFile(tmp.toFile(), LEDGER_KEY, json);
            beforeCommit.run(tmp);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            committed = true;
        } finally {
            if (!committed) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Suffix of this class's temporary files: {@code <checkpoint name>.dplora-partial.<random>.tmp}. */
    private static final String TEMPORARY_SUFFIX = ".tmp";
    /** A temporary file older than this is left over from a killed save, not one being written. */
    static final java.time.Duration STALE_AFTER = java.time.Duration.ofMinutes(10);

    private static String temporaryPrefix(Path target) {
        return target.getFileName().toString() + ".dplora-partial.";
    }

    /**
     * Deletes what a killed save of the same checkpoint left behind: files named
     * {@code <checkpoint name>.dplora-partial.<random>.tmp} (only this class creates such names) that have not been
     * modified for {@link #STALE_AFTER}, so a save running at the same time is never disturbed. Nothing else is
     * touched.
     */
    static void removeStaleTemporaries(Path dir, Path target) {
        if (dir == null || !Files.isDirectory(dir)) {
            return;
        }
        String prefix = temporaryPrefix(target);
        long now = System.currentTimeMillis();
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                if (!name.startsWith(prefix) || !name.endsWith(TEMPORARY_SUFFIX) || !Files.isRegularFile(p)) {
                    continue;
                }
                try {
                    if (now - Files.getLastModifiedTime(p).toMillis() > STALE_AFTER.toMillis()) {
                        Files.deleteIfExists(p);
                    }
                } catch (IOException e) {
                    // leave it: a file we cannot inspect or delete is not ours to force
                }
            }
        } catch (IOException e) {
            // listing failed: nothing is removed, the save itself proceeds
        }
    }

    private static String modelType(Model net) {
        if (net instanceof ComputationGraph) {
            return "ComputationGraph";
        }
        if (net instanceof MultiLayerNetwork) {
            return "MultiLayerNetwork";
        }
        throw new IllegalArgumentException("unsupported model type " + net.getClass().getName());
    }

    /**
     * @param file a model zip
     * @return whether it carries the DP checkpoint marker (or a ledger)
     */
    public static boolean isDPCheckpoint(File file) {
        List<String> objects;
        try {
            objects = ModelSerializer.listObjectsInFile(file);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + " cannot be read as a model zip (truncated or damaged?): "
                    + e.getMessage(), e);
        }
        return objects.contains(MARKER_KEY) || objects.contains(LEDGER_KEY);
    }

    /**
     * Reads the ledger of a DP checkpoint.
     *
     * @param file the checkpoint
     * @return its ledger
     * @throws IllegalArgumentException if the file is not a DP checkpoint
     * @throws IllegalStateException    if it is one but its ledger is missing or unreadable
     */
    public static PrivacyLedger readLedger(File file) {
        if (file == null || !file.isFile()) {
            throw new IllegalArgumentException("checkpoint file not found: " + file);
        }
        List<String> objects;
        try {
            objects = ModelSerializer.listObjectsInFile(file);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + " cannot be read as a model zip (truncated or damaged?): "
                    + e.getMessage(), e);
        }
        if (!objects.contains(MARKER_KEY) && !objects.contains(LEDGER_KEY)) {
            throw new IllegalArgumentException(file + " is not a DP checkpoint (no '" + MARKER_KEY + "' entry): it "
                    + "was not saved with DPCheckpoint, so no spent privacy budget can be continued from it");
        }
        if (!objects.contains(LEDGER_KEY)) {
            throw new IllegalStateException("DP checkpoint " + file + " has no privacy ledger ('" + LEDGER_KEY
                    + "' missing): the privacy already spent by this model is unknown, so it cannot be resumed "
                    + "(treating it as epsilon 0 would be false)");
        }
        Object o;
        try {
            o = ModelSerializer.getObjectFromFile(file, LEDGER_KEY);
        } catch (RuntimeException e) {
            throw new IllegalStateException("DP checkpoint " + file + ": the privacy ledger cannot be read", e);
        }
        if (!(o instanceof String)) {
            throw new IllegalStateException("DP checkpoint " + file + ": the privacy ledger entry is not JSON text ("
                    + (o == null ? "null" : o.getClass().getName()) + ")");
        }
        try {
            return PrivacyLedger.fromJson((String) o);
        } catch (RuntimeException e) {
            throw new IllegalStateException("DP checkpoint " + file + ": the privacy ledger is unreadable: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Restores a ComputationGraph (with optimiser state) and its ledger. The ledger is read first: a broken DP
     * checkpoint fails before any model is built.
     *
     * @param file the checkpoint
     * @return network and ledger
     * @throws IOException if the model cannot be read
     */
    public static Restored<ComputationGraph> restoreComputationGraph(File file) throws IOException {
        PrivacyLedger ledger = readLedger(file);
        try {
            return new Restored<>(ModelSerializer.restoreComputationGraph(file, true), ledger);
        } catch (IOException | RuntimeException e) {
            throw new IOException("DP checkpoint " + file + ": the model cannot be read (" + e + ")", e);
        }
    }

    /**
     * Restores a MultiLayerNetwork (with optimiser state) and its ledger.
     *
     * @param file the checkpoint
     * @return network and ledger
     * @throws IOException if the model cannot be read
     */
    public static Restored<MultiLayerNetwork> restoreMultiLayerNetwork(File file) throws IOException {
        PrivacyLedger ledger = readLedger(file);
        try {
            return new Restored<>(ModelSerializer.restoreMultiLayerNetwork(file, true), ledger);
        } catch (IOException | RuntimeException e) {
            throw new IOException("DP checkpoint " + file + ": the model cannot be read (" + e + ")", e);
        }
    }
}
