package io.dplora.layers.grad;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.reduce.floating.SquaredNorm;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

/**
 * Exact per-example gradients of one linear map seen through its rows, the building block of every DP-capable layer.
 *
 * <p>A layer whose batch gradient is G = s X<sup>T</sup> D (and optionally g<sub>b</sub> = &Sigma;<sub>rows</sub> D)
 * stashes X [N, a] and D [N, b] after backprop, where N = m T rows are grouped by example: rows i T .. i T + T - 1
 * belong to example i (T = 1 for 2D input). Then, per example i with row block X<sub>i</sub>, D<sub>i</sub>:
 * <ul>
 *   <li>G<sub>i</sub> = s X<sub>i</sub><sup>T</sup> D<sub>i</sub>, g<sub>b,i</sub> = &Sigma;<sub>t</sub> D<sub>i,t</sub>;</li>
 *   <li>T = 1: ||G<sub>i</sub>||<sup>2</sup> = s<sup>2</sup> ||x<sub>i</sub>||<sup>2</sup> ||d<sub>i</sub>||<sup>2</sup>
 *       (closed form, O(N (a + b)), no a x b tensor);</li>
 *   <li>T &gt; 1: either the Gram ("ghost") form s<sup>2</sup> &lt;X<sub>i</sub>X<sub>i</sub><sup>T</sup>,
 *       D<sub>i</sub>D<sub>i</sub><sup>T</sup>&gt;<sub>F</sub> (cost and memory ~ T<sup>2</sup> per example), or the
 *       direct s<sup>2</sup> ||X<sub>i</sub><sup>T</sup>D<sub>i</sub>||<sub>F</sub><sup>2</sup> (~ a b per example):
 *       ghost iff 2 T<sup>2</sup> &lt; a b; both exact. Examples are processed in chunks so scratch memory stays
 *       bounded;</li>
 *   <li>book-keeping clipped sum: &Sigma;<sub>i</sub> c<sub>i</sub> G<sub>i</sub> = s X<sup>T</sup> (diag(c<sub>row</sub>) D)
 *       = s (diag(c<sub>row</sub>) X)<sup>T</sup> D, one GEMM, c<sub>row</sub> repeating c<sub>i</sub> over the rows of
 *       example i and folded into the narrower of X and D (always D when there is a bias, whose clipped sum is the
 *       column sum of the same scaled D). Rows of examples with c<sub>i</sub> = 0 are zeroed (in the scaled side, and
 *       in a copy of the other side when they are not finite), never multiplied, so NaN/Inf in an excluded example
 *       cannot reach the sum.</li>
 * </ul>
 * Norms are accumulated in double. All state lives in detached {@link ReusableBuffer}s reused across iterations.
 */
public final class LinearGradientFactor {

    /** Upper bound on the elements of the per-chunk scratch tensors used for T &gt; 1. */
    private static final long CHUNK_ELEMENTS = 1L << 22;

    private final String weightKey;
    private final String biasKey;
    private final double scale;

    private final ReusableBuffer xBuffer = new ReusableBuffer();
    private final ReusableBuffer dBuffer = new ReusableBuffer();
    private final ReusableBuffer scaledRows = new ReusableBuffer();
    private final ReusableBuffer safeRows = new ReusableBuffer();
    private final ReusableBuffer scratchA = new ReusableBuffer();
    private final ReusableBuffer scratchB = new ReusableBuffer();
    private final ReusableBuffer small = new ReusableBuffer();
    private final HostRows host = new HostRows();

    private INDArray x;
    private INDArray d;
    private int examples;
    private int rowsPerExample;
    /** ||x<sub>i</sub>||<sup>2</sup> and ||d<sub>i</sub>||<sup>2</sup> (T = 1), valid when {@link #rowNormsReady} */
    private double[] xSq = new double[0];
    private double[] dSq = new double[0];
    private double[] columnSums = new double[0];
    private boolean rowNormsReady;

    /**
     * @param weightKey parameter key of G
     * @param biasKey   parameter key of the bias gradient, or null when this factor has no bias
     * @param scale     the constant s in G = s X<sup>T</sup> D
     */
    public LinearGradientFactor(String weightKey, String biasKey, double scale) {
        this.weightKey = weightKey;
        this.biasKey = biasKey;
        this.scale = scale;
    }

    public String weightKey() {
        return weightKey;
    }

    /** @return the bias key, or null. */
    public String biasKey() {
        return biasKey;
    }

    /** @return whether a batch is stashed. */
    public boolean hasState() {
        return x != null;
    }

