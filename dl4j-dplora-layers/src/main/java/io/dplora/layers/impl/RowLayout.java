package io.dplora.layers.impl;

import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * How an activation maps to the row matrix a dense map works on, with rows grouped <em>by example</em>:
 * 2D input [mb, n] is its own row matrix (one row per example); a sequence [mb, n, T] (NCW) or [mb, T, n] (NWC)
 * becomes [mb T, n] with row i T + t = (example i, step t), so example i owns the contiguous rows i T .. i T + T - 1.
 * (DL4J's own RnnToFeedForwardPreProcessor orders rows time-major, t mb + i, and loses the grouping.)
 */
final class RowLayout {

    private final boolean sequence;
    private final long examples;
    private final long steps;
    private final RNNFormat format;

    private RowLayout(boolean sequence, long examples, long steps, RNNFormat format) {
        this.sequence = sequence;
        this.examples = examples;
        this.steps = steps;
        this.format = format;
    }

    /**
     * @param in          layer input, rank 2 or 3
     * @param format      layout of rank-3 input
     * @param nIn         expected feature size
     * @param layerId     used in error messages
     */
    static RowLayout of(INDArray in, RNNFormat format, long nIn, String layerId) {
        if (in.rank() == 2) {
            if (in.size(1) != nIn) {
                throw new DL4JInvalidInputException("Input has " + in.size(1) + " features, layer expects nIn = "
                        + nIn + " " + layerId);
            }
            return new RowLayout(false, in.size(0), 1, format);
        }
        if (in.rank() == 3) {
            long features = format == RNNFormat.NWC ? in.size(2) : in.size(1);
            long t = format == RNNFormat.NWC ? in.size(1) : in.size(2);
            if (features != nIn) {
                throw new DL4JInvalidInputException("Sequence input " + Arrays.toString(in.shape()) + " (" + format
                        + ") has " + features + " features, layer expects nIn = " + nIn + " " + layerId);
            }
            return new RowLayout(true, in.size(0), t, format);
        }
        throw new DL4JInvalidInputException("Expected input of rank 2 [mb, nIn] or 3 (sequences), got shape "
                + Arrays.toString(in.shape()) + " " + layerId);
    }

    boolean isSequence() {
        return sequence;
    }

    int examples() {
        return Math.toIntExact(examples);
    }

    int rowsPerExample() {
        return Math.toIntExact(steps);
    }

    long rows() {
        return examples * steps;
    }

    /** @return the row matrix [mb T, n] of a rank-2/3 activation (2D input is returned as is, cast to dataType) */
    INDArray toRows(INDArray in, DataType dataType, LayerWorkspaceMgr mgr, ArrayType type) {
        INDArray cast = in.castTo(dataType);
        if (!sequence) {
            return cast;
        }
        INDArray exampleMajor = format == RNNFormat.NWC ? cast : cast.permute(0, 2, 1);
        long features = exampleMajor.size(2);
        return mgr.dup(type, exampleMajor, 'c').reshape('c', rows(), features);
    }

    /**
     * The row matrix for an inference pass, which keeps nothing for a backward pass: a reshaped view of an NWC
     * input that is already a contiguous 'c' array (no copy), otherwise {@link #toRows}.
     */
    INDArray toRowsForInference(INDArray in, DataType dataType, LayerWorkspaceMgr mgr, ArrayType type) {
        if (sequence && format == RNNFormat.NWC && in.dataType() == dataType && in.ordering() == 'c' && !in.isView()) {
            return in.reshape('c', rows(), in.size(2));
        }
        return toRows(in, dataType, mgr, type);
    }

    /** @return whether {@link #fromRows} can return a 'c' row matrix's memory as the activation (NWC, or 2D) */
    boolean rowsAreActivationLayout() {
        return !sequence || format == RNNFormat.NWC;
    }

    /**
     * @return the activation [mb, n, T] (NCW) or [mb, T, n] (NWC) for a 'c'-ordered row matrix, in {@code type}
     *         (NWC: a reshape of the rows, copied only when they are not already in {@code type}'s workspace)
     */
    INDArray fromRows(INDArray rows, LayerWorkspaceMgr mgr, ArrayType type) {
        if (!sequence) {
            return mgr.leverageTo(type, rows);
        }
        INDArray r3 = rows.reshape('c', examples, steps, rows.size(1));
        if (format == RNNFormat.NWC) {
            return mgr.leverageTo(type, r3);
        }
        return mgr.dup(type, r3.permute(0, 2, 1), 'c');
    }

    /**
     * @return a per-row mask column [rows, 1] for a per-step mask (sequence: [mb, T]; 2D: [mb, 1]), or null (no mask,
     *         or a sequence mask of ones only).
     * @throws DL4JInvalidInputException for a mask of another shape
     */
    INDArray maskRows(INDArray mask, DataType dataType, String layerId) {
        if (mask == null) {
            return null;
        }
        if (!sequence) {
            if (mask.rank() == 2 && mask.size(0) == examples && mask.size(1) == 1) {
                return mask.castTo(dataType);
            }
        } else if (mask.rank() == 2 && mask.size(0) == examples && mask.size(1) == steps) {
            if (mask.minNumber().doubleValue() == 1.0 && mask.maxNumber().doubleValue() == 1.0) {
                return null; // every step is real: multiplying by the mask would change nothing
            }
            return mask.castTo(dataType).dup('c').reshape('c', rows(), 1);
        }
        throw new DL4JInvalidInputException("Mask of shape " + Arrays.toString(mask.shape())
                + " does not fit input with " + examples + " examples and " + steps + " steps " + layerId);
    }
}
