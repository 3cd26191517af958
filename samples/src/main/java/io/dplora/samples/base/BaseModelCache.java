package io.dplora.samples.base;

import io.dplora.samples.results.AtomicFiles;
import io.dplora.samples.results.Json;
import io.dplora.samples.task.PretrainSettings;
import io.dplora.samples.task.Task;
import io.dplora.samples.task.TaskData;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Pretrained base models on disk, one folder per distinct setting: {@code <root>/<task>-<key>/} holding
 * {@code model.zip} (DL4J ModelSerializer) and {@code base.json} ({@link BaseInfo}). The key is a SHA-256 prefix of
 * the task, its architecture version, the public-data fingerprint (e.g. the vocabulary) and the pretraining settings,
 * so a change to any of them pretrains a new base instead of reusing a stale one. Folders are written atomically
 * (temporary folder, then one rename), so a crashed pretraining never leaves a half-written base behind.
 */
public final class BaseModelCache {

    private static final Logger log = LoggerFactory.getLogger(BaseModelCache.class);
    static final String MODEL_FILE = "model.zip";
    static final String INFO_FILE = "base.json";

    private final Path root;

    /** @param root the cache folder, e.g. {@code ~/.cache/dplora/bases} */
    public BaseModelCache(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** @return the cache key of a base: 16 hex digits of a SHA-256 over everything it depends on. */
    public static String key(Task task, TaskData data, PretrainSettings settings) {
        String s = "task=" + task.name() + "\narchitecture=" + task.architecture() + "\ndata=" + data.fingerprint()
                + "\nclasses=" + data.labelNames() + "\nsettings=" + settings;
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** @return the folder of a base. */
    public Path folder(Task task, String key) {
        return root.resolve(task.name() + "-" + key);
    }

    /**
     * Returns the cached base for these settings, pretraining and storing it first when there is none.
     *
     * @param out where pretraining reports its epochs
     */
    public BaseModel getOrPretrain(Task task, TaskData data, PretrainSettings settings, PrintStream out) {
        String key = key(task, data, settings);
        Path folder = folder(task, key);
        try {
            if (Files.isRegularFile(folder.resolve(MODEL_FILE)) && Files.isRegularFile(folder.resolve(INFO_FILE))) {
                try {
                    BaseInfo info = Json.read(folder.resolve(INFO_FILE), BaseInfo.class);
                    ComputationGraph net = ModelSerializer.restoreComputationGraph(
                            folder.resolve(MODEL_FILE).toFile(), false);
                    log.info("loaded cached base {} (public test accuracy {})", folder, info.publicTestAccuracy());
                    return new BaseModel(net, info, folder, true);
                } catch (IOException | RuntimeException damaged) {
                    // the folder is this cache's own (written atomically by this class): keep it aside for
                    // inspection and pretrain again instead of blocking every run
                    Path aside = folder.resolveSibling(folder.getFileName() + ".damaged-" + System.currentTimeMillis());
                    Files.move(folder, aside);
                    out.printf("the cached base %s could not be read (%s); moved it to %s and pretraining it "
                            + "again%n", folder, damaged, aside);
                }
            }
            out.printf("pretraining the %s base on the public split (cached afterwards in %s)%n", task.name(),
                    folder);
            Pretrainer.Trained t = new Pretrainer(out).pretrain(task, data, settings);
            BaseInfo info = new BaseInfo(task.name(), task.architecture(), data.fingerprint(), settings, key,
                    t.publicTestAccuracy(), t.seconds());
            AtomicFiles.writeFolder(folder, tmp -> {
                ModelSerializer.writeModel(t.network(), tmp.resolve(MODEL_FILE).toFile(), false);
                Json.write(tmp.resolve(INFO_FILE), info);
            });
            return new BaseModel(t.network(), info, folder, false);
        } catch (IOException e) {
            throw new UncheckedIOException("base model cache " + folder + ": " + e.getMessage(), e);
        }
    }
}