    /**
     * Copies the rows of X and D into this factor's detached buffers (the arguments may live in workspaces). For
     * 2D input (T = 1) the squared row norms that the closed-form per-example norms need are computed in the same
     * pass over the data.
     *
     * @param xRows [m T, a], rows grouped by example
     * @param dRows [m T, b], same row order; rows of padded steps must be zero
     */
    public void stash(INDArray xRows, INDArray dRows, int m, int t) {
        long n = (long) m * t;
        if (xRows.rank() != 2 || dRows.rank() != 2 || xRows.size(0) != n || dRows.size(0) != n) {
            throw new IllegalArgumentException("Expected [" + n + ", *] row matrices, got "
                    + java.util.Arrays.toString(xRows.shape()) + " and " + java.util.Arrays.toString(dRows.shape()));
        }
        DataType dt = dRows.dataType();
        x = xBuffer.view(dt, n, xRows.size(1));
        d = dBuffer.view(dt, n, dRows.size(1));
        rowNormsReady = false;
        if (t == 1 && HostRows.supports(x) && HostRows.supports(d)) {
            xSq = zeroed(xSq, m);
            dSq = zeroed(dSq, m);
            copyWithSquaredNorms(xRows, x, xSq);
            copyWithSquaredNorms(dRows, d, dSq);
            rowNormsReady = true;
        } else {
            x.assign(xRows);
            d.assign(dRows);
        }
        examples = m;
        rowsPerExample = t;
    }

    private void copyWithSquaredNorms(INDArray src, INDArray dst, double[] sq) {
        if (src.dataType() == dst.dataType() && HostRows.supports(src)) {
            host.copyWithSquaredNorms(src, dst, sq);
        } else {
            dst.assign(src);
            host.addSquaredNorms(dst, sq);
        }
    }

    private static double[] zeroed(double[] a, int n) {
        if (a.length < n) {
            return new double[n];
        }
        Arrays.fill(a, 0, n, 0.0);
        return a;
    }

    /**
     * Sets a gradient view to zero, as a backward pass with per-example gathering leaves the views this factor covers
     * until {@link #writeClippedSum} fills them (written through the view's memory when it is dense).
     */
    public void zeroGradient(INDArray view) {
        host.zero(view);
    }

    /** Drops the references to the stashed batch; buffers are kept for reuse. */
    public void clear() {
        x = null;
        d = null;
        examples = 0;
        rowsPerExample = 0;
        rowNormsReady = false;
    }

