package io.dplora.samples.cli;

import io.dplora.samples.base.BaseModel;
import io.dplora.samples.base.BaseModelCache;
import io.dplora.samples.data.DataFileException;
import io.dplora.samples.data.DataLocations;
import io.dplora.samples.task.Task;
import io.dplora.samples.task.TaskData;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where a command finds its data (fetched with {@code scripts/fetch-data.sh} when missing) and its cached base models.
 */
final class Workspace {

    /** System property naming the repository root (set by the {@code dplora} launcher). */
    static final String HOME_PROPERTY = "dplora.home";

    private final DataLocations data;
    private final BaseModelCache cache;

    private Workspace(DataLocations data, BaseModelCache cache) {
        this.data = data;
        this.cache = cache;
    }

    static Workspace of(Path dataDir, Path cacheDir) {
        DataLocations d = dataDir == null ? DataLocations.defaults() : DataLocations.at(dataDir);
        return new Workspace(d, new BaseModelCache(cacheDir != null ? cacheDir : d.root().resolve("bases")));
    }

    DataLocations data() {
        return data;
    }

    BaseModelCache cache() {
        return cache;
    }

    /** Fetches the task's data set with the repository's fetch script when its files are not there, then loads it. */
    TaskData load(Task task, PrintStream out) throws IOException, InterruptedException {
        if (!task.dataPresent(data)) {
            fetch(task.dataSet(), out);
        }
        return task.load(data);
    }

    /** @return the task's pretrained base (from the cache, or pretrained now on the public split and cached). */
    BaseModel base(Task task, TaskData taskData, PrintStream out) {
        return cache.getOrPretrain(task, taskData, task.pretraining(), out);
    }

    private void fetch(String dataSet, PrintStream out) throws IOException, InterruptedException {
        String home = System.getProperty(HOME_PROPERTY);
        Path script = home == null ? null : Path.of(home, "scripts", "fetch-data.sh");
        if (script == null || !Files.isRegularFile(script)) {
            throw new DataFileException(data.root(), "data set '" + dataSet + "' is missing and the fetch script "
                    + "was not found (" + HOME_PROPERTY + " = " + home + ")");
        }
        out.println("dplora: data set '" + dataSet + "' not found under " + data.root() + "; fetching it with "
                + script);
        out.flush();
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), dataSet).inheritIO();
        Map<String, String> env = pb.environment();
        env.put(DataLocations.ENV_VARIABLE, data.root().toString());
        int code = pb.start().waitFor();
        if (code != 0) {
            throw new DataFileException(data.root(), "fetching data set '" + dataSet + "' with " + script
                    + " failed (exit code " + code + ")");
        }
    }
}
