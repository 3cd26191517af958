package io.dplora.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The numerical kernels against 60-digit references and identities. */
class LogMathTest {

    /**
     * {x, erfc(x), log(erfc(x))}, printed by {@code python3 src/test/python/rdp_reference.py erfc} (decimal erfc:
     * Maclaurin series below 3, Laplace continued fraction of depth 4000 above).
     */
    private static final double[][] ERFC = {
        {-6.0, 2.0, 0.6931471805599453},
        {-2.5, 1.999593047982555, 0.6929436838471712},
        {-1.0, 1.8427007929497148, 0.6112323176780705},
        {-0.3, 1.3286267594591274, 0.28414589714140825},
        {0.0, 1.0, 0.0},
        {1e-08, 0.9999999887162083, -1.1283791734617103e-08},
        {0.0625, 0.9295680222776129, -0.07303529291935217},
        {0.2, 0.7772974107895215, -0.2519322337826167},
        {0.5, 0.4795001221869535, -0.7350111298370844},
        {0.9, 0.20309178757716786, -1.5940972465793173},
        {1.0, 0.15729920705028513, -1.8496055099332482},
        {1.7, 0.01620954140922544, -4.122155234243904},
        {2.5, 0.0004069520174449589, -7.806815272727264},
        {3.3, 3.0577097964381654e-06, -12.697844354751986},
        {3.999, 1.554474949099499e-08, -17.9795429086511},
        {4.0, 1.541725790028002e-08, -17.987778312103007},
        {4.001, 1.5290782173248732e-08, -17.99601566244409},
        {5.5, 7.357847917974398e-15, -32.543008907376965},
        {8.0, 1.1224297172982926e-29, -66.65947197080516},
        {12.0, 1.3562611692059042e-64, -147.06071417798702},
        {19.99, 8.052897098527562e-176, -403.1689444522499},
        {20.0, 5.395865611607901e-176, -403.56934333410425},
        {26.0, 5.663192408856143e-296, -679.8311997631943},
        {27.0, 5.23705e-319, -732.8688865078974},
        {30.0, 0.0, -903.9741171106439},
        {50.0, 0.0, -2504.484587848451},
        {200.0, 0.0, -40005.870694809084},
        {10000.0, 0.0, -100000009.78270532},
    };

    @Test
    void erfcMatchesHighPrecisionValues() {
        for (double[] row : ERFC) {
            double x = row[0];
            if (row[1] > 0) {
                assertEquals(row[1], LogMath.erfc(x), 5e-16 * (1 + x * x) * row[1], "erfc(" + x + ")");
            } else {
                assertEquals(0.0, LogMath.erfc(x), 1e-320, "erfc(" + x + ") underflows");
            }
            assertEquals(row[2], LogMath.logErfc(x), 1e-15 * Math.max(1, Math.abs(row[2])), "log erfc(" + x + ")");
        }
    }

    @Test
    void erfcSpecialValuesAndSymmetry() {
        assertEquals(0.0, LogMath.erfc(Double.POSITIVE_INFINITY));
        assertEquals(2.0, LogMath.erfc(Double.NEGATIVE_INFINITY));
        assertEquals(Double.NEGATIVE_INFINITY, LogMath.logErfc(Double.POSITIVE_INFINITY));
        assertTrue(Double.isNaN(LogMath.erfc(Double.NaN)));
        for (double x = -5; x <= 5; x += 0.37) {
            assertEquals(2.0, LogMath.erfc(x) + LogMath.erfc(-x), 1e-15);
            assertEquals(1.0, LogMath.normalCdf(x) + LogMath.normalSf(x), 1e-15);
            assertEquals(Math.log(LogMath.normalCdf(x)), LogMath.logNormalCdf(x), 1e-14);
        }
        // log Phi far in the lower tail, where Phi itself underflows: -x^2/2 - log(-x sqrt(2 pi)) asymptotically
        double x = -100;
        assertEquals(-x * x / 2 - Math.log(-x * Math.sqrt(2 * Math.PI)) - 1 / (x * x), LogMath.logNormalCdf(x), 1e-7);
        assertThrows(IllegalArgumentException.class, () -> LogMath.erfcx(-1));
    }

    @Test
    void logSpaceArithmetic() {
        assertEquals(Math.log(-Math.expm1(-1e-20)), LogMath.log1mExp(-1e-20), 1e-12);
        assertEquals(-Math.exp(-50), LogMath.log1mExp(-50), 1e-30);
        assertEquals(Math.log(Math.expm1(1e-10)), LogMath.logExpm1(1e-10), 1e-12);
        assertEquals(800.0, LogMath.logExpm1(800), 0);
        assertEquals(800.0, LogMath.log1pExp(800), 0);
        assertEquals(Math.exp(-40), LogMath.log1pExp(-40), 1e-30);
    }
}
