package io.dplora.spark;

import io.dplora.updater.ClippedSumWorker;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.io.Serializable;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * The kind of examples a Spark run holds (DataSet or MultiDataSet): how an element of the private RDD is split into
 * single examples, how sampled examples are merged into a micro-batch, and how a micro-batch reaches the replica.
 * Shipped to the executors with each task.
 *
 * @param <T> the element type of the private RDD
 */
interface ExampleFormat<T> extends Serializable {

    /** @return the examples of one RDD element, one per item */
    Iterator<T> singleExamples(T element);

    /** @return the examples as one micro-batch (padded and masked as DL4J's merge does) */
    T merge(List<T> examples);

    /** Runs the micro-batch through the replica and adds its clipped sum. */
    void addTo(ClippedSumWorker worker, T microBatch, long step);

    /** DataSets: networks with one input and one output (either network type). */
    ExampleFormat<DataSet> DATA_SETS = new DataSets();

    /** MultiDataSets: ComputationGraphs with several inputs or outputs. */
    ExampleFormat<MultiDataSet> MULTI_DATA_SETS = new MultiDataSets();

    /** {@link #DATA_SETS}. */
    final class DataSets implements ExampleFormat<DataSet> {
        private static final long serialVersionUID = 1L;

        @Override
        public Iterator<DataSet> singleExamples(DataSet element) {
            return element.numExamples() == 1 ? Collections.singletonList(element).iterator()
                    : element.asList().iterator();
        }

        @Override
        public DataSet merge(List<DataSet> examples) {
            return DataSet.merge(examples);
        }

        @Override
        public void addTo(ClippedSumWorker worker, DataSet microBatch, long step) {
            worker.add(microBatch, step);
        }
    }

    /** {@link #MULTI_DATA_SETS}. */
    final class MultiDataSets implements ExampleFormat<MultiDataSet> {
        private static final long serialVersionUID = 1L;

        @Override
        public Iterator<MultiDataSet> singleExamples(MultiDataSet element) {
            return element.getFeatures(0).size(0) == 1 ? Collections.singletonList(element).iterator()
                    : element.asList().iterator();
        }

        @Override
        public MultiDataSet merge(List<MultiDataSet> examples) {
            return org.nd4j.linalg.dataset.MultiDataSet.merge(examples);
        }

        @Override
        public void addTo(ClippedSumWorker worker, MultiDataSet microBatch, long step) {
            worker.add(microBatch, step);
        }
    }
}