    /** Adds ||G<sub>i</sub>||<sup>2</sup> (+ ||g<sub>b,i</sub>||<sup>2</sup>) to {@code out[i]}, i &lt; m. */
    public void addSquaredNorms(double[] out) {
        requireState();
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            if (rowsPerExample == 1) {
                addClosedFormNorms(out);
            } else {
                addSequenceNorms(out);
            }
        }
    }

    private void addClosedFormNorms(double[] out) {
        if (!rowNormsReady) {
            xSq = rowSquaredNorms(x, xSq);
            dSq = rowSquaredNorms(d, dSq);
            rowNormsReady = true;
        }
        double s2 = scale * scale;
        for (int i = 0; i < examples; i++) {
            out[i] += s2 * xSq[i] * dSq[i] + (biasKey != null ? dSq[i] : 0.0);
        }
    }

    /** @return the squared L2 norm of every row of {@code rows}, in {@code reuse} when it is long enough */
    private double[] rowSquaredNorms(INDArray rows, double[] reuse) {
        int n = Math.toIntExact(rows.size(0));
        if (HostRows.supports(rows)) {
            double[] out = zeroed(reuse, n);
            host.addSquaredNorms(rows, out);
            return out;
        }
        INDArray result = small.view(rows.dataType(), rows.size(0));
        Nd4j.getExecutioner().exec(new SquaredNorm(rows, result, 1));
        return result.toDoubleVector();
    }

    private void addSequenceNorms(double[] out) {
        int t = rowsPerExample;
        long a = x.size(1);
        long b = d.size(1);
        DataType dt = d.dataType();
        INDArray x3 = x.reshape('c', examples, t, a);
        INDArray d3 = d.reshape('c', examples, t, b);
        boolean ghost = 2L * t * t < a * b;
        long perExample = ghost ? 2L * t * t : a * b;
        int chunk = (int) Math.max(1, Math.min(examples, CHUNK_ELEMENTS / perExample));
        double s2 = scale * scale;
        for (int i0 = 0; i0 < examples; i0 += chunk) {
            int c = Math.min(chunk, examples - i0);
            INDArray xc = x3.get(NDArrayIndex.interval(i0, i0 + c), NDArrayIndex.all(), NDArrayIndex.all());
            INDArray dc = d3.get(NDArrayIndex.interval(i0, i0 + c), NDArrayIndex.all(), NDArrayIndex.all());
            double[] sq;
            if (ghost) {
                INDArray gx = scratchA.view(dt, c, t, t);
                INDArray gd = scratchB.view(dt, c, t, t);
                Nd4j.matmul(xc, xc, gx, false, true, false);
                Nd4j.matmul(dc, dc, gd, false, true, false);
                gx.muli(gd);
                INDArray sums = small.view(dt, c);
                gx.sum(sums, 1, 2);
                sq = sums.toDoubleVector();
            } else {
                INDArray g = scratchA.view(dt, c, a, b);
                Nd4j.matmul(xc, dc, g, true, false, false);
                INDArray sums = small.view(dt, c);
                Nd4j.getExecutioner().exec(new SquaredNorm(g, sums, 1, 2));
                sq = sums.toDoubleVector();
            }
            for (int j = 0; j < c; j++) {
                out[i0 + j] += s2 * sq[j];
            }
        }
        if (biasKey != null) {
            INDArray perExampleBias = scratchB.view(dt, examples, b);
            d3.sum(perExampleBias, 1);
            double[] bSq = rowSquaredNorms(perExampleBias, new double[examples]);
            for (int i = 0; i < examples; i++) {
                out[i] += bSq[i];
            }
        }
    }

    /**
     * Overwrites {@code weightView} (and {@code biasView}) with &Sigma;<sub>i</sub> c<sub>i</sub> G<sub>i</sub>
     * (and &Sigma;<sub>i</sub> c<sub>i</sub> g<sub>b,i</sub>).
     *
     * @param clipFactors c<sub>i</sub>, finite and &ge; 0; 0 excludes example i entirely
     * @param weightView  'f'-contiguous gradient view [a, b]
     * @param biasView    gradient view [1, b], or null when this factor has no bias
     */
    public void writeClippedSum(double[] clipFactors, INDArray weightView, INDArray biasView) {
        requireState();
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            boolean anyIncluded = false;
            boolean anyExcluded = false;
            for (int i = 0; i < examples; i++) {
                if (clipFactors[i] > 0) {
                    anyIncluded = true;
                } else {
                    anyExcluded = true;
                }
            }
            host.zero(weightView);
            if (biasView != null) {
                host.zero(biasView);
            }
            if (!anyIncluded) {
                return;
            }
            int t = rowsPerExample;
            long n = (long) examples * t;
            DataType dt = d.dataType();
            // fold c into the narrower side (only D when there is a bias, whose gradient is a column sum of D)
            boolean scaleX = biasKey == null && x.size(1) < d.size(1);
            INDArray side = scaleX ? x : d;
            INDArray scaled = scaledRows.view(dt, n, side.size(1));
            double[] biasSum = null;
            if (HostRows.supports(side)) {
                // rows of excluded examples are written as zeros; the bias gradient is the column sum of the result
                if (biasView != null) {
                    columnSums = zeroed(columnSums, (int) side.size(1));
                    biasSum = columnSums;
                }
                host.scaleRows(side, clipFactors, t, scaled, biasSum);
            } else {
                Nd4j.getExecutioner().exec(new BroadcastMulOp(side, rowFactors(clipFactors, dt), scaled, 0));
                if (anyExcluded) {
                    zeroExcludedRows(clipFactors, scaled);
                }
            }
            INDArray other = scaleX ? d : x;
            if (anyExcluded) {
                other = withoutNonFiniteExcludedRows(clipFactors, other);
            }
            Nd4j.gemm(scaleX ? scaled : other, scaleX ? other : scaled, weightView, true, false, scale, 0.0);
            if (biasSum != null) {
                host.setVector(biasView, biasSum);
            } else if (biasView != null) {
                scaled.sum(biasView, 0);
            }
        }
    }

    /** @return c<sub>row</sub> [m T]: c<sub>i</sub> repeated over the T rows of example i, in the given type */
    private INDArray rowFactors(double[] clipFactors, DataType dt) {
        int t = rowsPerExample;
        double[] perRow = new double[examples * t];
        for (int i = 0; i < examples; i++) {
            Arrays.fill(perRow, i * t, (i + 1) * t, clipFactors[i]);
        }
        INDArray factors = small.view(dt, perRow.length);
        factors.assign(Nd4j.createFromArray(perRow).castTo(dt));
        return factors;
    }

    private void zeroExcludedRows(double[] clipFactors, INDArray rows) {
        int t = rowsPerExample;
        for (int i = 0; i < examples; i++) {
            if (!(clipFactors[i] > 0)) {
                rows.get(NDArrayIndex.interval((long) i * t, (long) (i + 1) * t), NDArrayIndex.all()).assign(0.0);
            }
        }
    }

    /** @return {@code rows}, or a copy in which excluded examples' rows are zero when any of them is not finite */
    private INDArray withoutNonFiniteExcludedRows(double[] clipFactors, INDArray rows) {
        int t = rowsPerExample;
        INDArray out = rows;
        for (int i = 0; i < examples; i++) {
            if (clipFactors[i] > 0) {
                continue;
            }
            INDArray block = rows.get(NDArrayIndex.interval((long) i * t, (long) (i + 1) * t), NDArrayIndex.all());
            if (!Double.isFinite(block.sumNumber().doubleValue())) {
                if (out == rows) {
                    out = safeRows.view(rows.dataType(), rows.size(0), rows.size(1));
                    out.assign(rows);
                }
                out.get(NDArrayIndex.interval((long) i * t, (long) (i + 1) * t), NDArrayIndex.all()).assign(0.0);
            }
        }
        return out;
    }

    private void requireState() {
        if (x == null) {
            throw new IllegalStateException("No per-example state for '" + weightKey + "': per-example gradients were "
                    + "not gathered in the last backward pass, or the state was already cleared");
        }
    }
}
