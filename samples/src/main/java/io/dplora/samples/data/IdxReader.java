package io.dplora.samples.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads gzip-compressed IDX files (the MNIST / Fashion-MNIST format; LeCun et al.): a big-endian header
 * {@code magic, n[, rows, cols]} followed by {@code n[·rows·cols]} unsigned bytes.
 *
 * <ul>
 *   <li>images ({@code idx3-ubyte}): magic {@value #IMAGES_MAGIC} (0x00000803: unsigned byte, 3 dimensions)</li>
 *   <li>labels ({@code idx1-ubyte}): magic {@value #LABELS_MAGIC} (0x00000801: unsigned byte, 1 dimension)</li>
 * </ul>
 * A missing file, a wrong magic number, a truncated file, trailing bytes after the declared data or a gzip checksum
 * error all raise a {@link DataFileException} naming the file.
 */
public final class IdxReader {

    /** Magic number of an IDX file of unsigned bytes with 3 dimensions (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an IDX file of unsigned bytes with 1 dimension (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    /** Upper bound on n·rows·cols accepted from a header (protects against allocating for a corrupt header). */
    private static final long MAX_BYTES = Integer.MAX_VALUE - 8L;

    private IdxReader() {
    }

    /**
     * Images as stored: {@code pixels[i·rows·cols + r·cols + c]} is the unsigned byte of image i at (r, c).
     *
     * @param count  number of images
     * @param rows   image height
     * @param cols   image width
     * @param pixels the raw bytes (row-major, image-major)
     */
    public record Images(int count, int rows, int cols, byte[] pixels) {
    }

    /** Reads an {@code idx3-ubyte.gz} image file. */
    public static Images readImages(Path file) {
        try (DataInputStream in = open(file)) {
            checkMagic(file, in.readInt(), IMAGES_MAGIC, "images (idx3-ubyte)");
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (n < 0 || rows <= 0 || cols <= 0 || (long) n * rows * cols > MAX_BYTES) {
                throw new DataFileException(file, "corrupt IDX header (n=" + n + ", rows=" + rows + ", cols=" + cols
                        + ")");
            }
            byte[] pixels = readBody(file, in, n * rows * cols);
            return new Images(n, rows, cols, pixels);
        } catch (IOException e) {
            throw wrap(file, e);
        }
    }

    /** Reads an {@code idx1-ubyte.gz} label file; returns the labels as unsigned values 0..255. */
    public static int[] readLabels(Path file) {
        try (DataInputStream in = open(file)) {
            checkMagic(file, in.readInt(), LABELS_MAGIC, "labels (idx1-ubyte)");
            int n = in.readInt();
            if (n < 0 || n > MAX_BYTES) {
                throw new DataFileException(file, "corrupt IDX header (n=" + n + ")");
            }
            byte[] raw = readBody(file, in, n);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = raw[i] & 0xFF;
            }
            return labels;
        } catch (IOException e) {
            throw wrap(file, e);
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new DataFileException(file, "missing file");
        }
        InputStream raw = Files.newInputStream(file);
        try {
            return new DataInputStream(new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16));
        } catch (IOException e) {
            raw.close();
            throw e;
        }
    }

    private static void checkMagic(Path file, int magic, int expected, String what) {
        if (magic != expected) {
            throw new DataFileException(file, String.format("wrong IDX magic number 0x%08X, expected 0x%08X for %s",
                    magic, expected, what));
        }
    }

    private static byte[] readBody(Path file, DataInputStream in, int length) throws IOException {
        byte[] body = new byte[length];
        int off = 0;
        while (off < length) {
            int r = in.read(body, off, length - off);
            if (r < 0) {
                throw new DataFileException(file, "truncated IDX file: header declares " + length
                        + " data bytes, file ends after " + off);
            }
            off += r;
        }
        if (in.read() >= 0) {
            throw new DataFileException(file, "corrupt IDX file: bytes after the " + length
                    + " data bytes the header declares");
        }
        return body;
    }

    private static DataFileException wrap(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new DataFileException(file, "missing file", e);
        }
        if (e instanceof EOFException) {
            return new DataFileException(file, "truncated file (" + e.getMessage() + ")", e);
        }
        if (e instanceof ZipException) {
            return new DataFileException(file, "corrupt gzip data (" + e.getMessage() + ")", e);
        }
        return new DataFileException(file, "cannot read (" + e + ")", e);
    }
}
