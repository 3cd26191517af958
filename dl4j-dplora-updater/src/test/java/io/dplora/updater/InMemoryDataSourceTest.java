package io.dplora.updater;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Row j of a batch is example indices[j], for every array, whatever the layout of the source arrays. */
class InMemoryDataSourceTest {

    private static final int[] PICK = {4, 0, 4, 2};

    /** Compares element by element with getDouble (independent of any gather or view slicing). */
    private static void assertRowsMatch(INDArray source, INDArray batch) {
        assertEquals(source.rank(), batch.rank());
        assertEquals(PICK.length, batch.size(0));
        for (int d = 1; d < source.rank(); d++) {
            assertEquals(source.size(d), batch.size(d));
        }
        long perRow = source.length() / source.size(0);
        for (int j = 0; j < PICK.length; j++) {
            for (long e = 0; e < perRow; e++) {
                long[] at = new long[source.rank()];
                long rest = e;
                for (int d = source.rank() - 1; d >= 1; d--) {
                    at[d] = rest % source.size(d);
                    rest /= source.size(d);
                }
                long[] src = at.clone();
                src[0] = PICK[j];
                at[0] = j;
                assertEquals(source.getDouble(src), batch.getDouble(at), 0.0, "row " + j + " element " + e);
            }
        }
    }

    @Test
    void gathersTwoDimensionalRows() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 3);
        INDArray y = Nd4j.rand(DataType.FLOAT, 5, 2);
        DataSet batch = new InMemoryDataSource(new DataSet(x, y)).get(PICK);
        assertRowsMatch(x, batch.getFeatures());
        assertRowsMatch(y, batch.getLabels());
        assertNull(batch.getFeaturesMaskArray());
        assertNull(batch.getLabelsMaskArray());
    }

    @Test
    void gathersSequencesAndMasksFromFortranOrderedAndStridedArrays() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 3, 4).dup('f');
        INDArray y = Nd4j.rand(DataType.DOUBLE, 5, 2, 4);
        INDArray wide = Nd4j.rand(DataType.DOUBLE, 5, 8);
        INDArray featureMask = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 6)); // a non-contiguous view
        INDArray labelMask = Nd4j.ones(DataType.DOUBLE, 5, 4);
        labelMask.putScalar(4, 3, 0.0);
        DataSet batch = new InMemoryDataSource(new DataSet(x, y, featureMask, labelMask)).get(PICK);
        assertRowsMatch(x, batch.getFeatures());
        assertRowsMatch(y, batch.getLabels());
        assertRowsMatch(featureMask, batch.getFeaturesMaskArray());
        assertRowsMatch(labelMask, batch.getLabelsMaskArray());
    }

    @Test
    void refusesBadIndices() {
        InMemoryDataSource s = new InMemoryDataSource(new DataSet(Nd4j.rand(3, 2), Nd4j.rand(3, 2)));
        assertThrows(IndexOutOfBoundsException.class, () -> s.get(new int[]{3}));
        assertThrows(IndexOutOfBoundsException.class, () -> s.get(new int[]{-1}));
        assertThrows(IllegalArgumentException.class, () -> s.get(new int[0]));
    }
}
