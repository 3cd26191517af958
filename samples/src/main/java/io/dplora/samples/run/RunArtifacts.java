package io.dplora.samples.run;

import io.dplora.layers.LoRA;
import io.dplora.samples.results.AtomicFiles;
import io.dplora.samples.results.Json;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The files a {@code train} run leaves in its output folder:
 * <ul>
 *   <li>{@value #MERGED}: the deployable model, adapters folded into plain dense layers ({@code LoRA.merge});</li>
 *   <li>{@value #ADAPTER}: only what fine-tuning produced (A, B, the head) with a checksum of its base
 *       ({@code LoRA.saveAdapter});</li>
 *   <li>{@value #LEDGER}: the privacy ledger (every accounted DP step), DP runs only;</li>
 *   <li>{@value #RESULT}: the run's {@link RunResult}.</li>
 * </ul>
 * The folder is written under a temporary name and renamed into place, replacing an older run's folder only once
 * the new one is complete.
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

    /**
     * @param folder the output folder (created or replaced)
     * @param net    the fine-tuned LoRA network
     * @param ledger writes the ledger, or null without DP
     * @param result the run's result
     */
    public static void save(Path folder, ComputationGraph net, LedgerWriter ledger, RunResult result)
            throws IOException {
        Path target = folder.toAbsolutePath().normalize();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".new.");
        Path old = null;
        try {
            ModelSerializer.writeModel(LoRA.merge(net), tmp.resolve(MERGED).toFile(), false);
            LoRA.saveAdapter(net, tmp.resolve(ADAPTER).toFile());
            if (ledger != null) {
                ledger.write(tmp.resolve(LEDGER));
            }
            Json.write(tmp.resolve(RESULT), result);
            AtomicFiles.readableByAll(tmp, true);
            if (Files.exists(target)) {
                old = Files.createTempDirectory(parent, "." + target.getFileName() + ".old.");
                Files.delete(old);
                Files.move(target, old);
            }
            Files.move(tmp, target);
        } finally {
            AtomicFiles.deleteTree(tmp);
            if (old != null) {
                AtomicFiles.deleteTree(old);
            }
        }
    }
}
