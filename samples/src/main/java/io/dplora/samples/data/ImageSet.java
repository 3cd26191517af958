package io.dplora.samples.data;

import io.dplora.updater.IndexedDataSource;
import org.nd4j.linalg.dataset.DataSet;

import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable set of labelled grey-scale images (e.g. one split of Fashion-MNIST), kept as raw bytes and scaled to
 * [0, 1] (pixel / 255) whenever it is read as floats.
 *
 * <p>Class filtering and relabelling ({@link #keepClasses}, {@link #mapClasses}) build task shifts between a public
 * and a private subset, e.g. public = classes 0-4 and private = classes 5-9, both relabelled to 0-4 so one output
 * layer serves both.
 */
public final class ImageSet {

    private final String name;
    private final int rows;
    private final int cols;
    private final byte[] pixels;
    private final int[] labels;
    private final int numClasses;

    /**
     * @param name       a name for reports, e.g. {@code fashion-mnist/train}
     * @param rows       image height
     * @param cols       image width
     * @param pixels     {@code labels.length·rows·cols} unsigned bytes, image-major, row-major (copied)
     * @param labels     class of each image, in [0, numClasses) (copied)
     * @param numClasses number of classes C (width of the one-hot labels)
     */
    public ImageSet(String name, int rows, int cols, byte[] pixels, int[] labels, int numClasses) {
        this(name, rows, cols, pixels, labels, numClasses, true);
    }

    /** Takes the arrays without copying; the caller hands them over and must not keep or modify them. */
    static ImageSet adopt(String name, int rows, int cols, byte[] pixels, int[] labels, int numClasses) {
        return new ImageSet(name, rows, cols, pixels, labels, numClasses, false);
    }

    private ImageSet(String name, int rows, int cols, byte[] pixels, int[] labels, int numClasses, boolean copy) {
        if (copy) {
            pixels = pixels.clone();
            labels = labels.clone();
        }
        this.name = Objects.requireNonNull(name, "name");
        if (rows <= 0 || cols <= 0 || numClasses < 1) {
            throw new IllegalArgumentException("rows, cols and numClasses must be positive");
        }
        if ((long) labels.length * rows * cols != pixels.length) {
            throw new IllegalArgumentException(pixels.length + " pixel bytes do not hold " + labels.length
                    + " images of " + rows + "x" + cols);
        }
        for (int l : labels) {
            if (l < 0 || l >= numClasses) {
                throw new IllegalArgumentException("label " + l + " outside [0, " + numClasses + ") in " + name);
            }
        }
        this.rows = rows;
        this.cols = cols;
        this.pixels = pixels;
        this.labels = labels;
        this.numClasses = numClasses;
    }

    public String name() {
        return name;
    }

    /** @return the number of images n. */
    public int size() {
        return labels.length;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** @return rows·cols, the width of a feature row. */
    public int pixelsPerImage() {
        return rows * cols;
    }

    /** @return the number of classes C. */
    public int numClasses() {
        return numClasses;
    }

    /** @return the label of image i. */
    public int label(int i) {
        return labels[i];
    }

    /** @return a copy of all labels. */
    public int[] labels() {
        return labels.clone();
    }

    /** The internal label array; callers must not modify it. */
    int[] labelsView() {
        return labels;
    }

    /** @return images per class 0..C-1. */
    public int[] classCounts() {
        return Tensors.classCounts(labels, numClasses);
    }

    /** @return the raw unsigned pixel bytes of image i (a copy). */
    public byte[] rawImage(int i) {
        int d = pixelsPerImage();
        return Arrays.copyOfRange(pixels, i * d, (i + 1) * d);
    }

    /** @return image i as floats in [0, 1], row-major. */
    public float[] image(int i) {
        float[] out = new float[pixelsPerImage()];
        copyScaled(i, out, 0);
        return out;
    }

    /** @return all images as floats in [0, 1], {@code [n][rows·cols]}. */
    public float[][] toFloatArrays() {
        float[][] out = new float[size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = image(i);
        }
        return out;
    }

    void copyScaled(int image, float[] dest, int destOffset) {
        int d = pixelsPerImage();
        int src = image * d;
        for (int k = 0; k < d; k++) {
            dest[destOffset + k] = (pixels[src + k] & 0xFF) / 255f;
        }
    }

    /**
     * Keeps only the images whose class is listed and relabels {@code classes[j]} to j (so C becomes
     * {@code classes.length}). Example: {@code keepClasses(5, 6, 7, 8, 9)} gives a 5-class set with labels 0-4.
     */
    public ImageSet keepClasses(int... classes) {
        int[] mapping = new int[numClasses];
        Arrays.fill(mapping, -1);
        for (int j = 0; j < classes.length; j++) {
            int c = classes[j];
            if (c < 0 || c >= numClasses) {
                throw new IllegalArgumentException("class " + c + " outside [0, " + numClasses + ")");
            }
            if (mapping[c] >= 0) {
                throw new IllegalArgumentException("class " + c + " listed twice");
            }
            mapping[c] = j;
        }
        return mapClasses(mapping, classes.length);
    }

    /**
     * General relabelling: image with class c gets class {@code mapping[c]}, or is dropped when that is -1.
     * Several classes may map to one (e.g. a binary task "footwear or not").
     *
     * @param mapping       one entry per current class, each -1 or in [0, newNumClasses)
     * @param newNumClasses the number of classes after mapping
     */
    public ImageSet mapClasses(int[] mapping, int newNumClasses) {
        if (mapping.length != numClasses) {
            throw new IllegalArgumentException("mapping needs one entry per class (" + numClasses + "), got "
                    + mapping.length);
        }
        for (int m : mapping) {
            if (m < -1 || m >= newNumClasses) {
                throw new IllegalArgumentException("mapping target " + m + " outside [-1, " + newNumClasses + ")");
            }
        }
        int n = 0;
        for (int l : labels) {
            if (mapping[l] >= 0) {
                n++;
            }
        }
        int[] keep = new int[n];
        int k = 0;
        for (int i = 0; i < labels.length; i++) {
            if (mapping[labels[i]] >= 0) {
                keep[k++] = i;
            }
        }
        ImageSet sel = select(keep);
        int[] newLabels = new int[n];
        for (int i = 0; i < n; i++) {
            newLabels[i] = mapping[sel.labels[i]];
        }
        return new ImageSet(name + "/mapped" + Arrays.toString(mapping).replace(" ", ""), rows, cols, sel.pixels,
                newLabels, newNumClasses, false);
    }

    /** @return the images at {@code indices}, in that order (labels and C unchanged). */
    public ImageSet select(int[] indices) {
        int d = pixelsPerImage();
        byte[] p = new byte[indices.length * d];
        int[] l = new int[indices.length];
        for (int j = 0; j < indices.length; j++) {
            int i = indices[j];
            if (i < 0 || i >= size()) {
                throw new IndexOutOfBoundsException("index " + i + " outside [0, " + size() + ")");
            }
            System.arraycopy(pixels, i * d, p, j * d, d);
            l[j] = labels[i];
        }
        return new ImageSet(name, rows, cols, p, l, numClasses, false);
    }

    /** @return all images as one DataSet: features [n, rows·cols] in [0, 1], one-hot labels [n, C] (float). */
    public DataSet toDataSet() {
        return asSource().get(Tensors.range(size()));
    }

    /** @return an index-addressable view (features [b, rows·cols], one-hot labels [b, C]) for a Poisson sampler. */
    public IndexedDataSource asSource() {
        return new ImageSource(this);
    }

    @Override
    public String toString() {
        return "ImageSet[" + name + ", n=" + size() + ", " + rows + "x" + cols + ", C=" + numClasses + "]";
    }
}
