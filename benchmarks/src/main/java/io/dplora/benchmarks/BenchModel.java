package io.dplora.benchmarks;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import io.dplora.layers.LoRA;
import io.dplora.transformers.BertGraph;
import io.dplora.transformers.BertTargets;
import io.dplora.transformers.MiniLM;
import io.dplora.layers.LoRAMode;
import io.dplora.layers.LoRASpec;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToRnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.RnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The two networks every benchmark runs, built the way a user builds them: a "pretrained" base network of stock DL4J
 * layers (random weights stand in for pretraining; timing does not depend on their values), converted with
 * {@link LoRA#apply} (targets get rank-8 adapters with alpha 16, the head becomes the DP-capable head, everything else
 * is frozen), Adam(1e-3), FLOAT.
 * <ul>
 *   <li>{@link #MLP}: the 2D model of dl4j-internals &sect;6, {@code in(784) -> dense1(512, relu) -> dense2(512, relu)
 *       -> out(10, softmax, MCXENT)}; LoRA on dense1 and dense2; data: uniform [0,1) "pixels", random one-hot
 *       labels.</li>
 *   <li>{@link #SEQUENCE}: a text classifier on sequences of T = {@value #SEQ_T} tokens, {@code tokens -> emb
 *       (EmbeddingSequenceLayer 10000 x 128, frozen) -> dense1(128, relu) -> dense2(128, relu) -> masked average
 *       pooling -> out(2, softmax)}; the dense layers act on every time step (3D input, natively after
 *       {@code LoRA.apply}); LoRA on dense1 and dense2; data: random token ids, variable lengths uniform in
 *       [{@value #SEQ_MIN_LENGTH}, T] with feature masks, random one-hot labels.</li>
 * </ul>
 */
public enum BenchModel {

    MLP {
        @Override
        List<GemmFloor.Gemm> essentialGemms(int batch) {
            List<GemmFloor.Gemm> g = new ArrayList<>(GemmFloor.loraDense("dense1", batch, 784, 512, RANK, false));
            g.addAll(GemmFloor.loraDense("dense2", batch, 512, 512, RANK, true));
            g.addAll(GemmFloor.head("out", batch, 512, 10));
            return g;
        }

        @Override
        ComputationGraph pretrained(long seed) {
            ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(seed)
                    .dataType(DataType.FLOAT).updater(new Adam(1e-3)).weightInit(WeightInit.RELU).graphBuilder()
                    .addInputs("in")
                    .addLayer("dense1", new DenseLayer.Builder().nIn(784).nOut(512).activation(Activation.RELU)
                            .build(), "in")
                    .addLayer("dense2", new DenseLayer.Builder().nIn(512).nOut(512).activation(Activation.RELU)
                            .build(), "dense1")
                    .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(512).nOut(10)
                            .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "dense2")
                    .setOutputs("out")
                    .build());
            net.init();
            return net;
        }

        @Override
        public DataSet data(int examples, long seed) {
            Nd4j.getRandom().setSeed(seed);
            INDArray x = Nd4j.rand(DataType.FLOAT, examples, 784);
            return new DataSet(x, oneHot(examples, 10, new Random(seed + 1)));
        }

        @Override
        public String description() {
            return "MLP 784-512-512-10, LoRA r=8 on both hidden layers, DP softmax head";
        }
    },

    SEQUENCE {
        /** Every time step's row goes through the dense layers (masked steps too, as in any dense kernel). */
        @Override
        List<GemmFloor.Gemm> essentialGemms(int batch) {
            long rows = (long) batch * SEQ_T;
            List<GemmFloor.Gemm> g = new ArrayList<>(GemmFloor.loraDense("dense1", rows, SEQ_DIM, SEQ_DIM, RANK,
                    false));
            g.addAll(GemmFloor.loraDense("dense2", rows, SEQ_DIM, SEQ_DIM, RANK, true));
            g.addAll(GemmFloor.head("out", batch, SEQ_DIM, 2));
            return g;
        }

        @Override
        ComputationGraph pretrained(long seed) {
            // a pretrained text model of stock layers: the dense layers see the time steps as rows (DL4J's
            // RnnToFeedForward preprocessor) and pooling gets the sequence back; LoRA.apply makes them native 3D
            ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(seed)
                    .dataType(DataType.FLOAT).updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER).graphBuilder()
                    .addInputs("tokens")
                    .addLayer("emb", new EmbeddingSequenceLayer.Builder().nIn(SEQ_VOCAB).nOut(SEQ_DIM).build(),
                            "tokens")
                    .addLayer("dense1", new DenseLayer.Builder().nIn(SEQ_DIM).nOut(SEQ_DIM)
                            .activation(Activation.RELU).build(), "emb")
                    .inputPreProcessor("dense1", new RnnToFeedForwardPreProcessor())
                    .addLayer("dense2", new DenseLayer.Builder().nIn(SEQ_DIM).nOut(SEQ_DIM)
                            .activation(Activation.RELU).build(), "dense1")
                    .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "dense2")
                    .inputPreProcessor("pool", new FeedForwardToRnnPreProcessor())
                    .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(SEQ_DIM).nOut(2)
                            .activation(Activation.SOFTMAX).build(), "pool")
                    .setOutputs("out")
                    .build());
            net.init();
            return net;
        }

        @Override
        public DataSet data(int examples, long seed) {
            Random r = new Random(seed);
            float[][] tokens = new float[examples][SEQ_T];
            float[][] mask = new float[examples][SEQ_T];
            for (int i = 0; i < examples; i++) {
                int len = SEQ_MIN_LENGTH + r.nextInt(SEQ_T - SEQ_MIN_LENGTH + 1);
                for (int t = 0; t < len; t++) {
                    tokens[i][t] = 1 + r.nextInt(SEQ_VOCAB - 1);
                    mask[i][t] = 1f;
                }
            }
            return new DataSet(Nd4j.createFromArray(tokens), oneHot(examples, 2, r), Nd4j.createFromArray(mask),
                    null);
        }

        @Override
        public String description() {
            return "sequence classifier, T=" + SEQ_T + " (lengths " + SEQ_MIN_LENGTH + ".." + SEQ_T
                    + ", masked): frozen embedding " + SEQ_VOCAB + "x" + SEQ_DIM + " -> LoRA r=8 dense " + SEQ_DIM
                    + " x2 on 3D -> masked avg pooling -> DP softmax head (2)";
        }
    },

    CNN {
        @Override
        ComputationGraph pretrained(long seed) {
            ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(seed)
                    .dataType(DataType.FLOAT).updater(new Adam(1e-3)).weightInit(WeightInit.RELU).graphBuilder()
                    .addInputs("pixels")
                    .addLayer("conv1", new ConvolutionLayer.Builder(5, 5).nOut(8).activation(Activation.RELU).build(),
                            "pixels")
                    .addLayer("pool1", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                            .kernelSize(2, 2).stride(2, 2).build(), "conv1")
                    .addLayer("conv2", new ConvolutionLayer.Builder(5, 5).nOut(16).activation(Activation.RELU)
                            .build(), "pool1")
                    .addLayer("pool2", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                            .kernelSize(2, 2).stride(2, 2).build(), "conv2")
                    .addLayer("dense1", new DenseLayer.Builder().nOut(64).activation(Activation.RELU).build(), "pool2")
                    .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                            .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "dense1")
                    .setOutputs("out")
                    .setInputTypes(InputType.convolutionalFlat(28, 28, 1))
                    .build());
            net.init();
            return net;
        }

        @Override
        public DataSet data(int examples, long seed) {
            return MLP.data(examples, seed);
        }

        @Override
        public String description() {
            return "LeNet-like CNN 28x28: conv 5x5x8 -> pool -> conv 5x5x16 -> pool -> dense 64 -> 10, LoRA r=8 on "
                    + "both convolutions (LoRAConvolutionLayer) and the dense layer, DP softmax head";
        }

        @Override
        public ComputationGraph loraNetwork(long seed) {
            return LoRA.apply(pretrained(seed), LoRASpec.builder().targets("conv1", "conv2", "dense1").rank(RANK)
                    .alpha(ALPHA).mode(LoRAMode.VANILLA).trainable("out").build());
        }
    },

    MINILM {
        @Override
        ComputationGraph pretrained(long seed) {
            try {
                // the real pretrained encoder (the seed only matters for the classifier's initialisation)
                return BertGraph.withClassifier(MiniLM.encoder(), MiniLM.config(), 2, new Adam(1e-3));
            } catch (IOException e) {
                throw new UncheckedIOException("all-MiniLM-L6-v2 could not be loaded: " + e.getMessage(), e);
            }
        }

        @Override
        public DataSet data(int examples, long seed) {
            Random r = new Random(seed);
            float[][] ids = new float[examples][MINILM_T];
            float[][] mask = new float[examples][MINILM_T];
            int vocab = MiniLM.config().vocabSize();
            for (int i = 0; i < examples; i++) {
                ids[i][0] = MINILM_CLS;
                for (int t = 1; t < MINILM_T; t++) {
                    ids[i][t] = MINILM_FIRST_WORD_ID + r.nextInt(vocab - MINILM_FIRST_WORD_ID);
                }
                ids[i][MINILM_T - 1] = MINILM_SEP;
                java.util.Arrays.fill(mask[i], 1f);
            }
            return new DataSet(Nd4j.createFromArray(ids), oneHot(examples, 2, r), Nd4j.createFromArray(mask), null);
        }

        @Override
        public String description() {
            return "all-MiniLM-L6-v2 (6 layers, hidden 384, 22.6 M frozen parameters), T=" + MINILM_T
                    + " (every sequence full, like 90% of IMDb reviews), LoRA r=8 on query and value of every "
                    + "layer, masked mean pooling, DP softmax head (2)";
        }

        @Override
        public ComputationGraph loraNetwork(long seed) {
            return LoRA.apply(pretrained(seed), LoRASpec.builder().targets(BertTargets.of())
                    .rank(RANK).alpha(ALPHA).mode(LoRAMode.VANILLA).trainable(BertGraph.CLASSIFIER).updater(new Adam(1e-3))
                    .build());
        }
    };

    /** Sequence length of the MiniLM benchmark (issue 11: T = 128). */
    public static final int MINILM_T = 128;
    static final int MINILM_CLS = 101;
    static final int MINILM_SEP = 102;
    /** Ids below this are [PAD], [unusedN] and special tokens; random "words" are drawn above it. */
    static final int MINILM_FIRST_WORD_ID = 1000;

    /** Time steps of the sequence model. */
    public static final int SEQ_T = 64;
    /** Shortest sequence of the sequence model's data. */
    public static final int SEQ_MIN_LENGTH = 8;
    static final int SEQ_VOCAB = 10000;
    static final int SEQ_DIM = 128;
    /** LoRA rank of every adapter. */
    public static final int RANK = 8;
    /** LoRA alpha of every adapter (scale alpha/r = 2). */
    public static final double ALPHA = 16;

    /** @return the base network of stock DL4J layers, initialised */
    abstract ComputationGraph pretrained(long seed);

    /**
     * @param batch examples per step
     * @return the products of the non-private LoRA step's {@link GemmFloor}, or an empty list where it is not
     *         modelled (cnn, minilm)
     */
    List<GemmFloor.Gemm> essentialGemms(int batch) {
        return List.of();
    }

    /**
     * @param examples number of examples
     * @param seed     data seed
     * @return the benchmark data: features, one-hot labels and (sequence model) feature masks
     */
    public abstract DataSet data(int examples, long seed);

    /** @return a one-line description for reports */
    public abstract String description();

    /** @return a new LoRA network of this model (the same weights for the same seed) */
    public ComputationGraph loraNetwork(long seed) {
        return LoRA.apply(pretrained(seed), LoRASpec.builder().targets("dense1", "dense2").rank(RANK).alpha(ALPHA)
                .mode(LoRAMode.VANILLA).trainable("out").build());
    }

    /** @return the lower-case name used on the command line and in JSON keys */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the model named {@code key} (case-insensitive: mlp, sequence or seq) */
    public static BenchModel of(String key) {
        String k = key.trim().toUpperCase(Locale.ROOT);
        if (k.equals("SEQ")) {
            return SEQUENCE;
        }
        try {
            return valueOf(k);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown model '" + key + "': use mlp, sequence, cnn or minilm");
        }
    }

    private static INDArray oneHot(int examples, int classes, Random r) {
        float[][] y = new float[examples][classes];
        for (int i = 0; i < examples; i++) {
            y[i][r.nextInt(classes)] = 1f;
        }
        return Nd4j.createFromArray(y);
    }
}
