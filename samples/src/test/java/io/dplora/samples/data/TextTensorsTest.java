package io.dplora.samples.data;

import io.dplora.updater.IndexedDataSource;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tokenizer, vocabulary and the tensor sources on small hand-made texts. */
class TextTensorsTest {

    @TempDir
    Path tmp;

    private static final TextTokenizer TOK = TextTokenizer.defaults();

    private static LabeledText text(String s, int label) {
        return new LabeledText("t", "g", s, label);
    }

    // counts: the 4, cat 3, sat 2, mat 1, dog 1 ("1999" and "!!" are emptied by CommonPreprocessor)
    private static final List<LabeledText> TRAIN = List.of(
            text("The cat sat on the mat.", 0), text("THE cat, the CAT sat", 1), text("dog 1999 !!", 0));

    @Test
    void tokenizerLowerCasesStripsPunctuationAndDropsEmptiedTokens() {
        assertEquals(List.of("the", "cat", "sat", "on", "the", "mat"), TOK.tokenize("The cat sat on the mat."));
        assertEquals(List.of("dog"), TOK.tokenize("dog 1999 !!"));
        assertEquals(List.of(), TOK.tokenize("  42 ... "));
    }

    @Test
    void vocabularyOrdersByCountThenTokenAndAppliesMinFrequencyAndMaxSize() {
        Vocabulary all = Vocabulary.build(TOK, TRAIN, 1, 100);
        assertEquals(List.of("<pad>", "<unk>", "the", "cat", "sat", "dog", "mat", "on"), all.tokens());
        Vocabulary frequent = Vocabulary.build(TOK, TRAIN, 2, 100);
        assertEquals(List.of("<pad>", "<unk>", "the", "cat", "sat"), frequent.tokens());
        Vocabulary small = Vocabulary.build(TOK, TRAIN, 1, 4);
        assertEquals(List.of("<pad>", "<unk>", "the", "cat"), small.tokens());
        assertEquals(Vocabulary.UNK_ID, small.id("sat"));
        assertEquals(3, small.id("cat"));
        assertThrows(IllegalArgumentException.class, () -> Vocabulary.build(TOK, TRAIN, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> Vocabulary.build(TOK, TRAIN, 1, 1));
    }

    @Test
    void reservedTokenStringsInTextAreUnknownNeverPadding() {
        Vocabulary v = Vocabulary.build(TOK, List.of(text("<pad> <pad> <unk> word", 0)), 1, 10);
        assertEquals(List.of("<pad>", "<unk>", "word"), v.tokens());
        SequenceEncoder enc = new SequenceEncoder(TOK, v, 10);
        assertArrayEquals(new int[] {1, 1, 2}, enc.encode("<pad> <unk> word"));
    }

    @Test
    void encoderTruncatesAndEncodesTextsWithoutTokensAsOneUnknown() {
        SequenceEncoder enc = new SequenceEncoder(TOK, Vocabulary.build(TOK, TRAIN, 1, 100), 3);
        assertArrayEquals(new int[] {2, 3, 4}, enc.encode("the cat sat on the mat"));
        assertArrayEquals(new int[] {1}, enc.encode("2002 ..."));
        EncodedTexts e = enc.encode("x", List.of(text("the cat sat on", 0), text("...", 1), text("zebra", 1)), 2);
        assertEquals(1, e.truncatedCount());
        assertEquals(1, e.withoutTokensCount());
        assertArrayEquals(new int[] {1, 2}, e.classCounts());
        assertThrows(IllegalArgumentException.class, () -> enc.encode("y", List.of(text("a", 2)), 2));
    }

    @Test
    void encoderRefusesAVocabularyOfAnotherTokenizer() {
        Vocabulary other = Vocabulary.of("SomethingElse", List.of("<pad>", "<unk>", "a"));
        assertThrows(IllegalArgumentException.class, () -> new SequenceEncoder(TOK, other, 5));
    }

    private static EncodedTexts threeTexts() {
        SequenceEncoder enc = new SequenceEncoder(TOK, Vocabulary.build(TOK, TRAIN, 1, 100), 5);
        return enc.encode("three", List.of(text("the cat", 0), text("sat sat sat on the mat zebra", 1),
                text("dog", 0)), 2);
    }

    @Test
    void sequenceSourcePadsMasksAndOneHots() {
        IndexedDataSource src = threeTexts().asSequenceSource();
        assertEquals(3, src.size());
        DataSet ds = src.get(new int[] {2, 0, 1});
        assertEquals(DataType.FLOAT, ds.getFeatures().dataType());
        assertArrayEquals(new float[][] {{5, 0, 0, 0, 0}, {2, 3, 0, 0, 0}, {4, 4, 4, 7, 2}},
                ds.getFeatures().toFloatMatrix());
        assertArrayEquals(new float[][] {{1, 0, 0, 0, 0}, {1, 1, 0, 0, 0}, {1, 1, 1, 1, 1}},
                ds.getFeaturesMaskArray().toFloatMatrix());
        assertArrayEquals(new float[][] {{1, 0}, {1, 0}, {0, 1}}, ds.getLabels().toFloatMatrix());
        assertNull(ds.getLabelsMaskArray());
        assertThrows(IndexOutOfBoundsException.class, () -> src.get(new int[] {3}));
        assertThrows(IllegalArgumentException.class, () -> src.get(new int[0]));
    }

    @Test
    void trimmedSourcePadsOnlyToTheLongestInTheBatch() {
        DataSet ds = threeTexts().asTrimmedSequenceSource().get(new int[] {2, 0});
        assertArrayEquals(new float[][] {{5, 0}, {2, 3}}, ds.getFeatures().toFloatMatrix());
        assertArrayEquals(new float[][] {{1, 0}, {1, 1}}, ds.getFeaturesMaskArray().toFloatMatrix());
    }

    @Test
    void bagOfWordsCountsOrMarksIds() {
        EncodedTexts e = threeTexts();
        DataSet counts = e.asBagOfWordsSource(false).get(new int[] {1});
        DataSet binary = e.asBagOfWordsSource(true).get(new int[] {1});
        // text 1 after truncation to 5: sat sat sat on the -> ids 4,4,4,7,2 over V = 8
        assertArrayEquals(new float[] {0, 0, 1, 0, 3, 0, 0, 1}, counts.getFeatures().toFloatVector());
        assertArrayEquals(new float[] {0, 0, 1, 0, 1, 0, 0, 1}, binary.getFeatures().toFloatVector());
        assertNull(counts.getFeaturesMaskArray());
    }

    @Test
    void maskedEmbeddingModelGivesTheSameOutputPaddedOrNot() {
        EncodedTexts e = threeTexts();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT).list()
                .layer(new EmbeddingSequenceLayer.Builder().nIn(e.vocabularySize()).nOut(4).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(e.vocabularySize(), e.maxLength()))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        DataSet padded = e.asSequenceSource().get(new int[] {0, 1, 2});
        INDArray batchOut = net.output(padded.getFeatures(), false, padded.getFeaturesMaskArray(), null);
        for (int i = 0; i < 3; i++) {
            DataSet alone = e.asTrimmedSequenceSource().get(new int[] {i}); // no padding at all
            INDArray out = net.output(alone.getFeatures(), false, alone.getFeaturesMaskArray(), null);
            assertArrayEquals(out.toFloatVector(), batchOut.getRow(i).toFloatVector(), 1e-6f, "example " + i);
        }
        net.fit(padded); // trains on masked sequences without error
        assertTrue(Double.isFinite(net.score()));
    }

