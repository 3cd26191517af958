package io.dplora.benchmarks;

import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;
import java.util.NoSuchElementException;

/**
 * An epoch of exactly one batch, so that {@code net.fit(iterator)} is one non-private training step through the same
 * DL4J entry point (iterator adapter, epoch events, listeners) that the DP step is timed through. Like any
 * {@code DataSetIterator} (and like the Poisson sampler), it hands out a freshly materialised batch every time: here a
 * plain copy of the in-memory batch ({@link DataSet#copy()}), the cheapest possible materialisation, so that (a) pays
 * for producing its batch and leaves the same kind of per-step garbage as (b). No asynchronous prefetch (as for the
 * Poisson sampler).
 */
final class OneBatchIterator implements DataSetIterator {

    private static final long serialVersionUID = 1L;

    private final transient DataSet batch;
    private boolean delivered;

    OneBatchIterator(DataSet batch) {
        this.batch = batch;
    }

    @Override
    public boolean hasNext() {
        return !delivered;
    }

    @Override
    public DataSet next() {
        if (delivered) {
            throw new NoSuchElementException("one batch per epoch");
        }
        delivered = true;
        return batch.copy();
    }

    @Override
    public DataSet next(int num) {
        throw new UnsupportedOperationException();
    }

    @Override
    public int inputColumns() {
        return (int) batch.getFeatures().size(1);
    }

    @Override
    public int totalOutcomes() {
        return (int) batch.getLabels().size(1);
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public void reset() {
        delivered = false;
    }

    @Override
    public int batch() {
        return batch.numExamples();
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        throw new UnsupportedOperationException();
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return null;
    }

    @Override
    public List<String> getLabels() {
        return null;
    }
}
