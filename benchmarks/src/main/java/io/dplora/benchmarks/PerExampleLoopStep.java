package io.dplora.benchmarks;

import io.dplora.layers.grad.PerExampleGradientLoop;
import io.dplora.layers.grad.TrainableParameters;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.SplittableRandom;

/**
 * (c) DP-SGD the naive way, as many libraries amount to: for each example of the logical batch a forward and backward
 * pass on a batch of one ({@link PerExampleGradientLoop}, the layers module's oracle), its gradient over the trainable
 * coordinates, its L2 norm, the clip factor c<sub>i</sub> = min(1, C/||g<sub>i</sub>||), and
 * sum += c<sub>i</sub> g<sub>i</sub> (BLAS axpy into a double accumulator); then Gaussian noise N(0, sigma<sup>2</sup>
 * C<sup>2</sup>) on every trainable coordinate, division by B, and one step of the network's own optimiser (Adam) with
 * that gradient. Same network (seed), same data and same sigma, C as {@link DPLoRAStep}; no accountant (its cost is
 * negligible and measured on its own).
 */
public final class PerExampleLoopStep implements TrainingStep {

    private final ComputationGraph net;
    private final MultiDataSet data;
    private final int batchSize;
    private final TrainableParameters coordinates;
    private final INDArray sum;
    private final SplittableRandom random = new SplittableRandom(DPLoRAStep.DP_SEED);
    private int iteration;

    /**
     * @param model     the benchmark model
     * @param batchSize B
     */
    public PerExampleLoopStep(BenchModel model, int batchSize) {
        this.net = model.loraNetwork(MODEL_SEED);
        DataSet d = model.data(batchSize, DATA_SEED);
        this.data = new org.nd4j.linalg.dataset.MultiDataSet(d.getFeatures(), d.getLabels(), d.getFeaturesMaskArray(),
                d.getLabelsMaskArray());
        this.batchSize = batchSize;
        this.coordinates = TrainableParameters.of(net);
        this.sum = Nd4j.create(DataType.DOUBLE, coordinates.dimension());
    }

    @Override
    public void step() {
        double c = DPLoRAStep.MAX_GRAD_NORM;
        sum.assign(0.0);
        PerExampleGradientLoop.forEach(net, data, (i, g) -> {
            double norm = g.norm2Number().doubleValue();
            double factor = !Double.isFinite(norm) ? 0.0 : (norm > c ? c / norm : 1.0);
            if (factor > 0) {
                Nd4j.getBlasWrapper().level1().axpy(g.length(), factor, g, sum);
            }
        });
        double[] noisy = sum.toDoubleVector();
        double std = DPLoRAStep.NOISE_MULTIPLIER * c;
        for (int j = 0; j < noisy.length; j++) {
            noisy[j] = (noisy[j] + std * random.nextGaussian()) / batchSize;
        }
        applyUpdate(noisy);
    }

    /** Writes g^ into the trainable coordinates of the gradient view (zero elsewhere) and lets Adam step. */
    private void applyUpdate(double[] gradient) {
        INDArray view = net.getGradientsViewArray();
        INDArray flat = view.reshape(view.length());
        flat.assign(0.0);
        INDArray source = Nd4j.createFromArray(gradient).castTo(flat.dataType());
        for (TrainableParameters.Segment s : coordinates.segments()) {
            flat.get(NDArrayIndex.interval(s.offset(), s.offset() + s.length()))
                    .assign(source.get(NDArrayIndex.interval(s.position(), s.position() + s.length())));
        }
        net.getUpdater().update(net.gradient(), iteration++, 0, 1, LayerWorkspaceMgr.noWorkspaces());
        INDArray params = net.params();
        params.subi(view.reshape(params.shape()));
    }

    @Override
    public ComputationGraph network() {
        return net;
    }

    @Override
    public int batchSize() {
        return batchSize;
    }
}