    @Test
    void vocabularyFileRoundTripsAndBrokenFilesAreRejectedWithTheirName() throws IOException {
        Vocabulary v = Vocabulary.build(TOK, TRAIN, 1, 100);
        Path f = tmp.resolve("v.txt");
        v.save(f);
        assertEquals(v, Vocabulary.load(f));
        List<String> lines = Files.readAllLines(f);
        assertEquals(Vocabulary.MAGIC, lines.get(0));

        Path truncated = Files.write(tmp.resolve("cut.txt"), lines.subList(0, lines.size() - 2));
        IOException e1 = assertThrows(IOException.class, () -> Vocabulary.load(truncated));
        assertTrue(e1.getMessage().contains(truncated.toString()) && e1.getMessage().contains("truncated"));

        Path noMagic = Files.write(tmp.resolve("plain.txt"), List.of("the", "cat"));
        IOException e2 = assertThrows(IOException.class, () -> Vocabulary.load(noMagic));
        assertTrue(e2.getMessage().contains(noMagic.toString()));

        List<String> dup = new java.util.ArrayList<>(lines);
        dup.set(dup.size() - 1, dup.get(4));
        Path duplicated = Files.write(tmp.resolve("dup.txt"), dup);
        IOException e3 = assertThrows(IOException.class, () -> Vocabulary.load(duplicated));
        assertTrue(e3.getMessage().contains("twice"), e3.getMessage());
        assertFalse(Files.exists(tmp.resolve("missing.txt")));
        assertThrows(IOException.class, () -> Vocabulary.load(tmp.resolve("missing.txt")));
    }

    @Test
    void iteratorCoversTheSourceInOrderInBatches() {
        IndexedDataSource src = threeTexts().asSequenceSource();
        IndexedSourceIterator it = new IndexedSourceIterator(src, 2);
        DataSet first = it.next();
        DataSet second = it.next();
        assertFalse(it.hasNext());
        assertEquals(2, first.numExamples());
        assertEquals(1, second.numExamples());
        assertEquals(src.get(new int[] {2}).getFeatures(), second.getFeatures());
        assertEquals(5, it.inputColumns());
        assertEquals(2, it.totalOutcomes());
        it.reset();
        assertTrue(it.hasNext());
        assertEquals(first.getFeatures(), it.next().getFeatures());
    }
}
