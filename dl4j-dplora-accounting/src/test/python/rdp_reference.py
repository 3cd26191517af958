#!/usr/bin/env python3
"""Independent reference values for the dl4j-dplora accounting tests (standard library only).

Nothing here is derived from the Java code: every value comes from a different method.

* Integer RDP orders: the exact binomial sum of Mironov, Talwar and Zhang (2019), Sec. 3.3, evaluated
  in `decimal` arithmetic with 60 significant digits, as A - 1 = sum_{i>=2} C(a,i)(1-q)^(a-i) q^i (e^{(i^2-i)/(2s^2)} - 1).
* Fractional RDP orders: NOT the series the Java code sums, but direct numerical integration of
      A_a - 1 = int N(z; 0, s^2) [ (1 + q (exp((2z-1)/(2 s^2)) - 1))^a - 1 ] dz
  by the trapezoidal rule, which converges geometrically for integrands analytic in a strip
  (Trefethen and Weideman, SIAM Review 2014). Done twice: in `decimal` (reference values) and in float
  with math.fsum (for the epsilon grids and calibration); the script checks that both agree.
* The "absolute-value" bound used by Google's dp_accounting since 2024 for fractional orders (each series
  term added with its absolute value), to check that the exact value is never above it.
* Conversion to (epsilon, delta): Canonne, Kamath and Steinke (2020) / Balle et al. (2020),
      eps = min_a [ rdp_a + log(1 - 1/a) - (log(delta) + log(a)) / (a - 1) ],
  plus the KL-based shortcut eps = 0 when delta^2 + expm1(-rdp_a) > 0 (as dp_accounting does).
* Plain Gaussian: delta(eps) of Balle and Wang (2018), Theorem 8, in `decimal`.
* Poisson-subsampled Gaussian, exact delta(eps) after T steps by Laplace inversion (no discretisation):
      delta(eps) = (1/2pi) int Re[ M(c+it)^T e^{-(c+it) eps} / ((c+it)(c+it+1)) ] dt,   c > 0,
  where M(z) = E_P[e^{z L}] is A_{1+z} (remove) or A_{-z} (add), computed by the same trapezoidal
  rule with complex z. Epsilon is the larger of the two directions.

Run:  python3 dl4j-dplora-accounting/src/test/python/rdp_reference.py [int|frac|conv|eps|cal|gauss|erfc|mp|pld]
(no argument: all sections, several minutes) and paste the printed blocks into the Java tests named in each
heading.
"""
import cmath
import math
import sys
from decimal import Decimal, getcontext, localcontext, MAX_EMAX, MIN_EMIN

getcontext().prec = 60
getcontext().Emax = MAX_EMAX
getcontext().Emin = MIN_EMIN
D = Decimal

DEFAULT_ORDERS = [1 + x / 10.0 for x in range(1, 100)] + list(range(11, 64)) + [128, 256, 512, 1024]
OPACUS_ORDERS = [1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64))
TF_PRIVACY_ORDERS = [1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0, 3.5, 4.0, 4.5] + list(range(5, 64)) + [128, 256, 512]


# ----------------------------------------------------------------------------------------------
# decimal helpers
# ----------------------------------------------------------------------------------------------
def d_pi():
    """pi by the Gauss-Legendre (AGM) iteration."""
    with localcontext() as ctx:
        ctx.prec += 10
        a, b, t, p = D(1), D(1) / D(2).sqrt(), D(1) / 4, D(1)
        for _ in range(12):
            a_next = (a + b) / 2
            b = (a * b).sqrt()
            t -= p * (a - a_next) ** 2
            a = a_next
            p *= 2
        result = (a + b) ** 2 / (4 * t)
    return +result


PI = d_pi()


def d_log1p(x):
    if x == 0:
        return D(0)
    if abs(x) < D("1e-6"):
        s, term, k = D(0), x, 1
        while True:
            add = term / k
            s += add
            if abs(add) < abs(s) * D("1e-70"):
                return s
            term *= -x
            k += 1
    return (1 + x).ln()


