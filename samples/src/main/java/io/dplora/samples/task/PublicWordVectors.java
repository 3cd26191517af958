package io.dplora.samples.task;

import org.deeplearning4j.models.word2vec.Word2Vec;
import org.deeplearning4j.text.sentenceiterator.CollectionSentenceIterator;
import org.deeplearning4j.text.tokenization.tokenizerfactory.DefaultTokenizerFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Word vectors learnt WITHOUT labels from public token-id sequences, as an embedding matrix indexed by token id:
 * deeplearning4j-nlp's {@link Word2Vec} (skip-gram with negative sampling, Mikolov et al. 2013) on one worker thread
 * with a fixed seed. Only public text goes in, so the vectors carry no private information.
 *
 * <p>Ids become the words {@code w<id>}; a token id that never occurs in the sequences gets a zero row.
 *
 * @param dimensions vector width (the embedding width)
 * @param window     context window (words on each side)
 * @param epochs     passes over the sequences
 * @param seed       seed of word2vec's initialisation and sampling
 */
record PublicWordVectors(int dimensions, int window, int epochs, long seed) {

    PublicWordVectors {
        if (dimensions < 1 || window < 1 || epochs < 1) {
            throw new IllegalArgumentException("word vectors need dimensions, window and epochs >= 1, got "
                    + dimensions + ", " + window + ", " + epochs);
        }
    }

    /**
     * @param sequences      token-id sequences of public texts (labels are not used)
     * @param vocabularySize V: ids lie in [0, V)
     * @return the vectors as a FLOAT matrix [V, dimensions]
     */
    INDArray train(List<int[]> sequences, int vocabularySize) {
        List<String> sentences = new ArrayList<>(sequences.size());
        for (int[] ids : sequences) {
            StringBuilder b = new StringBuilder(ids.length * 6);
            for (int id : ids) {
                if (id < 0 || id >= vocabularySize) {
                    throw new IllegalArgumentException("token id " + id + " outside [0, " + vocabularySize + ")");
                }
                b.append('w').append(id).append(' ');
            }
            sentences.add(b.toString());
        }
        Word2Vec w2v = new Word2Vec.Builder()
                .layerSize(dimensions)
                .windowSize(window)
                .epochs(epochs)
                .iterations(1)
                .minWordFrequency(1)
                .negativeSample(5)
                .useHierarchicSoftmax(false)
                .sampling(1e-3)
                .learningRate(0.025)
                .minLearningRate(1e-4)
                .seed(seed)
                .workers(1)
                .allowParallelTokenization(false)
                .iterate(new CollectionSentenceIterator(sentences))
                .tokenizerFactory(new DefaultTokenizerFactory())
                .build();
        w2v.fit();
        INDArray m = Nd4j.zeros(DataType.FLOAT, vocabularySize, dimensions);
        for (int id = 0; id < vocabularySize; id++) {
            String word = "w" + id;
            if (w2v.hasWord(word)) {
                m.putRow(id, w2v.getWordVectorMatrix(word).castTo(DataType.FLOAT));
            }
        }
        return m;
    }
}
