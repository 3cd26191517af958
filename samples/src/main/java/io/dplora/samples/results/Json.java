package io.dplora.samples.results;

import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.DeserializationFeature;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** JSON through the Jackson copy shaded inside ND4J (no extra dependency). */
public final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);

    private Json() {
    }

    /** @return the shared mapper. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** @return {@code value} as one line of JSON. */
    public static String line(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code value} as indented JSON, atomically. */
    public static void write(Path file, Object value) throws IOException {
        AtomicFiles.writeFile(file, tmp -> MAPPER.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), value));
    }

    /** Reads a JSON file as {@code type}. */
    public static <T> T read(Path file, Class<T> type) throws IOException {
        return MAPPER.readValue(file.toFile(), type);
    }
}