def d_expm1(x):
    if x == 0:
        return D(0)
    if abs(x) < D("1e-6"):
        s, term, k = D(0), x, 1
        while True:
            s += term
            if abs(term) < abs(s) * D("1e-70"):
                return s
            k += 1
            term = term * x / k
    return x.exp() - 1


def d_erfc(x):
    """erfc in decimal: Maclaurin series of erf for x < 3, Laplace continued fraction beyond."""
    x = D(x)
    if x < 0:
        return 2 - d_erfc(-x)
    if x < 3:
        with localcontext() as ctx:
            ctx.prec += 20
            s, term, n = D(0), x, 0
            while True:
                add = term / (2 * n + 1)
                s += add
                if abs(add) < D("1e-80"):
                    break
                n += 1
                term = -term * x * x / n
            return +(1 - 2 / PI.sqrt() * s)
    # erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated backwards
    k = 4000
    f = x
    while k >= 1:
        f = x + (D(k) / 2) / f
        k -= 1
    return (-x * x).exp() / PI.sqrt() / f


def d_norm_cdf(x):
    return d_erfc(-D(x) / D(2).sqrt()) / 2


# ----------------------------------------------------------------------------------------------
# RDP of the Poisson-subsampled Gaussian
# ----------------------------------------------------------------------------------------------
def rdp_integer_exact(q, sigma, alpha):
    """Exact binomial sum (decimal), returns a Decimal."""
    q, s2 = D(q), D(sigma) ** 2
    if q == 0:
        return D(0)
    if q == 1:
        return D(alpha) / (2 * s2)
    am1 = D(0)
    for i in range(2, alpha + 1):
        am1 += math.comb(alpha, i) * (1 - q) ** (alpha - i) * q ** i * d_expm1(D(i * i - i) / (2 * s2))
    return d_log1p(am1) / (alpha - 1)


def _quad_grid(sigma, alpha):
    d = min(math.pi * sigma * sigma, 3 * sigma)
    h = min(sigma / 8, 2 * math.pi * d / 110)
    lo = -32 * sigma
    hi = max(alpha, 1) + 32 * sigma + 1
    n = int(math.ceil((hi - lo) / h))
    return lo, h, n


def a_minus_1_quad_decimal(q, sigma, alpha, refine=1):
    q, s2, a = D(q), D(sigma) ** 2, D(alpha)
    lo, h, n = _quad_grid(sigma, alpha)
    h /= refine
    n *= refine
    norm = 1 / (D(sigma) * (2 * PI).sqrt())
    total = D(0)
    for k in range(n + 1):
        z = D(lo) + k * D(h)
        w = D(1) / 2 if k in (0, n) else D(1)
        x = q * d_expm1((2 * z - 1) / (2 * s2))
        total += w * (-(z * z) / (2 * s2)).exp() * d_expm1(a * d_log1p(x))
    return total * D(h) * norm


def rdp_fractional_quad_decimal(q, sigma, alpha):
    if q == 0:
        return D(0)
    if q == 1:
        return D(alpha) / (2 * D(sigma) ** 2)
    return d_log1p(a_minus_1_quad_decimal(q, sigma, alpha)) / (D(alpha) - 1)


def _log_mixture_ratio(q, u):
    """log(1 - q + q e^u) in float, without overflow."""
    if u > 30:
        return u + math.log(q + (1 - q) * math.exp(-u))
    return math.log1p(q * math.expm1(u))


def a_minus_1_quad_float(q, sigma, alpha):
    lo, h, n = _quad_grid(sigma, alpha)
    s2 = sigma * sigma
    terms = []
    for k in range(n + 1):
        z = lo + k * h
        w = 0.5 if k in (0, n) else 1.0
        y = alpha * _log_mixture_ratio(q, (2 * z - 1) / (2 * s2))
        g = -(z * z) / (2 * s2)
        if y > 40:
            terms.append(w * math.exp(g + y))
        else:
            terms.append(w * math.exp(g) * math.expm1(y))
    return math.fsum(terms) * h / (sigma * math.sqrt(2 * math.pi))


