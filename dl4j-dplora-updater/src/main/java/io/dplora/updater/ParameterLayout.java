package io.dplora.updater;

import io.dplora.layers.PerExampleGradientLayer;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where every parameter of a network sits in its flattened parameter/gradient vector, read from the updater blocks
 * DL4J built for it, and which parameters a {@link PerExampleGradientLayer} privatises (its trainable gradient
 * views). Built once when the DP step attaches; the layout of a network never changes afterwards.
 */
final class ParameterLayout {

    /** One parameter of the network. */
    record Param(Trainable owner, String layerName, String key, long start, long end, boolean privatised) {
        long length() {
            return end - start;
        }
    }

    /** One DP layer and the keys of its trainable parameters, in flat order. */
    record DPLayer(String name, PerExampleGradientLayer layer, List<String> keys, long[] lengths) {
        long totalLength() {
            long s = 0;
            for (long l : lengths) {
                s += l;
            }
            return s;
        }
    }

    private final List<Param> params;
    private final List<DPLayer> dpLayers;
    private final List<long[]> nonPrivatisedIntervals;
    private final long privatisedLength;

    private ParameterLayout(List<Param> params, List<DPLayer> dpLayers, List<long[]> nonPrivatisedIntervals) {
        this.params = Collections.unmodifiableList(params);
        this.dpLayers = Collections.unmodifiableList(dpLayers);
        this.nonPrivatisedIntervals = Collections.unmodifiableList(nonPrivatisedIntervals);
        long s = 0;
        for (DPLayer l : dpLayers) {
            s += l.totalLength();
        }
        this.privatisedLength = s;
    }

    static ParameterLayout of(List<UpdaterBlock> blocks) {
        List<Param> params = new ArrayList<>();
        Map<PerExampleGradientLayer, List<String>> keysByLayer = new IdentityHashMap<>();
        Map<PerExampleGradientLayer, List<Long>> lengthsByLayer = new IdentityHashMap<>();
        Map<PerExampleGradientLayer, String> nameByLayer = new IdentityHashMap<>();
        List<PerExampleGradientLayer> order = new ArrayList<>();
        for (UpdaterBlock b : blocks) {
            for (UpdaterBlock.ParamState ps : b.getLayersAndVariablesInBlock()) {
                Trainable t = ps.getLayer();
                String key = ps.getParamName();
                String name = NetworkLayers.nameOf(t);
                PerExampleGradientLayer pl = NetworkLayers.perExampleLayerOf(t);
                Map<String, INDArray> views = pl == null ? null : pl.trainableGradientViews();
                boolean dp = views != null && views.containsKey(key);
                long start = ps.getParamOffsetStart();
                long end = ps.getParamOffsetEnd();
                params.add(new Param(t, name, key, start, end, dp));
                if (dp) {
                    INDArray v = views.get(key);
                    if (v.length() != end - start) {
                        throw new IllegalStateException("layer '" + name + "': trainable gradient view '" + key
                                + "' has " + v.length() + " elements but the parameter has " + (end - start));
                    }
                    if (!keysByLayer.containsKey(pl)) {
                        order.add(pl);
                        keysByLayer.put(pl, new ArrayList<>());
                        lengthsByLayer.put(pl, new ArrayList<>());
                        nameByLayer.put(pl, name);
                    }
                    keysByLayer.get(pl).add(key);
                    lengthsByLayer.get(pl).add(end - start);
                }
            }
        }
        List<DPLayer> dpLayers = new ArrayList<>();
        for (PerExampleGradientLayer pl : order) {
            List<String> keys = keysByLayer.get(pl);
            for (String k : pl.trainableGradientViews().keySet()) {
                if (!keys.contains(k)) {
                    throw new IllegalStateException("layer '" + nameByLayer.get(pl) + "' reports trainable "
                            + "gradient view '" + k + "' that is not one of its parameters");
                }
            }
            List<Long> ls = lengthsByLayer.get(pl);
            long[] lengths = new long[ls.size()];
            for (int i = 0; i < lengths.length; i++) {
                lengths[i] = ls.get(i);
            }
            dpLayers.add(new DPLayer(nameByLayer.get(pl), pl, List.copyOf(keys), lengths));
        }
        List<long[]> intervals = new ArrayList<>();
        for (Param p : params) {
            if (p.privatised() || p.length() == 0) {
                continue;
            }
            if (!intervals.isEmpty() && intervals.get(intervals.size() - 1)[1] == p.start()) {
                intervals.get(intervals.size() - 1)[1] = p.end();
            } else {
                intervals.add(new long[]{p.start(), p.end()});
            }
        }
        return new ParameterLayout(params, dpLayers, intervals);
    }

    /** Makes every DP layer with trainable parameters keep the per-example state its clipping needs. */
    void enablePerExampleGradients() {
        for (DPLayer d : dpLayers) {
            d.layer().setPerExampleGradientsEnabled(true);
        }
    }

    /** @return every parameter, in flat order. */
    List<Param> params() {
        return params;
    }

    /** @return the DP layers with trainable parameters, in flat order. */
    List<DPLayer> dpLayers() {
        return dpLayers;
    }

    /** @return [start, end) intervals of the flat vector that no DP layer privatises. */
    List<long[]> nonPrivatisedIntervals() {
        return nonPrivatisedIntervals;
    }

    /**
     * @param flatParams the network's flattened parameter vector
     * @return the privatised parameters' values, parameter by parameter in flat order (each parameter's segment of
     * the flat vector as it lies there), in double (exact for float parameters)
     */
    double[] readPrivatisedParameters(INDArray flatParams) {
        INDArray flat = flatParams.reshape(flatParams.length());
        double[] out = new double[(int) privatisedLength];
        int off = 0;
        for (Param p : params) {
            if (!p.privatised()) {
                continue;
            }
            double[] v = flat.get(NDArrayIndex.interval(p.start(), p.end())).castTo(DataType.DOUBLE).toDoubleVector();
            System.arraycopy(v, 0, out, off, v.length);
            off += v.length;
        }
        return out;
    }

    /**
     * Overwrites the privatised parameters with {@code values} (the order of {@link #readPrivatisedParameters}),
     * rounded to the parameters' data type; every other parameter is left as it is.
     *
     * @throws IllegalArgumentException if {@code values} does not have {@link #privatisedLength()} elements
     */
    void writePrivatisedParameters(double[] values, INDArray flatParams) {
        if (values == null || values.length != privatisedLength) {
            throw new IllegalArgumentException("expected " + privatisedLength + " trainable DP parameter values, got "
                    + (values == null ? "none" : values.length));
        }
        INDArray flat = flatParams.reshape(flatParams.length());
        int off = 0;
        for (Param p : params) {
            if (!p.privatised()) {
                continue;
            }
            int n = (int) p.length();
            INDArray src = Nd4j.createFromArray(Arrays.copyOfRange(values, off, off + n)).castTo(flat.dataType());
            flat.get(NDArrayIndex.interval(p.start(), p.end())).assign(src);
            off += n;
        }
    }

    /** @return number of privatised (trainable DP) coordinates. */
    long privatisedLength() {
        return privatisedLength;
    }
}
