package io.dplora.benchmarks;

import org.nd4j.shade.jackson.core.JsonGenerator;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.core.type.TypeReference;
import org.nd4j.shade.jackson.databind.DeserializationFeature;
import org.nd4j.shade.jackson.databind.JsonSerializer;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializerProvider;
import org.nd4j.shade.jackson.databind.module.SimpleModule;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Map;

/**
 * JSON of the benchmark report through the Jackson copy shaded inside ND4J (no extra dependency): values are
 * {@link Map} (objects, key order kept), {@link java.util.List} (arrays), {@link Number}, {@link String},
 * {@link Boolean} and null. Two report conventions on top of plain Jackson: non-integral doubles are written with 6
 * significant digits (benchmark figures are not more precise than that; integral ones, such as byte counts, exactly),
 * and non-finite doubles as {@code null} (JSON has no NaN or Infinity). Integral numbers are read back as {@link Long}, others as {@link Double}.
 */
public final class Json {

    private static final MathContext SIGNIFICANT = new MathContext(6);

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            .registerModule(new SimpleModule("benchmark-doubles")
                    .addSerializer(Double.class, new SignificantDigits<>())
                    .addSerializer(Float.class, new SignificantDigits<>()));

    private Json() {
    }

    /** @return the compact one-line JSON text of {@code value} */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Parses one JSON value.
     *
     * @throws IllegalArgumentException on malformed input, naming the position
     */
    public static Object parse(String text) {
        try {
            return MAPPER.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed JSON: " + e.getMessage(), e);
        }
    }

    /** Parses a JSON object. */
    public static Map<String, Object> parseObject(String text) {
        try {
            return MAPPER.readValue(text, new TypeReference<Map<String, Object>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("expected a JSON object: " + e.getMessage(), e);
        }
    }

    /** Writes a finite non-integral number rounded to 6 significant digits, a non-finite one as null. */
    private static final class SignificantDigits<T extends Number> extends JsonSerializer<T> {
        @Override
        public void serialize(T value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            double d = value.doubleValue();
            if (!Double.isFinite(d)) {
                gen.writeNull();
            } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                gen.writeNumber(d);
            } else {
                gen.writeNumber(new BigDecimal(d).round(SIGNIFICANT).stripTrailingZeros());
            }
        }
    }
}
