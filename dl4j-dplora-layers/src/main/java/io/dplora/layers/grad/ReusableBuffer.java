package io.dplora.layers.grad;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A detached (outside any ND4J workspace) flat buffer that hands out 'c'-ordered views of any shape, growing only
 * when a larger view is requested. Per-example state lives in such buffers so that it survives the end of the
 * backward pass (workspaces closed) without allocating off-heap memory every iteration.
 *
 * <p>A view stays valid until the next call that grows the buffer; callers must not keep views across calls with a
 * larger size. Not thread safe.
 */
public final class ReusableBuffer {

    private static final double GROWTH = 1.5;

    private INDArray flat;
    private INDArray lastView;
    private long[] lastShape;

    /**
     * @return a 'c'-ordered view of the given shape over this buffer's first elements (contents unspecified)
     */
    public INDArray view(DataType dataType, long... shape) {
        if (lastView != null && lastView.dataType() == dataType && java.util.Arrays.equals(lastShape, shape)) {
            return lastView; // creating views costs ND4J shape-info work; reuse the last one
        }
        long length = 1;
        for (long s : shape) {
            length *= s;
        }
        if (flat == null || flat.dataType() != dataType || flat.length() < length) {
            long capacity = flat == null || flat.dataType() != dataType
                    ? Math.max(length, 1) : Math.max(length, (long) (flat.length() * GROWTH));
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                flat = Nd4j.createUninitialized(dataType, capacity);
            }
        }
        INDArray head = length == flat.length() ? flat : flat.get(NDArrayIndex.interval(0, length));
        lastView = head.reshape('c', shape);
        lastShape = shape.clone();
        return lastView;
    }

    /** @return the number of elements currently allocated (0 when nothing was requested yet). */
    public long capacity() {
        return flat == null ? 0 : flat.length();
    }
}
