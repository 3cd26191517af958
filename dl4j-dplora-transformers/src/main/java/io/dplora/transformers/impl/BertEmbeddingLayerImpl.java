package io.dplora.transformers.impl;

import io.dplora.transformers.BertEmbeddingLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Implementation of {@link BertEmbeddingLayer}: a row gather plus two broadcast additions. */
public class BertEmbeddingLayerImpl extends BaseLayer<BertEmbeddingLayer> {

    public BertEmbeddingLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** @return the ids of the input, validated, in row-major order (example, position) */
    private int[] tokenIds(INDArray in) {
        String name = layerConf().getLayerName();
        if (in.rank() != 2 && !(in.rank() == 3 && in.size(1) == 1)) {
            throw new IllegalStateException("BertEmbeddingLayer '" + name + "' expects token ids [mb, T], got shape "
                    + java.util.Arrays.toString(in.shape()));
        }
        long t = in.size(in.rank() - 1);
        if (t > layerConf().getMaxPositions()) {
            throw new IllegalArgumentException("BertEmbeddingLayer '" + name + "': sequence length " + t + " exceeds "
                    + "the model's " + layerConf().getMaxPositions() + " positions; truncate the input");
        }
        double[] v = org.nd4j.linalg.factory.Nd4j.toFlattened('c', in).toDoubleVector();
        int[] ids = new int[v.length];
        long vocab = layerConf().getVocabSize();
        for (int i = 0; i < v.length; i++) {
            double d = v[i];
            if (!(d >= 0 && d < vocab) || d != Math.rint(d)) {
                throw new IllegalArgumentException("BertEmbeddingLayer '" + name + "': token id " + d + " at index "
                        + i + " is not an integer in [0, " + vocab + ")");
            }
            ids[i] = (int) d;
        }
        return ids;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        int[] ids = tokenIds(input);
        long mb = input.size(0);
        long t = input.size(input.rank() - 1);
        long h = layerConf().getNOut();
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[]{mb, t, h}, 'c');
        INDArray rows = out.reshape('c', mb * t, h);
        Nd4j.pullRows(getParam(BertEmbeddingLayer.WORD), rows, 1, ids);
        rows.addiRowVector(getParam(BertEmbeddingLayer.TOKEN_TYPE).getRow(0));
        INDArray positions = getParam(BertEmbeddingLayer.POSITION).get(NDArrayIndex.interval(0, t), NDArrayIndex.all());
        out.reshape('c', mb, t * h).addiRowVector(positions.reshape('c', 1, t * h));
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        return new Pair<>(new DefaultGradient(), null); // no gradient to integer ids; the tables are frozen
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public double calcRegularizationScore(boolean backpropParamsOnly) {
        return 0;
    }

    @Override
    public void fit(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        throw new UnsupportedOperationException("BertEmbeddingLayer '" + layerConf().getLayerName() + "' is frozen");
    }
}
