// Always-valid inference for the difference between two versions' means (a proportion is the mean of 0/1
// outcomes): the mixture sequential probability ratio test of Johari, Pekelis and Walsh ("Always valid inference:
// continuous monitoring of A/B tests", Operations Research 2022), with the normal mixture of Howard, Ramdas,
// McAuliffe and Sekhon ("Time-uniform, nonparametric, nonasymptotic confidence sequences", Annals of Statistics
// 2021), on the Gaussian approximation of the difference with plug-in variances (an asymptotic confidence sequence
// in the sense of Waudby-Smith et al., 2021). The interval holds at every look with probability at least the
// confidence, however often the schedule looks, so checking after every window does not inflate false positives.
// docs/experiments.md derives the formula and reports the simulation that checks it.

/** What a version's windows add up to: observations, and the mean and variance per observation. */
export interface ArmStats {
  n: number
  mean: number
  /** Variance of one observation (for a proportion p: p(1 − p)). */
  variance: number
}

export interface DifferenceInterval {
  /** The challenger's mean minus the primary's. */
  estimate: number
  lower: number
  upper: number
  /** Standard error of the estimate. */
  standardError: number
}

/**
 * The confidence sequence for challenger − primary at `confidence`, with a N(0, τ²) mixture over the difference:
 * the set of δ whose mixture likelihood ratio √(σ²/(σ²+τ²))·exp(τ²(Δ̂−δ)²/(2σ²(σ²+τ²))) stays below 1/α, that is
 * Δ̂ ± √(σ²(σ²+τ²)/τ² · (2·ln(1/α) + ln((σ²+τ²)/σ²))), where σ² is the variance of Δ̂. τ sets where the sequence
 * is tightest; the gate uses the smallest effect the policy cares about (`min_effect`).
 */
export function differenceInterval(
  primary: ArmStats,
  challenger: ArmStats,
  confidence: number,
  tau: number
): DifferenceInterval {
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`)
  if (!(tau > 0) || !Number.isFinite(tau))
    throw new RangeError(`the mixture scale must be positive, got ${tau}`)
  const estimate = challenger.mean - primary.mean
  const sigma2 = primary.variance / primary.n + challenger.variance / challenger.n
  if (!(primary.n > 0 && challenger.n > 0) || !Number.isFinite(sigma2)) {
    return { estimate: Number.NaN, lower: -Infinity, upper: Infinity, standardError: Infinity }
  }
  // No spread at all (every outcome the same so far): nothing is known beyond the point, and the mixture bound
  // degenerates; an interval of zero width would claim certainty that a handful of identical outcomes cannot give.
  if (sigma2 === 0) return { estimate, lower: -Infinity, upper: Infinity, standardError: 0 }
  const tau2 = tau * tau
  const alpha = 1 - confidence
  const halfWidth = Math.sqrt(
    ((sigma2 * (sigma2 + tau2)) / tau2) * (2 * Math.log(1 / alpha) + Math.log((sigma2 + tau2) / sigma2))
  )
  return {
    estimate,
    lower: estimate - halfWidth,
    upper: estimate + halfWidth,
    standardError: Math.sqrt(sigma2)
  }
}

/** The mixture likelihood ratio against "the difference is δ": the test statistic the interval inverts. */
export function mixtureLikelihoodRatio(
  primary: ArmStats,
  challenger: ArmStats,
  delta: number,
  tau: number
): number {
  const sigma2 = primary.variance / primary.n + challenger.variance / challenger.n
  const tau2 = tau * tau
  const gap = challenger.mean - primary.mean - delta
  return Math.sqrt(sigma2 / (sigma2 + tau2)) * Math.exp((tau2 * gap * gap) / (2 * sigma2 * (sigma2 + tau2)))
}

/** A proportion's arm: successes out of trials. */
export function proportionArm(successes: number, trials: number): ArmStats {
  const mean = trials > 0 ? successes / trials : Number.NaN
  return { n: trials, mean, variance: mean * (1 - mean) }
}

/** A mean's arm from its sufficient statistics: count, sum and sum of squares (the unbiased sample variance). */
export function meanArm(n: number, sum: number, sumOfSquares: number): ArmStats {
  const mean = n > 0 ? sum / n : Number.NaN
  const variance = n > 1 ? Math.max(0, (sumOfSquares - (sum * sum) / n) / (n - 1)) : Number.NaN
  return { n, mean, variance }
}
