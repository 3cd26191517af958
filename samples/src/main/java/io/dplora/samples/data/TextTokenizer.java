package io.dplora.samples.data;

import org.deeplearning4j.text.tokenization.tokenizer.TokenPreProcess;
import org.deeplearning4j.text.tokenization.tokenizer.preprocessor.CommonPreprocessor;
import org.deeplearning4j.text.tokenization.tokenizerfactory.DefaultTokenizerFactory;
import org.deeplearning4j.text.tokenization.tokenizerfactory.TokenizerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Splits text into tokens with a deeplearning4j-nlp {@link TokenizerFactory} and its {@link TokenPreProcess}, and
 * drops tokens that the preprocessor empties (e.g. "1999" under {@link CommonPreprocessor}).
 *
 * <p>{@link #name()} identifies the configuration; a {@link Vocabulary} records it, and a {@link SequenceEncoder}
 * refuses a tokenizer whose name differs from its vocabulary's, so that ids always mean the same tokens.
 */
public final class TextTokenizer {

    private final TokenizerFactory factory;
    private final String name;

    /**
     * @param factory a configured factory (its preprocessor, if any, is applied to every token)
     * @param name    a name that identifies factory and preprocessor, stored with vocabularies
     */
    public TextTokenizer(TokenizerFactory factory, String name) {
        this.factory = Objects.requireNonNull(factory, "factory");
        this.name = Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.contains("\n")) {
            throw new IllegalArgumentException("tokenizer name must be one non-blank line: '" + name + "'");
        }
    }

    /**
     * The default: {@link DefaultTokenizerFactory} (splits at white space) with {@link CommonPreprocessor}
     * (lower case; removes the digits and {@code .:,"'()[]|/?!;}).
     */
    public static TextTokenizer defaults() {
        TokenizerFactory f = new DefaultTokenizerFactory();
        f.setTokenPreProcessor(new CommonPreprocessor());
        return new TextTokenizer(f, "DefaultTokenizerFactory+CommonPreprocessor");
    }

    /** @return the name stored with vocabularies. */
    public String name() {
        return name;
    }

    /** @return the non-empty tokens of {@code text}, in order. */
    public List<String> tokenize(String text) {
        List<String> raw = factory.create(text).getTokens();
        List<String> out = new ArrayList<>(raw.size());
        for (String t : raw) {
            if (t != null && !t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "TextTokenizer[" + name + "]";
    }
}
