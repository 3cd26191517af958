package io.dplora.samples.data;

import io.dplora.updater.IndexedDataSource;
import org.nd4j.linalg.dataset.DataSet;

/**
 * {@link IndexedDataSource} over an {@link ImageSet}: row j of a batch is image {@code indices[j]} scaled to
 * [0, 1] (features [b, rows·cols], float) with its one-hot label (labels [b, C], float); no masks. Rows are
 * materialised per call from the raw bytes, so a batch costs only its own memory.
 */
public final class ImageSource implements IndexedDataSource {

    private final ImageSet images;

    public ImageSource(ImageSet images) {
        if (images.size() < 1) {
            throw new IllegalArgumentException("an IndexedDataSource needs at least one example: " + images);
        }
        this.images = images;
    }

    @Override
    public int size() {
        return images.size();
    }

    @Override
    public DataSet get(int[] indices) {
        Tensors.checkIndices(indices, images.size());
        int d = images.pixelsPerImage();
        float[] features = new float[indices.length * d];
        for (int j = 0; j < indices.length; j++) {
            images.copyScaled(indices[j], features, j * d);
        }
        return new DataSet(Tensors.matrix(features, indices.length, d),
                Tensors.oneHot(images.labelsView(), indices, images.numClasses()));
    }
}
