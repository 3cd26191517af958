package io.dplora.samples.base;

import io.dplora.samples.cli.TestFolders;
import io.dplora.samples.data.DataLocations;
import io.dplora.samples.task.FashionTask;
import io.dplora.samples.task.PretrainSettings;
import io.dplora.samples.task.TaskData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10 item 11: a damaged cached base (a truncated model.zip) blocked every run with a bare ZipException. Now it
 * is moved aside (kept, renamed), the user is told, and the base is pretrained again (real Fashion-MNIST, 1 epoch).
 */
class BaseModelCacheTest {

    @TempDir
    Path tmp;

    @Test
    void aDamagedCachedBaseIsKeptAsideAndPretrainedAgain() throws IOException {
        FashionTask task = new FashionTask();
        TaskData data = task.load(DataLocations.at(TestFolders.data()));
        PretrainSettings settings = new PretrainSettings(1, 512, 1e-3, 5);
        BaseModelCache cache = new BaseModelCache(tmp);
        Path folder = cache.folder(task, BaseModelCache.key(task, data, settings));
        Files.createDirectories(folder);
        Files.write(folder.resolve(BaseModelCache.MODEL_FILE), new byte[] {'P', 'K', 3, 4, 0, 0});
        Files.writeString(folder.resolve(BaseModelCache.INFO_FILE), "{}");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        BaseModel base = cache.getOrPretrain(task, data, settings, new PrintStream(log, true, StandardCharsets.UTF_8));
        String said = log.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("could not be read") && said.contains("pretraining it again"), said);
        assertFalse(base.fromCache());
        assertTrue(Files.isRegularFile(folder.resolve(BaseModelCache.MODEL_FILE)));
        try (Stream<Path> s = Files.list(tmp)) {
            Path aside = s.filter(p -> p.getFileName().toString().contains(".damaged-")).findFirst().orElseThrow();
            assertEquals(6, Files.size(aside.resolve(BaseModelCache.MODEL_FILE)), "the damaged file is kept");
        }
        assertTrue(cache.getOrPretrain(task, data, settings, new PrintStream(log, true, StandardCharsets.UTF_8))
                .fromCache(), "the new base is read back");
    }
}
