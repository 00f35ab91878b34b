"""Reference values for the gate's always-valid A/B statistics (src/domain/experiment/sequential.ts), computed
independently with NumPy and SciPy: the mixture likelihood ratio by numerical integration over the N(0, tau^2)
mixture (scipy.integrate.quad of scipy.stats.norm densities), and the confidence sequence's bounds as the roots of
"ratio = 1/alpha" (scipy.optimize.brentq), not from the closed form the TypeScript uses.

Reads a JSON list of cases on stdin, writes a JSON list of results on stdout. Run by
__tests__/integration/experiment-reference.test.ts with the Python of the pinned MLflow environment.
"""

import json
import math
import sys

import numpy as np
from scipy import integrate, optimize, stats


def arm(spec):
    if spec["kind"] == "proportion":
        n = spec["trials"]
        p = spec["successes"] / n
        return n, p, p * (1 - p)
    values = np.asarray(spec["values"], dtype=float)
    return len(values), float(values.mean()), float(values.var(ddof=1))


def log_ratio(estimate, sigma, delta, tau):
    """Log of the mixture likelihood ratio of N(estimate; delta + theta, sigma^2) against theta = 0, with
    theta ~ N(0, tau^2): the log of an integral over theta, taken around the integrand's peak so nothing overflows."""

    def log_integrand(theta):
        return (
            stats.norm.logpdf(estimate, loc=delta + theta, scale=sigma)
            - stats.norm.logpdf(estimate, loc=delta, scale=sigma)
            + stats.norm.logpdf(theta, 0, tau)
        )

    gap = estimate - delta  # the peak lies between 0 (the mixture's centre) and the gap (the likelihood's)
    peak = optimize.minimize_scalar(
        lambda theta: -log_integrand(theta),
        bounds=(min(0.0, gap) - tau, max(0.0, gap) + tau),
        method="bounded",
        options={"xatol": 1e-12 * max(tau, abs(gap))},
    )
    top = -peak.fun
    spread = 40 * min(tau, sigma)
    value, _ = integrate.quad(
        lambda theta: math.exp(log_integrand(theta) - top),
        peak.x - spread,
        peak.x + spread,
        points=[peak.x],
        limit=400,
        epsabs=0,
        epsrel=1e-13,
    )
    return top + math.log(value)


def case_result(case):
    n_a, mean_a, var_a = arm(case["primary"])
    n_b, mean_b, var_b = arm(case["challenger"])
    tau = case["tau"]
    alpha = 1 - case["confidence"]
    estimate = mean_b - mean_a
    sigma = math.sqrt(var_a / n_a + var_b / n_b)
    target = 1 / alpha

    def gap(delta):
        return log_ratio(estimate, sigma, delta, tau) - math.log(target)

    # The ratio falls to its minimum at delta = estimate and grows on both sides: one root on each.
    reach = sigma * 30
    lower = optimize.brentq(gap, estimate - reach, estimate, xtol=1e-14, rtol=1e-14)
    upper = optimize.brentq(gap, estimate, estimate + reach, xtol=1e-14, rtol=1e-14)
    return {
        "name": case["name"],
        "primary": {"n": n_a, "mean": mean_a, "variance": var_a},
        "challenger": {"n": n_b, "mean": mean_b, "variance": var_b},
        "estimate": estimate,
        "lower": lower,
        "upper": upper,
        "log_ratio_at_zero": log_ratio(estimate, sigma, 0.0, tau),
    }


if __name__ == "__main__":
    json.dump([case_result(case) for case in json.load(sys.stdin)], sys.stdout)
