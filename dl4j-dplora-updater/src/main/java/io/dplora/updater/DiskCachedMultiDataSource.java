package io.dplora.updater;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The {@link IndexedMultiDataSource} for private data of networks with several inputs or outputs that does not fit in
 * memory: a MultiDataSetIterator's data written once to a cache file of fixed-size example records (every input,
 * label and mask array of an example in one record), read back for any index list. Sampling and accounting are those
 * of every {@code IndexedMultiDataSource}, so a run through it equals a run on the same data in memory
 * ({@link InMemoryMultiDataSource}).
 *
 * <p>Every batch must carry the same number of inputs and outputs, the same masks, and examples of one shape in each
 * array (pad sequences to one length); otherwise the data is refused, naming the batch and the array ("input 1",
 * "label mask 0", ...). Types and files as {@link DiskCachedDataSource}: the file is new, in the directory the caller
 * names, holds the private data in the clear, and {@link #close()} deletes it (also at JVM exit, and at once if
 * writing fails).
 */
public final class DiskCachedMultiDataSource implements IndexedMultiDataSource, AutoCloseable {

    private final ExampleRecordFile records;
    private final int inputs;
    private final int outputs;

    private DiskCachedMultiDataSource(ExampleRecordFile records, int inputs, int outputs) {
        this.records = records;
        this.inputs = inputs;
        this.outputs = outputs;
    }

    /**
     * Writes an iterator's data to a new cache file in {@code directory}. Every MultiDataSet is used as it comes out
     * of {@code next()}, so a pre-processor set on the iterator applies exactly as the user configured it.
     *
     * @param iterator  the private training data (reset first when it supports reset)
     * @param directory an existing directory for the cache file
     * @return the data as a source of N examples; close it to delete the file
     * @throws IllegalArgumentException if the data is empty, lacks features or labels, or its batches differ in their
     *                                  arrays or example shapes (the file is deleted)
     * @throws UncheckedIOException     if the file cannot be created or written (the file is deleted)
     */
    public static DiskCachedMultiDataSource fromIterator(MultiDataSetIterator iterator, Path directory) {
        if (iterator == null) {
            throw new IllegalArgumentException("iterator must not be null");
        }
        if (iterator.resetSupported()) {
            iterator.reset();
        }
        int[] counts = new int[2];
        ExampleRecordFile records = ExampleRecordFile.write(iterator, d -> {
            int in = d.getFeatures() == null ? 0 : d.getFeatures().length;
            int out = d.getLabels() == null ? 0 : d.getLabels().length;
            if (in == 0 || out == 0) {
                throw new IllegalArgumentException("a batch of the private data has no "
                        + (in == 0 ? "features" : "labels"));
            }
            counts[0] = in;
            counts[1] = out;
            return new ExampleRecordFile.Batch(arrays(d, in, out), roles(in, out), in + out);
        }, directory);
        return new DiskCachedMultiDataSource(records, counts[0], counts[1]);
    }

    /** The record layout: inputs, labels, input masks, label masks. */
    private static INDArray[] arrays(MultiDataSet d, int in, int out) {
        INDArray[] all = new INDArray[2 * (in + out)];
        System.arraycopy(d.getFeatures(), 0, all, 0, in);
        System.arraycopy(d.getLabels(), 0, all, in, out);
        copyMasks(d.getFeaturesMaskArrays(), in, all, in + out, "input");
        copyMasks(d.getLabelsMaskArrays(), out, all, 2 * in + out, "label");
        return all;
    }

    private static void copyMasks(INDArray[] masks, int count, INDArray[] all, int at, String role) {
        if (masks == null) {
            return;
        }
        if (masks.length != count) {
            throw new IllegalArgumentException("a batch of the private data has " + masks.length + " " + role
                    + " masks for " + count + " " + role + "s");
        }
        System.arraycopy(masks, 0, all, at, count);
    }

    private static String[] roles(int in, int out) {
        String[] roles = new String[2 * (in + out)];
        for (int k = 0; k < in; k++) {
            roles[k] = "input " + k;
            roles[in + out + k] = "input mask " + k;
        }
        for (int k = 0; k < out; k++) {
            roles[in + k] = "label " + k;
            roles[2 * in + out + k] = "label mask " + k;
        }
        return roles;
    }

    /** @return the cache file (deleted by {@link #close()}) */
    public Path file() {
        return records.file();
    }

    @Override
    public int size() {
        return records.size();
    }

    @Override
    public MultiDataSet get(int[] indices) {
        INDArray[] a = records.read(indices);
        INDArray[] inputMasks = Arrays.copyOfRange(a, inputs + outputs, 2 * inputs + outputs);
        INDArray[] labelMasks = Arrays.copyOfRange(a, 2 * inputs + outputs, a.length);
        return new org.nd4j.linalg.dataset.MultiDataSet(Arrays.copyOfRange(a, 0, inputs),
                Arrays.copyOfRange(a, inputs, inputs + outputs), allNull(inputMasks) ? null : inputMasks,
                allNull(labelMasks) ? null : labelMasks);
    }

    private static boolean allNull(INDArray[] arrays) {
        for (INDArray a : arrays) {
            if (a != null) {
                return false;
            }
        }
        return true;
    }

    /** Closes and deletes the cache file (which this class created). */
    @Override
    public void close() {
        records.close();
    }
}
