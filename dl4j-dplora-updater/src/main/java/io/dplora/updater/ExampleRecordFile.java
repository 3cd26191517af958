package io.dplora.updater;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Iterator;

/**
 * The file behind the disk caches ({@link DiskCachedDataSource}, {@link DiskCachedMultiDataSource}): examples
 * written once as fixed-size little-endian records of a fixed list of arrays (features, labels, masks; absent ones
 * stay absent), read back for any index list by positional reads. Every example must have the same shape in every
 * array and every batch must carry the same arrays; otherwise the data is refused naming the batch, the array and the
 * shapes. FLOAT and DOUBLE arrays are stored in their type; other numeric types (ids in INT or LONG arrays) as DOUBLE,
 * exact up to 2^53, and restored to their type.
 *
 * <p>Files: a new file created in the directory the caller names (it holds the private data in the clear, like the
 * iterator's own source); it never replaces an existing file, and {@link #close()} deletes it (also at JVM exit if not
 * closed, and at once if writing fails).
 */
final class ExampleRecordFile implements AutoCloseable {

    /**
     * One batch as the cache sees it: its arrays (examples along dimension 0, nulls for absent masks), the role of
     * each array in messages, and how many leading arrays are required (features and labels).
     */
    record Batch(INDArray[] arrays, String[] roles, int required) {
    }

    /** Buffer size for writing: whole records, about this many bytes at a time. */
    private static final long WRITE_CHUNK_BYTES = 1L << 24;

    private final Path file;
    private final FileChannel channel;
    private final int size;
    private final String[] roles;
    /** per array: the example shape without dimension 0 (null: absent) */
    private final long[][] exampleShapes;
    /** per array: its data type, and the type it is stored in */
    private final DataType[] types;
    private final DataType[] storedTypes;
    /** per array: byte offset inside a record */
    private final long[] offsets;
    private final long recordBytes;

    private ExampleRecordFile(Path file, FileChannel channel, int size, String[] roles, long[][] exampleShapes,
                              DataType[] types) {
        this.file = file;
        this.channel = channel;
        this.size = size;
        this.roles = roles;
        this.exampleShapes = exampleShapes;
        this.types = types;
        this.storedTypes = new DataType[types.length];
        this.offsets = new long[types.length];
        long bytes = 0;
        for (int k = 0; k < types.length; k++) {
            if (types[k] != null) {
                storedTypes[k] = types[k] == DataType.FLOAT || types[k] == DataType.DOUBLE ? types[k] : DataType.DOUBLE;
                offsets[k] = bytes;
                bytes += length(exampleShapes[k]) * storedTypes[k].width();
            }
        }
        this.recordBytes = bytes;
    }

