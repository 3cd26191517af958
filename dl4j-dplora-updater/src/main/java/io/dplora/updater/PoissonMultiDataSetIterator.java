package io.dplora.updater;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Poisson sampling for networks with several inputs or outputs: the very same sampler as {@link PoissonSamplingIterator}
 * (it runs one over the example indices, so the draws, logical steps, micro-batches, empty-batch padding, budget stop
 * and accounting are identical), with each micro-batch materialised from an {@link IndexedMultiDataSource} and
 * re-announced to the DP step with the arrays actually handed to DL4J (which the DP step checks by identity).
 * Created by {@code DPLoRA.makePrivate(ComputationGraph, MultiDataSet or IndexedMultiDataSource, config)}; train with
 * {@code net.fit(training.multiDataSetIterator())} or {@code training.fit()}.
 */
public final class PoissonMultiDataSetIterator implements MultiDataSetIterator {

    private static final long serialVersionUID = 1L;

    private final transient PoissonSamplingIterator sampler;
    private final transient IndexedMultiDataSource source;
    private final transient SamplingChannel channel;
    private final transient MultiDataSet template;

    /**
     * @param sampler the index sampler (its source must be {@link #indexSource(int)} of the same N)
     * @param source  the examples
     * @param channel the channel the sampler announces on
     */
    PoissonMultiDataSetIterator(PoissonSamplingIterator sampler, IndexedMultiDataSource source,
                                SamplingChannel channel) {
        this.sampler = sampler;
        this.source = source;
        this.channel = channel;
        this.template = source.get(new int[] {0});
    }

    /** @return a source of n "examples" that are their own indices (what the index sampler draws from) */
    static IndexedDataSource indexSource(int n) {
        return new IndexedDataSource() {
            @Override
            public int size() {
                return n;
            }

            @Override
            public DataSet get(int[] indices) {
                try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    INDArray ids = Nd4j.createUninitialized(DataType.DOUBLE, indices.length, 1);
                    for (int j = 0; j < indices.length; j++) {
                        ids.putScalar(j, 0, indices[j]);
                    }
                    return new DataSet(ids, Nd4j.zeros(DataType.DOUBLE, indices.length, 1));
                }
            }
        };
    }

    /** @return the index sampler (logical steps, epochs, budget) */
    public PoissonSamplingIterator sampler() {
        return sampler;
    }

    @Override
    public synchronized MultiDataSet next() {
        DataSet ids = sampler.next();
        MicroBatch drawn = channel.peek();
        if (drawn == null || drawn.features()[0] != ids.getFeatures()) {
            throw new IllegalStateException("the index sampler's announcement is missing");
        }
        MultiDataSet out;
        if (drawn.padding()) {
            out = padding();
        } else {
            double[] column = ids.getFeatures().toDoubleVector();
            int[] indices = new int[column.length];
            for (int j = 0; j < indices.length; j++) {
                indices[j] = (int) column[j];
            }
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                out = source.get(indices);
            }
            if (out == null || out.getFeatures(0).size(0) != indices.length) {
                throw new IllegalStateException("the IndexedMultiDataSource returned no rows or the wrong number of "
                        + "rows for " + indices.length + " indices");
            }
        }
        channel.announce(new MicroBatch(drawn.logicalStep(), drawn.index(), drawn.count(),
                (int) out.getFeatures(0).size(0), drawn.padding(), drawn.budget(), out.getFeatures(),
                out.getLabels()));
        return out;
    }

    /**
     * The data-independent stand-in of an empty logical batch, as {@link PoissonSamplingIterator}'s: zero rows, and
     * where the data has masks, feature masks one and label masks zero (the DP step gives its rows clip factor 0).
     */
    private MultiDataSet padding() {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            int rows = PoissonSamplingIterator.PADDING_ROWS;
            INDArray[] f = zerosLike(template.getFeatures(), rows, 0);
            INDArray[] l = zerosLike(template.getLabels(), rows, 0);
            INDArray[] fm = template.getFeaturesMaskArrays() == null ? null
                    : zerosLike(template.getFeaturesMaskArrays(), rows, 1);
            INDArray[] lm = template.getLabelsMaskArrays() == null ? null
                    : zerosLike(template.getLabelsMaskArrays(), rows, 0);
            return new org.nd4j.linalg.dataset.MultiDataSet(f, l, fm, lm);
        }
    }

    private static INDArray[] zerosLike(INDArray[] arrays, int rows, double value) {
        INDArray[] out = new INDArray[arrays.length];
        for (int k = 0; k < arrays.length; k++) {
            out[k] = arrays[k] == null ? null
                    : Nd4j.valueArrayOf(withRows(arrays[k].shape(), rows), value, arrays[k].dataType());
        }
        return out;
    }

    private static long[] withRows(long[] shape, int rows) {
        long[] s = shape.clone();
        s[0] = rows;
        return s;
    }

    @Override
    public MultiDataSet next(int num) {
        throw new UnsupportedOperationException("Poisson sampling decides the batch size; use next()");
    }

    @Override
    public synchronized boolean hasNext() {
        return sampler.hasNext();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    /** @return false: asynchronous prefetch would draw logical batches beyond the privacy budget */
    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public synchronized void reset() {
        sampler.reset();
    }

    /** Refused, as on {@link PoissonSamplingIterator}: statistics fitted on private data would leak. */
    @Override
    public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
        if (preProcessor != null) {
            throw new UnsupportedOperationException("PoissonMultiDataSetIterator does not take a pre-processor: "
                    + "preprocess inside the IndexedMultiDataSource, with statistics from public data only");
        }
    }

    @Override
    public MultiDataSetPreProcessor getPreProcessor() {
        return null;
    }
}
