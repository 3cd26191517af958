package io.dplora.accounting;

/**
 * Conversion of Renyi DP curves to (epsilon, delta)-DP.
 *
 * <p>For each order alpha with RDP value r, Canonne, Kamath and Steinke (2020), Proposition 12 (and Balle et al.
 * 2020, "Hypothesis testing interpretations and Renyi differential privacy", Theorem 21) give
 * <pre>  epsilon = r + log(1 - 1/alpha) - (log(delta) + log(alpha)) / (alpha - 1)</pre>
 * equivalently {@code delta = exp((alpha - 1)(r - epsilon + log(1 - 1/alpha)) - log(alpha))}. Because RDP of order
 * alpha &gt;= 1 bounds the KL divergence, the total variation bound {@code delta(0) <= sqrt(1 - exp(-r))}
 * (Bretagnolle-Huber) also holds, so epsilon is 0 whenever {@code delta^2 >= 1 - exp(-r)}. The reported value is
 * the minimum over the orders, as in dp_accounting.
 */
final class RdpConversion {

    private RdpConversion() {
    }

    /** Epsilon and the order that attains it; order is NaN when no order gives a finite epsilon. */
    record Result(double value, double order) {
    }

    static Result epsilon(double[] orders, double[] rdp, double delta) {
        double best = Double.POSITIVE_INFINITY;
        double bestOrder = Double.NaN;
        double logDelta = Math.log(delta);
        for (int k = 0; k < orders.length; k++) {
            double a = orders[k];
            double r = rdp[k];
            if (!(r < Double.POSITIVE_INFINITY)) {
                continue;
            }
            double eps;
            if (r <= 0 || delta * delta + Math.expm1(-r) > 0) {
                eps = 0.0;
            } else {
                eps = r + Math.log1p(-1 / a) - (logDelta + Math.log(a)) / (a - 1);
            }
            if (eps < best) {
                best = eps;
                bestOrder = a;
            }
        }
        return new Result(Math.max(0.0, best), bestOrder);
    }

    static Result delta(double[] orders, double[] rdp, double epsilon) {
        double bestLog = 0.0; // delta = 1 is always valid
        double bestOrder = Double.NaN;
        for (int k = 0; k < orders.length; k++) {
            double a = orders[k];
            double r = rdp[k];
            if (!(r < Double.POSITIVE_INFINITY)) {
                continue;
            }
            double logDelta = r <= 0 ? Double.NEGATIVE_INFINITY : 0.5 * LogMath.log1mExp(-r);
            double bound = (a - 1) * (r - epsilon + Math.log1p(-1 / a)) - Math.log(a);
            logDelta = Math.min(logDelta, bound);
            boolean first = Double.isNaN(bestOrder);
            if (logDelta < bestLog || (first && logDelta <= bestLog)) {
                bestLog = logDelta;
                bestOrder = a;
            }
        }
        return new Result(Math.min(1.0, Math.exp(bestLog)), bestOrder);
    }
}