def rdp_float(q, sigma, alpha):
    """Per-step RDP in float: exact sum for integer orders, quadrature for fractional ones."""
    if q == 0:
        return 0.0
    if sigma == 0:
        return math.inf
    if q == 1:
        return alpha / (2 * sigma * sigma)
    if float(alpha).is_integer():
        return float(rdp_integer_exact(q, sigma, int(alpha)))
    try:
        am1 = a_minus_1_quad_float(q, sigma, alpha)
    except OverflowError:  # huge RDP (tiny sigma): decimal arithmetic has the range
        return float(rdp_fractional_quad_decimal(q, sigma, alpha))
    return math.log1p(am1) / (alpha - 1)


def log_erfc_float(x):
    r = math.erfc(x)
    if r > 1e-300:
        return math.log(r)
    return -x * x - math.log(x) - 0.5 * math.log(math.pi) + math.log1p(-0.5 / x ** 2 + 0.75 / x ** 4 - 1.875 / x ** 6)


def rdp_abs_bound_float(q, sigma, alpha, max_terms=100000):
    """dp_accounting (2024+) fractional-order bound: series terms summed with absolute values."""
    z0 = sigma ** 2 * math.log(1 / q - 1) + 0.5
    logs = []
    prev0 = prev1 = math.inf
    for i in range(max_terms):
        j = alpha - i
        log_coef = math.lgamma(alpha + 1) - math.lgamma(i + 1) - math.lgamma(alpha - i + 1)
        s0 = log_coef + i * math.log(q) + j * math.log1p(-q) + (i * i - i) / (2 * sigma ** 2) \
            + math.log(0.5) + log_erfc_float((i - z0) / (math.sqrt(2) * sigma))
        s1 = log_coef + j * math.log(q) + i * math.log1p(-q) + (j * j - j) / (2 * sigma ** 2) \
            + math.log(0.5) + log_erfc_float((z0 - j) / (math.sqrt(2) * sigma))
        logs += [s0, s1]
        m = max(logs)
        total = m + math.log(math.fsum(math.exp(v - m) for v in logs))
        if s0 < prev0 and s1 < prev1 and max(s0, s1) < total - 30:
            return total / (alpha - 1)
        prev0, prev1 = s0, s1
    return math.inf


# ----------------------------------------------------------------------------------------------
# RDP -> (epsilon, delta)
# ----------------------------------------------------------------------------------------------
def eps_from_rdp(orders, rdp, delta):
    best, best_order = math.inf, None
    for a, r in zip(orders, rdp):
        if math.isinf(r):
            continue
        if delta ** 2 + math.expm1(-r) > 0:
            e = 0.0
        else:
            e = r + math.log1p(-1 / a) - (math.log(delta) + math.log(a)) / (a - 1)
        if e < best:
            best, best_order = e, a
    return max(0.0, best), best_order


def eps_rdp(q, sigma, steps, delta, orders=DEFAULT_ORDERS, cache={}):
    key = (q, sigma, tuple(orders))
    if key not in cache:
        cache[key] = [rdp_float(q, sigma, a) for a in orders]
    return eps_from_rdp(orders, [steps * r for r in cache[key]], delta)


def calibrate_rdp(target, delta, q, steps, orders=DEFAULT_ORDERS):
    lo, hi = 0.05, 50.0
    for _ in range(60):
        mid = math.sqrt(lo * hi)
        if eps_rdp(q, mid, steps, delta, orders)[0] <= target:
            hi = mid
        else:
            lo = mid
    return hi


# ----------------------------------------------------------------------------------------------
# Gaussian mechanism, exact (Balle and Wang 2018, Theorem 8)
# ----------------------------------------------------------------------------------------------
def gaussian_delta(sigma, eps):
    s, e = D(sigma), D(eps)
    return d_norm_cdf(1 / (2 * s) - e * s) - e.exp() * d_norm_cdf(-1 / (2 * s) - e * s)