    private static long length(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    /**
     * Writes the batches to a new file in {@code directory}.
     *
     * @param batches   the data, batch by batch (a DL4J iterator: each batch as {@code next()} returns it)
     * @param asBatch   the arrays of one batch in the file's layout
     *
     * @return the file of N examples; close it to delete the file
     * @throws IllegalArgumentException if there is no example, a required array is missing, or the batches differ in
     *                                  their arrays or example shapes (the file is deleted)
     * @throws UncheckedIOException     if the file cannot be created or written (the file is deleted)
     */
    static <T> ExampleRecordFile write(Iterator<T> batches, java.util.function.Function<T, Batch> asBatch,
                                       Path directory) {
        if (directory == null) {
            throw new IllegalArgumentException("the cache directory must not be null");
        }
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("cache directory " + directory + " does not exist or is not a "
                    + "directory");
        }
        Path file;
        try {
            file = Files.createTempFile(directory, "dplora-cache-", ".bin");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a cache file in " + directory + ": " + e.getMessage(), e);
        }
        file.toFile().deleteOnExit();
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            ExampleRecordFile written = writeAll(batches, asBatch, file, channel);
            if (written == null) {
                throw new IllegalArgumentException("the iterator returned no data");
            }
            return written;
        } catch (RuntimeException | IOException e) {
            closeQuietly(channel);
            try {
                Files.deleteIfExists(file);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot write the cache file " + file + ": " + io.getMessage(), io);
            }
            throw (RuntimeException) e;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the file is deleted next; nothing else to release
            }
        }
    }

    /** @return the file over what was written, or null when there was no example */
    private static <T> ExampleRecordFile writeAll(Iterator<T> batches, java.util.function.Function<T, Batch> asBatch,
                                                  Path file, FileChannel channel) throws IOException {
        ExampleRecordFile layout = null;
        long examples = 0;
        int index = 0;
        while (batches.hasNext()) {
            Batch batch = asBatch.apply(batches.next());
            INDArray[] arrays = batch.arrays();
            for (int k = 0; k < batch.required(); k++) {
                if (arrays[k] == null) {
                    throw new IllegalArgumentException("batch " + index + " of the private data has no "
                            + batch.roles()[k]);
                }
            }
            if (layout == null) {
                long[][] shapes = new long[arrays.length][];
                DataType[] types = new DataType[arrays.length];
                for (int k = 0; k < arrays.length; k++) {
                    if (arrays[k] != null) {
                        shapes[k] = Arrays.copyOfRange(arrays[k].shape(), 1, arrays[k].rank());
                        types[k] = arrays[k].dataType();
                    }
                }
                layout = new ExampleRecordFile(file, channel, 0, batch.roles().clone(), shapes, types);
            }
            long b = arrays[0].size(0);
            layout.checkBatch(batch, b, index);
            layout.writeRecords(arrays, (int) b, channel, examples * layout.recordBytes);
            examples += b;
            if (examples > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("the private data holds more than 2^31-1 examples");
            }
            index++;
        }
        if (layout == null || examples == 0) {
            return null;
        }
        return new ExampleRecordFile(file, channel, (int) examples, layout.roles, layout.exampleShapes, layout.types);
    }

    private void checkBatch(Batch batch, long examples, int index) {
        if (!Arrays.equals(batch.roles(), roles)) {
            throw new IllegalArgumentException("batch " + index + " of the private data has the arrays "
                    + Arrays.toString(batch.roles()) + ", the first batch " + Arrays.toString(roles)
                    + ": the disk cache needs every batch to carry the same arrays");
        }
        INDArray[] arrays = batch.arrays();
        for (int k = 0; k < arrays.length; k++) {
            INDArray a = arrays[k];
            if ((a == null) != (types[k] == null)) {
                throw new IllegalArgumentException("batch " + index + " of the private data " + (a == null
                        ? "has no " : "has a ") + roles[k] + " unlike the first batch: the disk cache needs every "
                        + "batch to carry the same arrays");
            }
            if (a == null) {
                continue;
            }
            long[] shape = Arrays.copyOfRange(a.shape(), 1, a.rank());
            if (a.size(0) != examples || !Arrays.equals(shape, exampleShapes[k]) || a.dataType() != types[k]) {
                throw new IllegalArgumentException("batch " + index + " of the private data has " + roles[k] + " of "
                        + "shape " + Arrays.toString(a.shape()) + " (" + a.dataType() + "), the first batch "
                        + Arrays.toString(exampleShapes[k]) + " per example (" + types[k] + "): the disk cache "
                        + "needs examples of one shape (pad sequences to one length)");
            }
        }
    }

    /** Writes the batch's examples as consecutive little-endian records from byte {@code position} of the file. */
    private void writeRecords(INDArray[] arrays, int examples, FileChannel channel, long position)
            throws IOException {
        double[][] doubles = new double[arrays.length][];
        float[][] floats = new float[arrays.length][];
        for (int k = 0; k < arrays.length; k++) {
            if (arrays[k] != null) {
                INDArray flat = arrays[k].castTo(storedTypes[k]).dup('c')
                        .reshape(new long[] {arrays[k].length()});
                if (storedTypes[k] == DataType.FLOAT) {
                    floats[k] = flat.toFloatVector();
                } else {
                    doubles[k] = flat.toDoubleVector();
                }
            }
        }
        int perChunk = (int) Math.max(1, Math.min(examples, WRITE_CHUNK_BYTES / Math.max(1, recordBytes)));
        ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(recordBytes * perChunk)).order(ByteOrder.LITTLE_ENDIAN);
        long at = position;
        for (int from = 0; from < examples; from += perChunk) {
            buffer.clear();
            for (int i = from; i < Math.min(examples, from + perChunk); i++) {
                for (int k = 0; k < arrays.length; k++) {
                    if (arrays[k] == null) {
                        continue;
                    }
                    int n = (int) length(exampleShapes[k]);
                    long base = (long) i * n;
                    if (floats[k] != null) {
                        for (int j = 0; j < n; j++) {
                            buffer.putFloat(floats[k][(int) (base + j)]);
                        }
                    } else {
                        for (int j = 0; j < n; j++) {
                            buffer.putDouble(doubles[k][(int) (base + j)]);
                        }
                    }
                }
            }
            buffer.flip();
            while (buffer.hasRemaining()) {
                at += channel.write(buffer, at);
            }
        }
    }

    Path file() {
        return file;
    }

    int size() {
        return size;
    }

    /**
     * @param indices at least one index, each in [0, size())
     * @return per array (in the written order) the rows {@code indices} in their original shape and type, or null
     * for an absent array
     */
    INDArray[] read(int[] indices) {
        if (indices == null || indices.length == 0) {
            throw new IllegalArgumentException("at least one index is required");
        }
        for (int i : indices) {
            if (i < 0 || i >= size) {
                throw new IndexOutOfBoundsException("index " + i + " outside [0, " + size + ")");
            }
        }
        if (!channel.isOpen()) {
            throw new IllegalStateException("the disk cache " + file + " is closed");
        }
        int m = indices.length;
        float[][] floats = new float[types.length][];
        double[][] doubles = new double[types.length][];
        for (int k = 0; k < types.length; k++) {
            if (types[k] != null) {
                int n = (int) length(exampleShapes[k]);
                if (storedTypes[k] == DataType.FLOAT) {
                    floats[k] = new float[m * n];
                } else {
                    doubles[k] = new double[m * n];
                }
            }
        }
        ByteBuffer record = ByteBuffer.allocate((int) recordBytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int j = 0; j < m; j++) {
            readRecord(indices[j], record);
            for (int k = 0; k < types.length; k++) {
                if (types[k] == null) {
                    continue;
                }
                int n = (int) length(exampleShapes[k]);
                record.position((int) offsets[k]);
                if (floats[k] != null) {
                    record.asFloatBuffer().get(floats[k], j * n, n);
                } else {
                    record.asDoubleBuffer().get(doubles[k], j * n, n);
                }
            }
        }
        INDArray[] out = new INDArray[types.length];
        for (int k = 0; k < types.length; k++) {
            if (types[k] == null) {
                continue;
            }
            long[] shape = new long[exampleShapes[k].length + 1];
            shape[0] = m;
            System.arraycopy(exampleShapes[k], 0, shape, 1, exampleShapes[k].length);
            INDArray flat = floats[k] != null ? Nd4j.createFromArray(floats[k]) : Nd4j.createFromArray(doubles[k]);
            out[k] = flat.reshape('c', shape).castTo(types[k]);
        }
        return out;
    }

    private void readRecord(int index, ByteBuffer record) {
        record.clear();
        long position = (long) index * recordBytes;
        try {
            while (record.hasRemaining()) {
                int n = channel.read(record, position + record.position());
                if (n < 0) {
                    throw new IllegalStateException("the disk cache " + file + " ended before example " + index
                            + " (changed by something else?)");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read example " + index + " from " + file + ": " + e.getMessage(),
                    e);
        }
        record.flip();
    }

    /** Closes and deletes the cache file (which this class created). */
    @Override
    public void close() {
        try {
            channel.close();
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the disk cache " + file + ": " + e.getMessage(), e);
        }
    }
}
