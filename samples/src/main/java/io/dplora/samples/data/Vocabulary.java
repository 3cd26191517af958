package io.dplora.samples.data;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A token ↔ id mapping for embedding layers: id {@value #PAD_ID} = padding ({@value #PAD_TOKEN}), id
 * {@value #UNK_ID} = unknown ({@value #UNK_TOKEN}), ids 2.. = known tokens, most frequent first (ties by token in
 * {@link String#compareTo} order, so a build is deterministic). {@link #size()} is the embedding's nIn.
 *
 * <p><b>Privacy.</b> Build the vocabulary from PUBLIC training text only, and tokenise the private data with it.
 * A vocabulary is a release of its source text that no DP mechanism protects: a word that occurs in one private
 * record (a name, an address, a rare term) would become a vocabulary entry and an embedding row that exists because
 * of that one record, and a minimum frequency is no DP guarantee. With a public vocabulary such words map to
 * {@value #UNK_TOKEN}, and the only way private data influences the model is through the DP-SGD updates. Also build
 * it from the training split only, so test words do not leak into training.
 *
 * <p>File format ({@link #save}, {@link #load}): UTF-8 text; line 1 {@value #MAGIC}, line 2
 * {@code tokenizer=<name>}, line 3 {@code size=<V>}, then V lines, the token of id 0, 1, 2, ... Tokens contain no
 * line breaks (the tokenizers split at white space).
 */
public final class Vocabulary {

    public static final int PAD_ID = 0;
    public static final int UNK_ID = 1;
    public static final String PAD_TOKEN = "<pad>";
    public static final String UNK_TOKEN = "<unk>";
    /** First line of a vocabulary file. */
    public static final String MAGIC = "dl4j-dplora vocabulary v1";

    private final String tokenizerName;
    private final List<String> tokens;
    private final Map<String, Integer> ids;

    private Vocabulary(String tokenizerName, List<String> tokens) {
        this.tokenizerName = tokenizerName;
        this.tokens = List.copyOf(tokens);
        this.ids = new HashMap<>(tokens.size() * 2);
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (t.isEmpty() || t.indexOf('\n') >= 0 || t.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("invalid token at id " + i + ": '" + t + "'");
            }
            if (ids.put(t, i) != null) {
                throw new IllegalArgumentException("token '" + t + "' occurs twice (second at id " + i + ")");
            }
        }
        if (tokens.size() < 2 || !PAD_TOKEN.equals(tokens.get(PAD_ID)) || !UNK_TOKEN.equals(tokens.get(UNK_ID))) {
            throw new IllegalArgumentException("ids 0 and 1 must be " + PAD_TOKEN + " and " + UNK_TOKEN);
        }
    }

    /**
     * Builds a vocabulary from the tokens of {@code texts}.
     *
     * @param tokenizer    splits each text (its name is stored)
     * @param texts        the texts to count (PUBLIC TRAINING texts only: see the class comment)
     * @param minFrequency a token needs at least this many occurrences (≥ 1)
     * @param maxSize      the most ids in all, including pad and unknown (≥ 2); the most frequent tokens win
     */
    public static Vocabulary build(TextTokenizer tokenizer, List<LabeledText> texts, int minFrequency, int maxSize) {
        if (minFrequency < 1) {
            throw new IllegalArgumentException("minFrequency must be at least 1, got " + minFrequency);
        }
        if (maxSize < 2) {
            throw new IllegalArgumentException("maxSize must be at least 2 (pad and unknown), got " + maxSize);
        }
        Map<String, int[]> counts = new HashMap<>();
        for (LabeledText t : texts) {
            for (String tok : tokenizer.tokenize(t.text())) {
                if (!isReserved(tok)) {
                    counts.computeIfAbsent(tok, k -> new int[1])[0]++;
                }
            }
        }
        List<Map.Entry<String, int[]>> entries = new ArrayList<>();
        for (Map.Entry<String, int[]> e : counts.entrySet()) {
            if (e.getValue()[0] >= minFrequency) {
                entries.add(e);
            }
        }
        entries.sort((a, b) -> a.getValue()[0] != b.getValue()[0] ? Integer.compare(b.getValue()[0], a.getValue()[0])
                : a.getKey().compareTo(b.getKey()));
        List<String> tokens = new ArrayList<>(Math.min(maxSize, entries.size() + 2));
        tokens.add(PAD_TOKEN);
        tokens.add(UNK_TOKEN);
        for (int i = 0; i < entries.size() && tokens.size() < maxSize; i++) {
            tokens.add(entries.get(i).getKey());
        }
        return new Vocabulary(tokenizer.name(), tokens);
    }

    /** @return a vocabulary with the given ids (index = id); ids 0 and 1 must be the reserved tokens. */
    public static Vocabulary of(String tokenizerName, List<String> tokensById) {
        return new Vocabulary(Objects.requireNonNull(tokenizerName, "tokenizerName"), tokensById);
    }

    private static boolean isReserved(String token) {
        return PAD_TOKEN.equals(token) || UNK_TOKEN.equals(token);
    }

    /** @return the number of ids V (the embedding layer's nIn). */
    public int size() {
        return tokens.size();
    }

    /** @return the name of the tokenizer the vocabulary was built with. */
    public String tokenizerName() {
        return tokenizerName;
    }

    /** @return the id of {@code token}; {@value #UNK_ID} for unknown tokens and for the reserved token strings. */
    public int id(String token) {
        if (isReserved(token)) {
            return UNK_ID;
        }
        Integer id = ids.get(token);
        return id == null ? UNK_ID : id;
    }

    /** @return whether {@code token} has its own id. */
    public boolean contains(String token) {
        return !isReserved(token) && ids.containsKey(token);
    }

    /** @return the token of {@code id}. @throws IndexOutOfBoundsException outside [0, size()) */
    public String token(int id) {
        return tokens.get(id);
    }

    /** @return all tokens by id (unmodifiable). */
    public List<String> tokens() {
        return Collections.unmodifiableList(tokens);
    }

    /**
     * Writes the vocabulary (format in the class comment) to a temporary file beside {@code file} and moves it into
     * place, so a failed write never leaves a half-written vocabulary.
     */
    public void save(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                w.write(MAGIC + "\n" + "tokenizer=" + tokenizerName + "\n" + "size=" + tokens.size() + "\n");
                for (String t : tokens) {
                    w.write(t);
                    w.write('\n');
                }
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Reads a file written by {@link #save}.
     *
     * @throws IOException naming the file when it is missing or not a valid vocabulary file
     */
    public static Vocabulary load(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException("not a UTF-8 vocabulary file: " + file, e);
        }
        if (lines.size() < 3 || !MAGIC.equals(lines.get(0)) || !lines.get(1).startsWith("tokenizer=")
                || !lines.get(2).startsWith("size=")) {
            throw new IOException("not a vocabulary file (expected the lines '" + MAGIC
                    + "', 'tokenizer=...', 'size=...'): " + file);
        }
        int size;
        try {
            size = Integer.parseInt(lines.get(2).substring("size=".length()).strip());
        } catch (NumberFormatException e) {
            throw new IOException("bad size line '" + lines.get(2) + "' in vocabulary file " + file, e);
        }
        List<String> tokens = lines.subList(3, lines.size());
        if (tokens.size() != size) {
            throw new IOException("vocabulary file " + file + " declares " + size + " tokens but holds "
                    + tokens.size() + " (truncated?)");
        }
        try {
            return new Vocabulary(lines.get(1).substring("tokenizer=".length()), tokens);
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid vocabulary file " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Vocabulary v && v.tokenizerName.equals(tokenizerName) && v.tokens.equals(tokens);
    }

    @Override
    public int hashCode() {
        return 31 * tokenizerName.hashCode() + tokens.hashCode();
    }

    @Override
    public String toString() {
        return "Vocabulary[" + tokens.size() + " ids, tokenizer " + tokenizerName + "]";
    }
}
