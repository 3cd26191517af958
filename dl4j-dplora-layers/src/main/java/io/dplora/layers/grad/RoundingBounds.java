package io.dplora.layers.grad;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * Rigorous floating-point error bounds of the per-example norms that clipping depends on (Higham, <i>Accuracy and
 * Stability of Numerical Algorithms</i>, 2nd ed., ch. 3).
 *
 * <p>Notation: u is the unit roundoff of a format (2<sup>-24</sup> for FLOAT, 2<sup>-53</sup> for DOUBLE) and
 * &gamma;<sub>k</sub> = k u / (1 - k u). A sum or dot product of k terms computed in floating point, in any order and
 * with or without fused multiply-adds, differs from the exact value by at most &gamma;<sub>k</sub> times the sum of the
 * absolute values of its terms; a chain of k roundings multiplies a value by a factor within
 * [1 - &gamma;<sub>k</sub>, 1 + &gamma;<sub>k</sub>].
 */
public final class RoundingBounds {

    /** Unit roundoff of IEEE double. */
    public static final double DOUBLE_UNIT_ROUNDOFF = 0x1p-53;
    /** Unit roundoff of IEEE single (FLOAT). */
    public static final double FLOAT_UNIT_ROUNDOFF = 0x1p-24;

    private RoundingBounds() {
    }

    /**
     * @param dataType FLOAT or DOUBLE (anything else is treated as FLOAT-or-worse: refused)
     * @return the unit roundoff u of that format
     * @throws IllegalArgumentException for other data types
     */
    public static double unitRoundoff(DataType dataType) {
        switch (dataType) {
            case DOUBLE:
                return DOUBLE_UNIT_ROUNDOFF;
            case FLOAT:
                return FLOAT_UNIT_ROUNDOFF;
            default:
                throw new IllegalArgumentException("no rounding bound for data type " + dataType
                        + ": per-example norms need FLOAT or DOUBLE");
        }
    }

    /**
     * @return &gamma;<sub>k</sub> = k u / (1 - k u), rounded up; +Infinity when k u &ge; 1/2 (no useful bound)
     */
    public static double gamma(long k, double u) {
        double ku = k * u;
        if (!(ku < 0.5)) {
            return Double.POSITIVE_INFINITY;
        }
        return Math.nextUp(ku / (1 - ku)) * (1 + 4 * DOUBLE_UNIT_ROUNDOFF);
    }
}
