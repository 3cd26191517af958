package io.dplora.layers.grad;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * The trainable coordinates of a network, in the order of its flattened parameter (and gradient) vector: every
 * parameter whose updater is not {@link NoOp} (frozen wrappers, frozen LoRA weights and frozen heads have NoOp
 * updaters). Independent of {@link io.dplora.layers.PerExampleGradientLayer}, so it can serve as the reference that
 * per-example gradient layers are tested against.
 */
public final class TrainableParameters {

    /** One trainable parameter: its layer name, key, offset in the flattened vector and length. */
    public static final class Segment {
        private final String layerName;
        private final String key;
        private final long offset;
        private final long length;
        private final long position;

        Segment(String layerName, String key, long offset, long length, long position) {
            this.layerName = layerName;
            this.key = key;
            this.offset = offset;
            this.length = length;
            this.position = position;
        }

        public String layerName() {
            return layerName;
        }

        public String key() {
            return key;
        }

        /** @return offset in the network's flattened parameter/gradient vector */
        public long offset() {
            return offset;
        }

        public long length() {
            return length;
        }

        /** @return offset of this parameter inside the trainable-coordinates vector */
        public long position() {
            return position;
        }

        @Override
        public String toString() {
            return layerName + "_" + key + "[" + offset + ", +" + length + "]";
        }
    }

    private final List<Segment> segments;
    private final long dimension;

    private TrainableParameters(List<Segment> segments, long dimension) {
        this.segments = Collections.unmodifiableList(segments);
        this.dimension = dimension;
    }

    public static TrainableParameters of(ComputationGraph net) {
        return of(net, net.getLayers());
    }

    public static TrainableParameters of(MultiLayerNetwork net) {
        return of(net, net.getLayers());
    }

    private static TrainableParameters of(Model net, Layer[] layers) {
        INDArray flat = net.params();
        List<long[]> found = new ArrayList<>();
        List<String[]> names = new ArrayList<>();
        for (Layer layer : layers) {
            TrainingConfig conf = layer.getConfig();
            for (java.util.Map.Entry<String, INDArray> e : layer.paramTable().entrySet()) {
                IUpdater u = conf.getUpdaterByParam(e.getKey());
                if (u == null || u instanceof NoOp) {
                    continue;
                }
                INDArray view = e.getValue();
                long offset = view.offset() - flat.offset();
                if (offset < 0 || offset + view.length() > flat.length()) {
                    throw new IllegalStateException("Parameter " + conf.getLayerName() + "_" + e.getKey()
                            + " is not a view of the network's parameter vector");
                }
                INDArray slice = flat.reshape(flat.length()).get(NDArrayIndex.interval(offset, offset + view.length()));
                if (!slice.equals(Nd4j.toFlattened('f', view))) {
                    throw new IllegalStateException("Could not locate parameter " + conf.getLayerName() + "_"
                            + e.getKey() + " in the network's parameter vector");
                }
                found.add(new long[]{offset, view.length()});
                names.add(new String[]{conf.getLayerName(), e.getKey()});
            }
        }
        Integer[] order = new Integer[found.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, Comparator.comparingLong(i -> found.get(i)[0]));
        List<Segment> segments = new ArrayList<>();
        long position = 0;
        for (int i : order) {
            long[] ol = found.get(i);
            segments.add(new Segment(names.get(i)[0], names.get(i)[1], ol[0], ol[1], position));
            position += ol[1];
        }
        return new TrainableParameters(segments, position);
    }

    public List<Segment> segments() {
        return segments;
    }

    /** @return the number of trainable coordinates k */
    public long dimension() {
        return dimension;
    }

    /** @return the segment of one parameter */
    public Segment segment(String layerName, String key) {
        for (Segment s : segments) {
            if (s.layerName.equals(layerName) && s.key.equals(key)) {
                return s;
            }
        }
        throw new IllegalArgumentException("No trainable parameter " + layerName + "_" + key + " in " + segments);
    }

    /** Copies the trainable coordinates of a flattened gradient (or parameter) vector into {@code out} [k]. */
    public void gather(INDArray flat, INDArray out) {
        INDArray f = flat.reshape(flat.length());
        INDArray o = out.reshape(out.length());
        for (Segment s : segments) {
            o.get(NDArrayIndex.interval(s.position, s.position + s.length))
                    .assign(f.get(NDArrayIndex.interval(s.offset, s.offset + s.length)));
        }
    }
}