def gaussian_eps(sigma, delta):
    lo, hi = D(0), D(200)
    for _ in range(200):
        mid = (lo + hi) / 2
        if gaussian_delta(sigma, mid) > D(delta):
            lo = mid
        else:
            hi = mid
    return hi


# ----------------------------------------------------------------------------------------------
# Poisson-subsampled Gaussian: exact delta(eps) by Laplace inversion
# ----------------------------------------------------------------------------------------------
def _log_moment(q, sigma, w):
    """log A_w, A_w = E_{N(0,s^2)}[(1 - q + q e^{(2z-1)/(2 s^2)})^w] for complex w (trapezoidal rule, log scale)."""
    s2 = sigma * sigma
    d = min(math.pi * s2, 3 * sigma)
    h = min(sigma / 8, 2 * math.pi * d / 110)
    # the integrand peaks near z = Re(w) (for Re w > 0) or z = Re(w) * q-ish (Re w < 0); cover both generously
    lo = min(0.0, w.real) - 32 * sigma - 1
    hi = max(1.0, w.real) + 32 * sigma + 1
    n = int(math.ceil((hi - lo) / h))
    expos = []
    for k in range(n + 1):
        z = lo + k * h
        expos.append(w * _log_mixture_ratio(q, (2 * z - 1) / (2 * s2)) - z * z / (2 * s2) + (math.log(0.5) if k in (0, n) else 0.0))
    top = max(e.real for e in expos)
    re_terms, im_terms = [], []
    for e in expos:
        v = cmath.exp(e - top)
        re_terms.append(v.real)
        im_terms.append(v.imag)
    total = complex(math.fsum(re_terms), math.fsum(im_terms))
    return cmath.log(total) + top + math.log(h / (sigma * math.sqrt(2 * math.pi)))


def subsampled_delta_exact(q, sigma, steps, eps, direction, c=None):
    """direction +1: remove (P = mixture, Q = N(0)); -1: add (P = N(0), Q = mixture)."""
    def log_mgf(z):
        return _log_moment(q, sigma, 1 + z if direction > 0 else -z)
    if c is None:
        # a point near the saddle point of the real integrand keeps the inversion well conditioned
        best = None
        for cc in [0.1 * 1.15 ** k for k in range(60)]:
            val = (steps * log_mgf(complex(cc, 0)) - cc * eps).real - math.log(cc) - math.log(cc + 1)
            if best is None or val < best[0]:
                best = (val, cc)
        c = best[1]
    def integrand(t):
        z = complex(c, t)
        return (cmath.exp(steps * log_mgf(z) - z * eps) / (z * (z + 1))).real
    # Trapezoid in t. The integrand is analytic in a strip around the real t axis, but it grows quickly off the
    # axis (M(z)^T), so the step is halved until two successive results agree to 1e-13.
    dt = c / 8
    first = integrand(0.0)
    values = [first]
    small = 0
    while small < 20:
        v = integrand(len(values) * dt)
        values.append(v)
        small = small + 1 if abs(v) < 1e-17 * abs(first) else 0
        if len(values) > 40000:
            raise RuntimeError(f"inversion did not decay, last term {v}, first {first}")
    t_max = (len(values) - 1) * dt
    total = dt * (0.5 * first + math.fsum(values[1:]))
    while True:
        mids = [integrand((k + 0.5) * dt) for k in range(len(values) - 1)]
        refined = 0.5 * total + 0.5 * dt * math.fsum(mids)
        merged = []
        for k in range(len(values) - 1):
            merged += [values[k], mids[k]]
        merged.append(values[-1])
        values = merged
        dt /= 2
        scale = dt * math.fsum(abs(v) for v in values)  # attainable accuracy is ~1e-16 of this
        if abs(refined - total) <= max(1e-13 * abs(refined), 1e-15 * scale):
            return refined / math.pi
        total = refined
        if dt < c / 4096:
            raise RuntimeError("inversion did not converge")


