package io.dplora.samples.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A data file is missing, truncated or malformed. The message names the file, what is wrong with it, and the fix
 * ({@value #FIX}). Loaders throw this instead of returning a smaller or empty data set, so that a broken download
 * can never silently change the training data (and with it the N of a privacy guarantee).
 */
public class DataFileException extends RuntimeException {

    /** The fix every message ends with. */
    public static final String FIX = "run scripts/fetch-data.sh (it downloads, checks and unpacks the data into "
            + "${DPLORA_DATA:-~/.cache/dplora} and re-verifies the checksums of data already there, fetching a "
            + "damaged set again; scripts/fetch-data.sh --force fetches again in any case; set DPLORA_DATA or pass "
            + "the data folder if it lives elsewhere)";

    private final Path file;

    /**
     * @param file    the file or folder at fault
     * @param problem what is wrong, e.g. "missing" or "wrong IDX magic number 0x00000802, expected 0x00000803"
     */
    public DataFileException(Path file, String problem) {
        this(file, problem, null);
    }

    /**
     * @param file    the file or folder at fault
     * @param problem what is wrong
     * @param cause   the underlying exception, if any
     */
    public DataFileException(Path file, String problem, Throwable cause) {
        super(problem + ": " + Objects.requireNonNull(file, "file") + ". Fix: " + FIX, cause);
        this.file = file;
    }

    /** @return the file or folder at fault. */
    public Path file() {
        return file;
    }
}
