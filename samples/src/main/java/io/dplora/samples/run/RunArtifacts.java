package io.dplora.samples.run;

import io.dplora.layers.LoRA;
import io.dplora.samples.results.AtomicFiles;
import io.dplora.samples.results.Json;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The files a {@code train} run leaves in its output folder:
 * <ul>
 *   <li>{@value #MERGED}: the deployable model, adapters folded into plain dense layers ({@code LoRA.merge});</li>
 *   <li>{@value #ADAPTER}: only what fine-tuning produced (A, B, the head) with a checksum of its base
 *       ({@code LoRA.saveAdapter});</li>
 *   <li>{@value #LEDGER}: the privacy ledger (every accounted DP step), DP runs only;</li>
 *   <li>{@value #RESULT}: the run's {@link RunResult};</li>
 *   <li>{@value RunFolder#MARKER}: the marker that makes the folder this program's ({@link RunFolder}).</li>
 * </ul>
 * The files are written into the {@link RunFolder}'s staging folder, which then replaces the previous run; if that
 * fails, the finished run is written to a recovery folder instead and the error says where.
 */
public final class RunArtifacts {

    public static final String MERGED = "merged-model.zip";
    public static final String ADAPTER = "adapter.zip";
    public static final String LEDGER = "ledger.json";
    public static final String RESULT = "result.json";

    private RunArtifacts() {
    }

    /** Writes what the ledger writer (DP runs) needs to the folder. */
    @FunctionalInterface
    public interface LedgerWriter {
        void write(Path file) throws IOException;
    }

    /** Writes a run's files into a folder. */
    @FunctionalInterface
    public interface FolderWriter {
        void write(Path folder) throws IOException;
    }

    /**
     * @param net    the fine-tuned LoRA network
     * @param ledger writes the ledger, or null without DP
     * @param result the run's result
     * @return the writer of a run's files
     */
    public static FolderWriter files(ComputationGraph net, LedgerWriter ledger, RunResult result) {
        return dir -> {
            ModelSerializer.writeModel(LoRA.merge(net), dir.resolve(MERGED).toFile(), false);
            LoRA.saveAdapter(net, dir.resolve(ADAPTER).toFile());
            if (ledger != null) {
                ledger.write(dir.resolve(LEDGER));
            }
            Json.write(dir.resolve(RESULT), result);
        };
    }

    /**
     * Saves a finished run into its folder; on failure saves it to a {@link RunFolder#recoveryFolder} instead.
     *
     * @param folder  the run's prepared output folder
     * @param runName the run's name (for the recovery folder)
     * @param files   writes the run's files
     * @throws IOException naming the recovery folder that holds the run, or both failures if that failed too
     */
    public static void save(RunFolder folder, String runName, FolderWriter files) throws IOException {
        try {
            files.write(folder.staging());
            AtomicFiles.readableByAll(folder.staging(), true);
            folder.commit();
        } catch (IOException | RuntimeException e) {
            Path recovery;
            try {
                recovery = RunFolder.recoveryFolder(runName);
                files.write(recovery);
            } catch (IOException | RuntimeException again) {
                again.addSuppressed(e);
                throw new IOException("the finished run could not be saved to " + folder.target() + " (" + e
                        + ") nor to a recovery folder (" + again + ")", again);
            }
            throw new IOException("the finished run could not be saved to " + folder.target() + " (" + e + "); it "
                    + "was saved to " + recovery + " instead (model, adapter, ledger, result)", e);
        }
    }
}