# ----------------------------------------------------------------------------------------------
def main():
    section = sys.argv[1] if len(sys.argv) > 1 else "all"
    if section in ("all", "int"):
        print("// RdpReferenceTest.INTEGER_ORDERS: {q, sigma, alpha, rdp}  (exact binomial sum, 60 digits)")
        for q in [1e-6, 1e-4, 0.01, 0.1, 0.5, 0.9]:
            for sigma in [0.5, 1.0, 2.0, 10.0]:
                for alpha in [2, 3, 11, 32, 63, 256, 1024]:
                    r = rdp_integer_exact(q, sigma, alpha)
                    print(f"{{{q!r}, {sigma!r}, {alpha}, {float(r)!r}}},")
    if section in ("all", "frac"):
        print("// RdpReferenceTest.FRACTIONAL_ORDERS: {q, sigma, alpha, rdpExact, rdpAbsBound}")
        for q in [1e-4, 0.01, 0.1, 0.3, 0.9]:
            for sigma in [0.5, 1.0, 2.0, 10.0]:
                for alpha in [1.1, 1.5, 2.5, 5.5, 10.9]:
                    r = rdp_fractional_quad_decimal(q, sigma, alpha)
                    rf = rdp_float(q, sigma, alpha)
                    assert abs(float(r) - rf) <= 1e-9 * float(r) + 1e-300, (q, sigma, alpha, r, rf)
                    b = rdp_abs_bound_float(q, sigma, alpha) if q < 1 else float(r)
                    print(f"{{{q!r}, {sigma!r}, {alpha!r}, {float(r)!r}, {b!r}}},")
    if section in ("all", "conv"):
        # trapezoid step check: halving the step changes nothing in 40 digits
        a1 = a_minus_1_quad_decimal(0.01, 1.0, 2.5)
        a2 = a_minus_1_quad_decimal(0.01, 1.0, 2.5, refine=2)
        print(f"// quadrature self-check |A-1 (h) - A-1 (h/2)| / (A-1) = {float(abs(a1 - a2) / a2):.3e}")
        e1 = rdp_integer_exact(0.01, 1.0, 3)
        e2 = d_log1p(a_minus_1_quad_decimal(0.01, 1.0, 3.0)) / 2
        print(f"// quadrature vs exact sum at alpha=3: rel diff {float(abs(e1 - e2) / e1):.3e}")
    if section in ("all", "eps"):
        print("// RdpReferenceTest.EPSILON_DEFAULT_ORDERS: {q, sigma, steps, delta, epsilon, optimalOrder}")
        for (q, sigma, steps, delta) in [
            (256 / 60000, 1.1, 14063, 1e-5), (0.01, 0.7, 120, 1e-5), (0.01, 1.0, 1000, 1e-5),
            (0.001, 0.8, 10000, 1e-6), (0.04, 1.5, 2250, 1e-5), (0.1, 2.0, 500, 1e-5),
            (1e-4, 1.0, 100000, 1e-7), (0.5, 5.0, 100, 1e-5), (0.0064, 1.0, 782, 1e-6),
            (0.02, 0.6, 50, 1e-3), (0.9, 3.0, 10, 1e-5), (1e-5, 0.5, 1000000, 1e-8)]:
            e, o = eps_rdp(q, sigma, steps, delta)
            print(f"{{{q!r}, {sigma!r}, {steps}, {delta!r}, {e!r}, {o!r}}},")
        print("// RdpReferenceTest: Opacus orders, sigma 1.5, q 0.04, steps int(90/0.04) =", int(90 / 0.04))
        print("//   epsilon(1e-5) =", repr(eps_rdp(0.04, 1.5, int(90 / 0.04), 1e-5, OPACUS_ORDERS)))
        print("// RdpReferenceTest: TF Privacy orders")
        for (n, b, s, ep, d) in [(60000, 150, 1.3, 15, 1e-5), (100000, 100, 1.0, 30, 1e-7),
                                 (100000000, 1024, 0.1, 10, 1e-7)]:
            steps = int(math.ceil(ep * n / b))
            print(f"//   n={n} b={b} sigma={s} epochs={ep} delta={d} steps={steps}:",
                  repr(eps_rdp(b / n, s, steps, d, TF_PRIVACY_ORDERS)))
    if section in ("all", "cal"):
        print("// NoiseCalibrationTest.RDP_SIGMA: {targetEps, delta, q, steps, sigma}  (bisection to 2^-60)")
        for (t, d, q, steps) in [(8.0, 1e-5, 0.04, 2250), (8.0, 1e-5, 0.04, 2000), (1.0, 1e-5, 0.01, 1000),
                                 (3.0, 1e-5, 256 / 60000, 14063), (0.5, 1e-6, 0.001, 10000), (10.0, 1e-5, 0.1, 100)]:
            print(f"{{{t!r}, {d!r}, {q!r}, {steps}, {calibrate_rdp(t, d, q, steps)!r}}},")
    if section in ("all", "gauss"):
        print("// PldAccountantTest.GAUSSIAN: {sigma, epsilon, delta(epsilon)}  (Balle-Wang, 60 digits)")
        for sigma in [0.5, 1.0, 2.0, 5.0, 0.7 / math.sqrt(2), 1 / math.sqrt(5)]:
            for eps in [0.0, 0.5, 1.0, 2.0, 4.0]:
                print(f"{{{sigma!r}, {eps!r}, {float(gaussian_delta(sigma, eps))!r}}},")
        for (sigma, delta) in [(0.7 / math.sqrt(2), 1e-5), (0.35 / math.sqrt(2), 1e-5), (1 / math.sqrt(5), 1e-6)]:
            print(f"// gaussian epsilon sigma={sigma!r} delta={delta}: {float(gaussian_eps(sigma, delta))!r}")
    if section in ("all", "erfc"):
        print("// LogMathTest.ERFC: {x, erfc(x), log(erfc(x))}  (60 digits)")
        for x in [-6.0, -2.5, -1.0, -0.3, 0.0, 1e-8, 0.0625, 0.2, 0.5, 0.9, 1.0, 1.7, 2.5, 3.3, 3.999, 4.0, 4.001,
                  5.5, 8.0, 12.0, 19.99, 20.0, 26.0, 27.0, 30.0, 50.0, 200.0, 1e4]:
            e = d_erfc(x)
            print(f"{{{x!r}, {float(e)!r}, {float(e.ln())!r}}},")
    if section in ("all", "mp"):
        print("// RdpReferenceTest.DP_ACCOUNTING_MP_GRID: {q, sigma, alpha, rdp}  (parameters of dp_accounting's")
        print("// test_compute_log_a_equals_mp; exact sum for integer orders, decimal quadrature otherwise)")
        for (q, sigma, alpha) in [(1e-7, 0.1, 1.01), (1e-6, 0.1, 256), (1e-5, 0.1, 256.1), (1e-6, 1.0, 27),
                                  (1e-4, 1.0, 1.5), (1e-3, 1.0, 2), (0.01, 10.0, 20), (0.1, 100.0, 20.5),
                                  (0.99, 0.1, 256), (0.999, 100.0, 256.1)]:
            if float(alpha).is_integer():
                r = rdp_integer_exact(q, sigma, int(alpha))
            else:
                r = rdp_fractional_quad_decimal(q, sigma, alpha)
            print(f"{{{q!r}, {sigma!r}, {alpha!r}, {float(r)!r}}},")
    if section in ("all", "pld"):
        print("// PldAccountantTest.SUBSAMPLED_EXACT: {q, sigma, steps, epsilon, deltaRemove, deltaAdd}")
        for (q, sigma, steps, eps) in [(0.01, 0.7, 120, 2.4612381), (0.01, 4.0, 1000, 1.0),
                                       (0.0064, 1.0, 782, 1.199), (256 / 60000, 1.1, 14063, 2.0),
                                       (1.0, 100.0, 10000, 1.0)]:
            dr = subsampled_delta_exact(q, sigma, steps, eps, +1)
            da = subsampled_delta_exact(q, sigma, steps, eps, -1)
            print(f"{{{q!r}, {sigma!r}, {steps}, {eps!r}, {dr!r}, {da!r}}},")


if __name__ == "__main__":
    main()
