package io.dplora.samples.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static io.dplora.samples.data.BrokenFiles.assertNamesFileAndFix;
import static io.dplora.samples.data.BrokenFiles.gzip;
import static io.dplora.samples.data.BrokenFiles.idx;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IDX reading on small generated files, valid and broken. */
class IdxReaderTest {

    @TempDir
    Path dir;

    private static final byte[] THREE_2X3_IMAGES = {0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, (byte) 255, (byte) 254,
            (byte) 128, 0, 0, 7};

    @Test
    void readsImagesAsWrittenWithUnsignedBytes() throws IOException {
        Path f = write("img.gz", gzip(idx(0x803, new int[] {3, 2, 3}, THREE_2X3_IMAGES)));
        IdxReader.Images images = IdxReader.readImages(f);
        assertEquals(3, images.count());
        assertEquals(2, images.rows());
        assertEquals(3, images.cols());
        assertArrayEquals(THREE_2X3_IMAGES, images.pixels());
        ImageSet set = new ImageSet("t", 2, 3, images.pixels(), new int[] {0, 1, 1}, 2);
        assertArrayEquals(new float[] {1f, 254 / 255f, 128 / 255f, 0f, 0f, 7 / 255f}, set.image(2));
    }

    @Test
    void readsLabelsAsUnsigned() throws IOException {
        Path f = write("lab.gz", gzip(idx(0x801, new int[] {4}, new byte[] {9, 0, 3, (byte) 200})));
        assertArrayEquals(new int[] {9, 0, 3, 200}, IdxReader.readLabels(f));
    }

    @Test
    void missingFileNamesFileAndFix() {
        Path f = dir.resolve("nothing-here.gz");
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.readImages(f));
        assertNamesFileAndFix(e, f);
        assertTrue(e.getMessage().contains("missing"));
    }

    @Test
    void wrongMagicIsRejected() throws IOException {
        Path f = write("labels-as-images.gz", gzip(idx(0x801, new int[] {4}, new byte[4])));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.readImages(f));
        assertNamesFileAndFix(e, f);
        assertTrue(e.getMessage().contains("0x00000801") && e.getMessage().contains("0x00000803"), e.getMessage());
    }

    @Test
    void truncatedGzipStreamIsRejected() throws IOException {
        byte[] gz = gzip(idx(0x803, new int[] {3, 2, 3}, THREE_2X3_IMAGES));
        Path f = write("cut.gz", Arrays.copyOf(gz, gz.length - 12));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.readImages(f));
        assertNamesFileAndFix(e, f);
    }

    @Test
    void fewerDataBytesThanTheHeaderDeclaresIsRejected() throws IOException {
        Path f = write("short.gz", gzip(idx(0x803, new int[] {4, 2, 3}, THREE_2X3_IMAGES)));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.readImages(f));
        assertNamesFileAndFix(e, f);
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void bytesAfterTheDeclaredDataAreRejected() throws IOException {
        Path f = write("long.gz", gzip(idx(0x801, new int[] {2}, new byte[] {1, 2, 3})));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.readLabels(f));
        assertNamesFileAndFix(e, f);
    }

    @Test
    void corruptGzipIsRejected() throws IOException {
        byte[] gz = gzip(idx(0x803, new int[] {3, 2, 3}, THREE_2X3_IMAGES));
        gz[gz.length - 6] ^= 0x5A; // inside the CRC32/size trailer
        Path f = write("crc.gz", gz);
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.readImages(f));
        assertNamesFileAndFix(e, f);
        Path notGzip = write("plain.gz", idx(0x803, new int[] {3, 2, 3}, THREE_2X3_IMAGES));
        assertNamesFileAndFix(assertThrows(DataFileException.class, () -> IdxReader.readImages(notGzip)), notGzip);
    }

    @Test
    void fashionMnistLoaderNamesTheMissingFile() throws IOException {
        Path f = dir.resolve("train-images-idx3-ubyte.gz");
        DataFileException e = assertThrows(DataFileException.class, () -> FashionMnist.load(dir));
        assertNamesFileAndFix(e, f);
    }

    @Test
    void fashionMnistLoaderRejectsAWrongImageCount() throws IOException {
        Path f = write("train-images-idx3-ubyte.gz", gzip(idx(0x803, new int[] {1, 28, 28}, new byte[784])));
        DataFileException e = assertThrows(DataFileException.class, () -> FashionMnist.load(dir));
        assertNamesFileAndFix(e, f);
        assertTrue(e.getMessage().contains("60000"), e.getMessage());
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }
}
