package io.dplora.samples.task;

import io.dplora.samples.data.EncodedTexts;
import io.dplora.samples.data.LabeledText;
import io.dplora.samples.data.SequenceEncoder;
import io.dplora.samples.data.TextCorpus;
import io.dplora.samples.data.TextTokenizer;
import io.dplora.samples.data.Vocabulary;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A text corpus encoded with a vocabulary built from its PUBLIC training split only (so a word seen only in private
 * data maps to {@code <unk>} and reaches the model through DP-SGD alone).
 *
 * @param vocabulary  the public vocabulary
 * @param maxLength   T, tokens kept per text
 * @param publicTrain public training texts
 * @param publicTest  public test texts
 * @param privateTrain private training texts
 * @param privateTest private test texts
 */
record TextEncoding(Vocabulary vocabulary, int maxLength, EncodedTexts publicTrain, EncodedTexts publicTest,
                    EncodedTexts privateTrain, EncodedTexts privateTest) {

    static TextEncoding of(TextCorpus corpus, int minFrequency, int maxVocabulary, int maxLength) {
        TextTokenizer tok = TextTokenizer.defaults();
        Vocabulary v = Vocabulary.build(tok, corpus.publicSplit().train(), minFrequency, maxVocabulary);
        SequenceEncoder enc = new SequenceEncoder(tok, v, maxLength);
        int c = corpus.numClasses();
        String n = corpus.name();
        return new TextEncoding(v, maxLength,
                enc.encode(n + "/public/train", corpus.publicSplit().train(), c),
                enc.encode(n + "/public/test", corpus.publicSplit().test(), c),
                enc.encode(n + "/private/train", corpus.privateSplit().train(), c),
                enc.encode(n + "/private/test", corpus.privateSplit().test(), c));
    }

    /** @return the ids of every token of each text (no truncation to T), e.g. to learn word vectors. */
    List<int[]> untruncated(List<LabeledText> texts) {
        SequenceEncoder enc = new SequenceEncoder(TextTokenizer.defaults(), vocabulary, maxLength);
        List<int[]> out = new ArrayList<>(texts.size());
        for (LabeledText t : texts) {
            out.add(enc.encodeUntruncated(t.text()));
        }
        return out;
    }

    /** @return a fingerprint of the encoding: tokenizer, T and a SHA-256 of the vocabulary's tokens in id order. */
    String fingerprint() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String t : vocabulary.tokens()) {
                md.update(t.getBytes(StandardCharsets.UTF_8));
                md.update((byte) '\n');
            }
            return "tokenizer=" + vocabulary.tokenizerName() + ",V=" + vocabulary.size() + ",T=" + maxLength
                    + ",vocab-sha256=" + HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
