package io.dplora.samples.data;

import io.dplora.updater.IndexedDataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Fashion-MNIST on the real files, checked against an independent read of the gzip bytes. */
class FashionMnistTest {

    private static FashionMnist data;
    private static Path folder;

    @BeforeAll
    static void load() {
        folder = RealData.locations().fashionMnist();
        data = FashionMnist.load(folder);
    }

    @Test
    void hasTheDocumentedSplitAndClassSizes() {
        assertEquals(60_000, data.train().size());
        assertEquals(10_000, data.test().size());
        int[] sixThousand = new int[10];
        Arrays.fill(sixThousand, 6_000);
        int[] oneThousand = new int[10];
        Arrays.fill(oneThousand, 1_000);
        assertArrayEquals(sixThousand, data.train().classCounts());
        assertArrayEquals(oneThousand, data.test().classCounts());
        assertEquals(60_000, data.report().group("train").read());
        assertArrayEquals(oneThousand, data.report().split("test").perClass());
    }

    @Test
    void pixelsAndLabelsMatchAnIndependentReadOfTheGzipFiles() throws IOException {
        byte[] images = gunzip(folder.resolve("t10k-images-idx3-ubyte.gz"));
        byte[] labels = gunzip(folder.resolve("t10k-labels-idx1-ubyte.gz"));
        assertEquals(16 + 10_000 * 784, images.length);
        assertEquals(8 + 10_000, labels.length);
        for (int i : new int[] {0, 1, 4_999, 9_999}) {
            assertEquals(labels[8 + i], data.test().label(i));
            float[] pixels = data.test().image(i);
            for (int k = 0; k < 784; k++) {
                assertEquals((images[16 + i * 784 + k] & 0xFF) / 255f, pixels[k], 0f);
            }
        }
    }

    @Test
    void pixelsAreScaledIntoZeroOne() {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int i = 0; i < 1_000; i++) {
            for (float p : data.train().image(i)) {
                min = Math.min(min, p);
                max = Math.max(max, p);
            }
        }
        assertEquals(0f, min, 0f);
        assertEquals(1f, max, 0f);
    }

    @Test
    void sourceGivesRowsInIndexOrderWithOneHotLabels() {
        IndexedDataSource src = data.test().asSource();
        assertEquals(10_000, src.size());
        int[] idx = {7, 3, 9_999, 7};
        DataSet ds = src.get(idx);
        assertArrayEquals(new long[] {4, 784}, ds.getFeatures().shape());
        assertArrayEquals(new long[] {4, 10}, ds.getLabels().shape());
        assertEquals(DataType.FLOAT, ds.getFeatures().dataType());
        assertNull(ds.getFeaturesMaskArray());
        for (int j = 0; j < idx.length; j++) {
            assertArrayEquals(data.test().image(idx[j]), ds.getFeatures().getRow(j).toFloatVector(), 0f);
            INDArray label = ds.getLabels().getRow(j);
            assertEquals(1.0, label.sumNumber().doubleValue(), 0.0);
            assertEquals(1.0, label.getDouble(data.test().label(idx[j])), 0.0);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> src.get(new int[] {10_000}));
        assertThrows(IndexOutOfBoundsException.class, () -> src.get(new int[] {-1}));
    }

    @Test
    void classFilteringBuildsATaskShift() {
        ImageSet pub = data.train().keepClasses(0, 1, 2, 3, 4);
        ImageSet priv = data.train().keepClasses(5, 6, 7, 8, 9);
        assertEquals(30_000, pub.size());
        assertEquals(30_000, priv.size());
        assertArrayEquals(new int[] {6_000, 6_000, 6_000, 6_000, 6_000}, priv.classCounts());
        assertEquals(5, priv.numClasses());
        // the first image of class 9 in the original order is the first image relabelled 4
        int firstNine = -1;
        for (int i = 0; firstNine < 0; i++) {
            if (data.train().label(i) == 9) {
                firstNine = i;
            }
        }
        int firstFour = -1;
        for (int i = 0; firstFour < 0; i++) {
            if (priv.label(i) == 4) {
                firstFour = i;
            }
        }
        assertArrayEquals(data.train().image(firstNine), priv.image(firstFour), 0f);
        assertEquals(5, priv.asSource().get(new int[] {0}).getLabels().size(1));
    }

    @Test
    void mapClassesMergesAndDrops() {
        // footwear (5 sandal, 7 sneaker, 9 ankle boot) vs tops (0, 2, 4, 6); trousers, dress, bag dropped
        int[] mapping = {1, -1, 1, -1, 1, 0, 1, 0, -1, 0};
        ImageSet binary = data.test().mapClasses(mapping, 2);
        assertArrayEquals(new int[] {3_000, 4_000}, binary.classCounts());
        assertThrows(IllegalArgumentException.class, () -> data.test().mapClasses(new int[] {0, 1}, 2));
        assertThrows(IllegalArgumentException.class, () -> data.test().keepClasses(3, 3));
    }

    private static byte[] gunzip(Path f) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
            return in.readAllBytes();
        }
    }
}
