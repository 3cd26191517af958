package io.dplora.updater;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * An {@link IndexedDataSource} for private data that does not fit in memory: a DL4J iterator's data written once to
 * a cache file of fixed-size example records, from which any index list is read back by positional reads. The
 * sampling and accounting are those of every {@code IndexedDataSource} (the sampler draws indices, this source only
 * materialises the chosen rows), so a run through it equals a run on the same data in memory.
 *
 * <p>Every example must have the same shape (features, labels and masks; sequences padded to one length, as a
 * DL4J iterator with a fixed {@code maxLength} or truncation gives them), and masks must be present in every batch
 * or in none; otherwise the data is refused, naming the batch and the shapes. FLOAT and DOUBLE arrays are stored in
 * their type; other numeric types (ids in INT or LONG arrays) are stored as DOUBLE, exact up to 2^53, and restored
 * to their type. {@link DiskCachedMultiDataSource} is the twin for MultiDataSetIterators (same file format).
 *
 * <p>Files: the cache is a new file that this class creates in the directory the caller names (the directory is a
 * choice of the user: the file holds the private data in the clear, like the iterator's own source); it never
 * replaces an existing file, and {@link #close()} deletes it (also at JVM exit if not closed, and at once if writing
 * fails).
 */
public final class DiskCachedDataSource implements IndexedDataSource, AutoCloseable {

    private static final String[] ROLES = {"features", "labels", "feature mask", "label mask"};

    private final ExampleRecordFile records;

    private DiskCachedDataSource(ExampleRecordFile records) {
        this.records = records;
    }

    /**
     * Writes an iterator's data to a new cache file in {@code directory}. Every DataSet is used as it comes out of
     * {@code next()}, so a pre-processor set on the iterator applies exactly as the user configured it.
     *
     * @param iterator  the private training data (reset first when it supports reset)
     * @param directory an existing directory for the cache file
     * @return the data as a source of N examples; close it to delete the file
     * @throws IllegalArgumentException if the data is empty, lacks features or labels, or its examples differ in
     *                                  shape or mask presence (the file is deleted)
     * @throws UncheckedIOException     if the file cannot be created or written (the file is deleted)
     */
    public static DiskCachedDataSource fromIterator(DataSetIterator iterator, Path directory) {
        if (iterator == null) {
            throw new IllegalArgumentException("iterator must not be null");
        }
        if (iterator.resetSupported()) {
            iterator.reset();
        }
        return new DiskCachedDataSource(ExampleRecordFile.write(iterator, d -> new ExampleRecordFile.Batch(
                new INDArray[] {d.getFeatures(), d.getLabels(), d.getFeaturesMaskArray(), d.getLabelsMaskArray()},
                ROLES, 2), directory));
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
    public DataSet get(int[] indices) {
        INDArray[] a = records.read(indices);
        return new DataSet(a[0], a[1], a[2], a[3]);
    }

    /** Closes and deletes the cache file (which this class created). */
    @Override
    public void close() {
        records.close();
    }
}
