package io.dplora.samples.data;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf 2017; Zalando, MIT licence), as shipped by the Debian package
 * {@code dataset-fashion-mnist}: 28x28 grey-scale images of 10 clothing classes, 60,000 for training and 10,000 for
 * testing, exactly 6,000 / 1,000 per class. Read from the four gzip IDX files by {@link IdxReader} (DL4J's own MNIST
 * classes download from the internet instead).
 *
 * <p>Nothing is dropped. The header counts are checked against 60,000 / 10,000 and the label file against the image
 * file, so a wrong or damaged file raises a {@link DataFileException}.
 */
public final class FashionMnist {

    private static final Logger log = LoggerFactory.getLogger(FashionMnist.class);

    /** Class names in label order 0..9 (from the Fashion-MNIST README). */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    public static final int NUM_CLASSES = 10;
    public static final int ROWS = 28;
    public static final int COLS = 28;
    public static final int TRAIN_SIZE = 60_000;
    public static final int TEST_SIZE = 10_000;

    private final ImageSet train;
    private final ImageSet test;
    private final LoadReport report;

    private FashionMnist(ImageSet train, ImageSet test, LoadReport report) {
        this.train = train;
        this.test = test;
        this.report = report;
    }

    /** Loads from the default locations ({@code $DPLORA_DATA} or {@code ~/.cache/dplora}). */
    public static FashionMnist load() {
        return load(DataLocations.defaults());
    }

    /** Loads from {@code locations.fashionMnist()}. */
    public static FashionMnist load(DataLocations locations) {
        return load(locations.fashionMnist());
    }

    /** Loads the four {@code *-ubyte.gz} files from {@code folder}. */
    public static FashionMnist load(Path folder) {
        ImageSet train = readSplit(folder, "train", "fashion-mnist/train", TRAIN_SIZE);
        ImageSet test = readSplit(folder, "t10k", "fashion-mnist/test", TEST_SIZE);
        LoadReport report = LoadReport.builder("Fashion-MNIST (" + folder + ")")
                .group(new LoadReport.GroupCounts("train", train.size(), 0, 0))
                .group(new LoadReport.GroupCounts("test", test.size(), 0, 0))
                .split("train", train.classCounts())
                .split("test", test.classCounts())
                .build();
        report.log(log);
        return new FashionMnist(train, test, report);
    }

    private static ImageSet readSplit(Path folder, String prefix, String name, int expected) {
        Path imageFile = folder.resolve(prefix + "-images-idx3-ubyte.gz");
        Path labelFile = folder.resolve(prefix + "-labels-idx1-ubyte.gz");
        IdxReader.Images images = IdxReader.readImages(imageFile);
        if (images.count() != expected || images.rows() != ROWS || images.cols() != COLS) {
            throw new DataFileException(imageFile, "not the Fashion-MNIST " + name + " images: header says "
                    + images.count() + " images of " + images.rows() + "x" + images.cols() + ", expected " + expected
                    + " of " + ROWS + "x" + COLS);
        }
        int[] labels = IdxReader.readLabels(labelFile);
        if (labels.length != expected) {
            throw new DataFileException(labelFile, "not the Fashion-MNIST " + name + " labels: " + labels.length
                    + " labels, expected " + expected);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] >= NUM_CLASSES) {
                throw new DataFileException(labelFile, "label " + labels[i] + " at position " + i
                        + " outside 0.." + (NUM_CLASSES - 1));
            }
        }
        return ImageSet.adopt(name, ROWS, COLS, images.pixels(), labels, NUM_CLASSES);
    }

    /** @return the 60,000 training images. */
    public ImageSet train() {
        return train;
    }

    /** @return the 10,000 test images. */
    public ImageSet test() {
        return test;
    }

    /** @return counts read per split and class (nothing is dropped). */
    public LoadReport report() {
        return report;
    }
}
