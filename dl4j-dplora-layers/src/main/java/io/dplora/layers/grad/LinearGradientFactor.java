package io.dplora.layers.grad;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
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
 *       D<sub>i</sub>D<sub>i</sub><sup>T</sup>&gt;<sub>F</sub> (cost and memory ~ T<sup>2</sup> per example, in
 *       double), or the direct s<sup>2</sup> ||X<sub>i</sub><sup>T</sup>D<sub>i</sub>||<sub>F</sub><sup>2</sup>
 *       (~ a b per example): ghost iff 2 T<sup>2</sup> &lt; a b (4 T<sup>2</sup> for FLOAT data, which the Gram form
 *       converts to double). Examples are processed in chunks so scratch memory stays bounded;</li>
 *   <li>book-keeping clipped sum: &Sigma;<sub>i</sub> c<sub>i</sub> G<sub>i</sub> = s X<sup>T</sup> (diag(c<sub>row</sub>) D)
 *       = s (diag(c<sub>row</sub>) X)<sup>T</sup> D, one GEMM, c<sub>row</sub> repeating c<sub>i</sub> over the rows of
 *       example i and folded into the narrower of X and D (always D when there is a bias, whose clipped sum is the
 *       column sum of the same scaled D). Rows of examples with c<sub>i</sub> = 0 are zeroed (in the scaled side, and
 *       in a copy of the other side when they are not finite), never multiplied, so NaN/Inf in an excluded example
 *       cannot reach the sum.</li>
 * </ul>
 * <b>Norms that clipping can trust.</b> What {@link #addSquaredNorms} reports is an upper bound, never an estimate
 * that rounding can push below the truth: the squared norm of the example's exact gradient (of the stored X and D)
 * plus a rigorous bound of the floating-point error of computing it, and of what the release (the book-keeping GEMM in
 * the network's data type) can add for that example (see {@link RoundingBounds}). For T = 1 the closed form is a
 * product of sums of squares accumulated in double: relative error ~1e-15, release rounding (1 + &gamma;<sub>N+4</sub>)
 * in the data type (~1e-5 in FLOAT for N = 256 rows). For T &gt; 1 the direct form is computed in the data type
 * with an error bound &gamma;<sub>T</sub> L<sub>i</sub>, L<sub>i</sub> = &Sigma;<sub>t</sub> ||x<sub>t</sub>||
 * ||d<sub>t</sub>||, and the Gram form only in double (a FLOAT Gram sum loses every digit when steps cancel, e.g.
 * x<sub>t</sub> = (-1)<sup>t</sup> 2<sup>20</sup> e<sub>0</sub> + 150 e<sub>1</sub>), with an error bound
 * &radic;(2&gamma;<sub>K</sub>) L<sub>i</sub> (see {@link #addSequenceNorms}). A clip factor c<sub>i</sub> = min(1, C / &radic;bound) therefore keeps the norm of example
 * i's released contribution &le; C whatever the data. What no per-example bound can cover: the rounding of one
 * example's contribution against the others' in the same float sum (of order u times the norm of the whole sum).
 * All state lives in detached {@link ReusableBuffer}s reused across iterations.
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
    private final ReusableBuffer xDouble = new ReusableBuffer();
    private final ReusableBuffer dDouble = new ReusableBuffer();
    private final HostRows host = new HostRows();

    private INDArray x;
    private INDArray d;
    private int examples;
    private int rowsPerExample;
    /**
     * Squared norms of every row of X and D (m T each), accumulated in double while stashing; for T = 1 they give the
     * closed-form norms, for T &gt; 1 the per-example bounds L<sub>i</sub>. Valid when {@link #rowNormsReady}.
     */
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
     * Copies the rows of X and D into this factor's detached buffers (the arguments may live in workspaces). The
     * squared row norms that the per-example norms and their error bounds need are computed in the same pass over the
     * data.
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
        if (HostRows.supports(x) && HostRows.supports(d)) {
            xSq = zeroed(xSq, (int) n);
            dSq = zeroed(dSq, (int) n);
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

    /**
     * Adds to {@code out[i]} (i &lt; m) an upper bound of ||G<sub>i</sub>||<sup>2</sup> (+ ||g<sub>b,i</sub>||
     * <sup>2</sup>) that covers the rounding of its computation and of the release (see the class comment); on
     * ordinary data it exceeds the exact value by a relative ~1e-15 (DOUBLE) or ~1e-7 .. 1e-5 (FLOAT).
     */
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

    /**
     * @return the factor (1 + &gamma;<sub>N+4</sub>) in the data type's precision that bounds, per example, what the
     * book-keeping release adds by rounding: the clip factor rounded to the data type, the row scaling, the GEMM's
     * sums over the N = m T rows and the product with s (or the bias's column sums)
     */
    private double releaseFactor() {
        long rows = (long) examples * rowsPerExample;
        return 1 + RoundingBounds.gamma(rows + 4, RoundingBounds.unitRoundoff(d.dataType()));
    }

    private void addClosedFormNorms(double[] out) {
        if (!rowNormsReady) {
            xSq = rowSquaredNorms(x, xSq);
            dSq = rowSquaredNorms(d, dSq);
            rowNormsReady = true;
        }
        // ||x_i||^2 and ||d_i||^2 are sums of squares of the stored values, accumulated in double: sums of
        // non-negative terms, so each is within a factor (1 + gamma_{a+1}) resp. (1 + gamma_{b+1}) of the exact value;
        // the products below add a few more roundings. For T = 1 the per-example bound L_i of the release rounding is
        // the norm itself (||x d^T|| = ||x|| ||d||).
        double u = RoundingBounds.DOUBLE_UNIT_ROUNDOFF;
        double weightRel = 1 + RoundingBounds.gamma(x.size(1) + d.size(1) + 8, u);
        double biasRel = 1 + RoundingBounds.gamma(d.size(1) + 4, u);
        double release = releaseFactor();
        double release2 = release * release;
        double s2 = scale * scale;
        for (int i = 0; i < examples; i++) {
            out[i] += release2 * (s2 * xSq[i] * dSq[i] * weightRel + (biasKey != null ? dSq[i] * biasRel : 0.0));
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
        INDArray asDouble = small.view(DataType.DOUBLE, rows.size(0), rows.size(1));
        asDouble.assign(rows);
        double[] out = zeroed(reuse, n);
        host.addSquaredNorms(asDouble, out);
        return out;
    }

    /**
     * Sequence norms (T &gt; 1) with a rigorous bound of their error. Let L<sub>i</sub> = &Sigma;<sub>t</sub>
     * ||x<sub>t</sub>|| ||d<sub>t</sub>|| &ge; ||X<sub>i</sub><sup>T</sup>D<sub>i</sub>||<sub>F</sub> (Cauchy-Schwarz),
     * L<sub>b,i</sub> = &Sigma;<sub>t</sub> ||d<sub>t</sub>||, and u the unit roundoff of the arithmetic used.
     * <ul>
     *   <li>Direct form, computed in the data type: each entry of X<sup>T</sup>D has error &le;
     *       &gamma;<sub>T</sub> &Sigma;<sub>t</sub> |x<sub>tk</sub>||d<sub>tj</sub>|, so the error matrix has
     *       Frobenius norm &le; &gamma;<sub>T</sub> L and ||X<sup>T</sup>D|| &le; ||computed||
     *       (1 + &gamma;<sub>ab+2</sub>) + &gamma;<sub>T</sub> L (the squares summed in double). In FLOAT with T = 64
     *       the bound term is 4e-6 L: tight for ordinary data, and still a true bound when steps cancel.</li>
     *   <li>Gram ("ghost") form S = &Sigma;<sub>t,t'</sub> (x<sub>t</sub>&middot;x<sub>t'</sub>)(d<sub>t</sub>&middot;
     *       d<sub>t'</sub>): each inner product has absolute error &le; &gamma;<sub>a</sub> ||x<sub>t</sub>||
     *       ||x<sub>t'</sub>|| (resp. &gamma;<sub>b</sub>), the sum of T<sup>2</sup> products &gamma;<sub>T<sup>2</sup>
     *       </sub> more, so |S&#770; - S| &le; &gamma;<sub>a+b+T<sup>2</sup>+2</sub> L<sup>2</sup> (first order; a
     *       factor 2 covers the rest): an error of order &radic;&gamma; L in the norm. In FLOAT that would be ~1e-2 L
     *       (and a float Gram sum loses every digit when steps cancel), so the Gram form is always computed in double
     *       (exact conversion, products of floats exact), where &radic;&gamma; L is ~1e-6 L; it is chosen only when
     *       its cost, T<sup>2</sup> per example, doubled for the conversion in FLOAT, is below the direct form's a b.</li>
     *   <li>Bias g<sub>b</sub> = &Sigma;<sub>t</sub> d<sub>t</sub>, summed in double: ||g<sub>b</sub>|| &le;
     *       ||computed|| (1 + &gamma;<sub>b+2</sub>) + &gamma;<sub>T</sub> L<sub>b</sub>.</li>
     * </ul>
     * To each norm the release rounding (&gamma;<sub>N+4</sub> in the data type) times L (resp. L<sub>b</sub>) is
     * added: the result bounds the norm of what the book-keeping GEMM will add for the example, divided by its clip
     * factor.
     */
    private void addSequenceNorms(double[] out) {
        int t = rowsPerExample;
        long a = x.size(1);
        long b = d.size(1);
        DataType dt = d.dataType();
        boolean convert = dt != DataType.DOUBLE || x.dataType() != DataType.DOUBLE;
        boolean ghost = (convert ? 4L : 2L) * t * t < a * b;
        double ud = RoundingBounds.DOUBLE_UNIT_ROUNDOFF;
        double ghostGamma = 2 * RoundingBounds.gamma(a + b + (long) t * t + 2, ud);
        double directGamma = RoundingBounds.gamma(t + 1, RoundingBounds.unitRoundoff(dt));
        double squareSumRel = 1 + RoundingBounds.gamma(a * b + 2, ud);
        double biasRel = 1 + RoundingBounds.gamma(b + 2, ud);
        double biasGamma = RoundingBounds.gamma(t + 1, ud);
        double releaseGamma = releaseFactor() - 1;
        double rowRel = 1 + RoundingBounds.gamma(Math.max(a, b) + 4, ud);
        if (!rowNormsReady) {
            xSq = rowSquaredNorms(x, xSq);
            dSq = rowSquaredNorms(d, dSq);
            rowNormsReady = true;
        }
        double[] biasSq = biasKey == null ? null : exampleBiasSquaredNorms();
        INDArray x3 = x.reshape('c', examples, t, a);
        INDArray d3 = d.reshape('c', examples, t, b);
        long perExample = ghost ? 2L * t * t + (convert ? (long) t * (a + b) : 0) : a * b;
        int chunk = (int) Math.max(1, Math.min(examples, CHUNK_ELEMENTS / perExample));
        double s2 = scale * scale;
        double[] sq = new double[chunk];
        for (int i0 = 0; i0 < examples; i0 += chunk) {
            int c = Math.min(chunk, examples - i0);
            INDArray xc = x3.get(NDArrayIndex.interval(i0, i0 + c), NDArrayIndex.all(), NDArrayIndex.all());
            INDArray dc = d3.get(NDArrayIndex.interval(i0, i0 + c), NDArrayIndex.all(), NDArrayIndex.all());
            Arrays.fill(sq, 0.0);
            // reductions run in Java over the scratch memory, accumulating in double
            if (ghost) {
                if (convert) {
                    xc = doubleCopy(xDouble, xc, c, t, a);
                    dc = doubleCopy(dDouble, dc, c, t, b);
                }
                INDArray gx = scratchA.view(DataType.DOUBLE, c, t, t);
                INDArray gd = scratchB.view(DataType.DOUBLE, c, t, t);
                Nd4j.matmul(xc, xc, gx, false, true, false);
                Nd4j.matmul(dc, dc, gd, false, true, false);
                gx.muli(gd);
                host.addRowSums(gx.reshape('c', c, (long) t * t), sq);
            } else {
                INDArray g = scratchA.view(dt, c, a, b);
                Nd4j.matmul(xc, dc, g, true, false, false);
                host.addSquaredNorms(g.reshape('c', c, a * b), sq);
            }
            for (int j = 0; j < c; j++) {
                int i = i0 + j;
                double l = 0;
                double lb = 0;
                for (int row = i * t; row < (i + 1) * t; row++) {
                    double dn = Math.sqrt(dSq[row]);
                    l += Math.sqrt(xSq[row]) * dn;
                    lb += dn;
                }
                l *= rowRel; // the row norms are sums of squares, relatively accurate; cover their rounding
                lb *= rowRel;
                double weightNorm = ghost
                        ? Math.sqrt(Math.max(sq[j], 0.0) + ghostGamma * l * l)
                        : Math.sqrt(sq[j] * squareSumRel) + directGamma * l;
                weightNorm += releaseGamma * l;
                double total = s2 * weightNorm * weightNorm;
                if (biasSq != null) {
                    double biasNorm = Math.sqrt(biasSq[i] * biasRel) + (biasGamma + releaseGamma) * lb;
                    total += biasNorm * biasNorm;
                }
                out[i] += total;
            }
        }
    }

    /** @return ||&Sigma;<sub>t</sub> d<sub>t</sub>||<sup>2</sup> of every example, the sums taken in double */
    private double[] exampleBiasSquaredNorms() {
        int t = rowsPerExample;
        int b = (int) d.size(1);
        double[] sums = new double[examples * b];
        if (HostRows.supports(d)) {
            host.addExampleColumnSums(d, t, sums);
        } else {
            INDArray dd = small.view(DataType.DOUBLE, d.size(0), b);
            dd.assign(d);
            host.addExampleColumnSums(dd, t, sums);
        }
        double[] out = new double[examples];
        for (int i = 0; i < examples; i++) {
            double s = 0;
            for (int j = 0; j < b; j++) {
                double v = sums[i * b + j];
                s += v * v;
            }
            out[i] = s;
        }
        return out;
    }

    /** @return {@code values} [c, t, w] converted into a double scratch buffer (exact for FLOAT and DOUBLE) */
    private static INDArray doubleCopy(ReusableBuffer buffer, INDArray values, int c, int t, long w) {
        INDArray copy = buffer.view(DataType.DOUBLE, c, t, w);
        copy.assign(values);
        return copy;
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
            MatrixProducts.transposedProductInto(scaleX ? scaled : other, scaleX ? other : scaled, scale, weightView);
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
