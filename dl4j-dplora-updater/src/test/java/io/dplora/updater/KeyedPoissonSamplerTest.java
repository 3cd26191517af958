package io.dplora.updater;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The keyed Poisson sampler: its decisions are Bernoulli(q) in distribution (batch sizes, per-example inclusion
 * frequencies, no correlation between steps or neighbours), identical whether asked one by one, by range or after
 * serialisation (what a retried or remote task relies on), reproducible from a seed, and fresh per secure key.
 */
class KeyedPoissonSamplerTest {

    @Test
    void batchSizesAndInclusionFrequenciesAreThoseOfPoissonSampling() {
        int n = 2000;
        double q = 0.05;
        int steps = 400;
        KeyedPoissonSampler s = KeyedPoissonSampler.seeded(42, q);
        int[] hits = new int[n];
        double sum = 0;
        double sumSq = 0;
        int[] previous = null;
        long overlap = 0;
        for (int t = 0; t < steps; t++) {
            int[] b = s.sample(t, 0, n);
            sum += b.length;
            sumSq += (double) b.length * b.length;
            for (int i : b) {
                hits[i]++;
            }
            if (previous != null) {
                for (int i : b) {
                    overlap += Arrays.binarySearch(previous, i) >= 0 ? 1 : 0;
                }
            }
            previous = b;
        }
        double mean = sum / steps;
        double var = sumSq / steps - mean * mean;
        double expectedMean = n * q;
        double expectedVar = n * q * (1 - q);
        // mean of 400 batch sizes: standard error sqrt(95/400) ~ 0.49; 5 standard errors
        assertEquals(expectedMean, mean, 5 * Math.sqrt(expectedVar / steps), "mean batch size");
        // sample variance within 30% (its relative standard error is about sqrt(2/400) = 7%)
        assertEquals(expectedVar, var, 0.3 * expectedVar, "batch size variance");
        // each example is in about q of the steps: the number of hits is Binomial(400, 0.05), mean 20, sd 4.4
        int min = Arrays.stream(hits).min().orElseThrow();
        int max = Arrays.stream(hits).max().orElseThrow();
        assertTrue(min >= 1 && max <= 45, "per-example inclusion counts in [" + min + ", " + max + "]");
        // consecutive steps overlap like independent draws: E = (steps - 1) * n * q^2 = 1995, sd ~ 44
        assertEquals((steps - 1) * n * q * q, overlap, 5 * Math.sqrt((steps - 1) * n * q * q), "step overlap");
    }

    @Test
    void oneByOneRangesAndSerialisedCopiesDecideAlike() throws Exception {
        KeyedPoissonSampler s = KeyedPoissonSampler.secure(0.1);
        int[] full = s.sample(7, 0, 5000);
        int[] lower = s.sample(7, 0, 2500);
        int[] upper = s.sample(7, 2500, 5000);
        int[] joined = new int[lower.length + upper.length];
        System.arraycopy(lower, 0, joined, 0, lower.length);
        System.arraycopy(upper, 0, joined, lower.length, upper.length);
        assertArrayEquals(full, joined);
        for (int i = 0; i < 5000; i++) {
            assertEquals(Arrays.binarySearch(full, i) >= 0, s.includes(7, i), "example " + i);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(s);
        }
        KeyedPoissonSampler copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (KeyedPoissonSampler) in.readObject();
        }
        assertArrayEquals(full, copy.sample(7, 0, 5000));
        assertFalse(Arrays.equals(full, s.sample(8, 0, 5000)), "another step, another sample");
    }

    @Test
    void seedsReproduceAndSecureKeysDiffer() {
        assertArrayEquals(KeyedPoissonSampler.seeded(5, 0.2).sample(3, 0, 1000),
                KeyedPoissonSampler.seeded(5, 0.2).sample(3, 0, 1000));
        assertFalse(Arrays.equals(KeyedPoissonSampler.seeded(5, 0.2).sample(3, 0, 1000),
                KeyedPoissonSampler.seeded(6, 0.2).sample(3, 0, 1000)));
        assertNotEquals(Arrays.toString(KeyedPoissonSampler.secure(0.2).sample(3, 0, 1000)),
                Arrays.toString(KeyedPoissonSampler.secure(0.2).sample(3, 0, 1000)));
        assertEquals(0, KeyedPoissonSampler.seeded(1, 0.0).sample(0, 0, 1000).length);
        assertEquals(1000, KeyedPoissonSampler.seeded(1, 1.0).sample(0, 0, 1000).length);
        assertThrows(IllegalArgumentException.class, () -> KeyedPoissonSampler.seeded(1, 1.5));
        assertThrows(IllegalArgumentException.class, () -> KeyedPoissonSampler.seeded(1, 0.5).sample(0, 5, 4));
    }

    @Test
    void aKeyedSingleMachineRunSamplesWithItsKey() {
        org.nd4j.linalg.dataset.DataSet data = TestSupport.data(2, 40);
        DPConfig config = DPConfig.builder().noiseMultiplier(1.0).delta(1e-5).maxGradNorm(1.0).expectedBatchSize(8)
                .steps(6).seed(3).sampling(SamplingScheme.KEYED).build();
        assertEquals(config, DPConfig.fromJson(config.toJson()), "the sampling scheme survives JSON");
        TestSupport.RecordingSource source = new TestSupport.RecordingSource(data);
        PrivateTraining t = DPLoRA.makePrivate(TestSupport.loraGraph(4, new org.nd4j.linalg.learning.config.Sgd(0.1)),
                source, config);
        KeyedPoissonSampler keyed = t.iterator().keyedSampler();
        assertTrue(keyed != null);
        t.fit();
        java.util.List<Integer> expected = new java.util.ArrayList<>();
        for (int step = 0; step < 6; step++) {
            for (int i : keyed.sample(step, 0, 40)) {
                expected.add(i);
            }
        }
        assertEquals(expected, source.drawnSince(1));
        assertEquals(6, t.stepsTaken());
    }
}
