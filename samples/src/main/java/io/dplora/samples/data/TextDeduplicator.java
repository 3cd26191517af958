package io.dplora.samples.data;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Removes repeated texts, first occurrence wins: texts are offered in a fixed order and a text is kept only if no
 * earlier offered text has the same key. The key is the SHA-256 of the text with every run of ASCII white space
 * ({@code \s}: space, tab, line breaks, form feed, vertical tab) replaced by one space and leading/trailing white
 * space removed; case and everything else count.
 *
 * <p>Privacy meaning: a record that occurs twice would count twice in a DP step (group privacy of size 2); a text
 * that occurs in both the public and the private part would make "private" data public. Deduplicating the whole
 * corpus before any split prevents both.
 */
final class TextDeduplicator {

    private static final Pattern WHITE_SPACE = Pattern.compile("\\s+");

    /** Who was kept first under a key. */
    private record First(String id, String group, int label) {
    }

    private final Map<String, First> seen = new HashMap<>();
    private int crossGroup;
    private int conflictingLabels;

    /**
     * @return true if {@code t} is new (keep it); false if an equal text was offered before (drop it)
     */
    boolean offer(LabeledText t) {
        First first = seen.putIfAbsent(key(t.text()), new First(t.id(), t.group(), t.label()));
        if (first == null) {
            return true;
        }
        if (!first.group().equals(t.group())) {
            crossGroup++;
        }
        if (first.label() != t.label()) {
            conflictingLabels++;
        }
        return false;
    }

    /** @return duplicates dropped whose kept copy is in another group. */
    int crossGroupDuplicates() {
        return crossGroup;
    }

    /** @return duplicates dropped whose kept copy has another label. */
    int conflictingLabels() {
        return conflictingLabels;
    }

    /** The dedupe key of a text (hex SHA-256 of its white-space-normalised form). */
    static String key(String text) {
        String normalised = WHITE_SPACE.matcher(text).replaceAll(" ").strip();
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(normalised.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required on every Java platform", e);
        }
    }
}
