import { differenceInterval, type ArmStats, type DifferenceInterval } from './sequential.js'

// The decision about one challenger against the primary version, from always-valid intervals: it may be taken at
// any look without inflating the error rates, so the schedule can look as often as it likes.

export type ExperimentDecision = 'continue' | 'step' | 'winner' | 'loser' | 'inconclusive'

export interface GuardrailInput {
  name: string
  primary: ArmStats
  challenger: ArmStats
  direction: 'higher' | 'lower'
  /** The largest worsening allowed, in the metric's units. */
  maxRegression: number
}

export interface ExperimentInput {
  primary: ArmStats
  challenger: ArmStats
  direction: 'higher' | 'lower'
  /** The smallest improvement worth concluding on, in the metric's units; also the mixture's scale. */
  minEffect: number
  confidence: number
  minSamples: number
  guardrails: GuardrailInput[]
  elapsedDays: number
  maxDurationDays: number
  /** Whether a larger traffic step is left (false once the challenger is at the last one). */
  hasNextStep: boolean
}

export interface GuardrailResult {
  name: string
  /** Worsening of the challenger against the primary (positive = worse), with its interval. */
  regression: DifferenceInterval
  maxRegression: number
  state: 'breached' | 'holds' | 'unknown'
}

export interface ExperimentVerdict {
  decision: ExperimentDecision
  reason: string
  /** Improvement of the challenger (positive = better, whichever the metric's direction). */
  effect: DifferenceInterval
  guardrails: GuardrailResult[]
}

/** Turns challenger − primary into "improvement" (or "worsening") whichever way the metric is better. */
function oriented(interval: DifferenceInterval, sign: 1 | -1): DifferenceInterval {
  if (sign === 1) return interval
  return {
    estimate: -interval.estimate,
    lower: -interval.upper,
    upper: -interval.lower,
    standardError: interval.standardError
  }
}

/**
 * In order: too few samples → continue (or inconclusive past the maximum duration); a guardrail confidently worse
 * than it may be, or the challenger confidently worse → loser; confidently better by at least `minEffect` →
 * winner; not worse by more than `minEffect` with every guardrail confidently within its limit, and a step left →
 * step; past the maximum duration → inconclusive; otherwise → continue.
 */
export function decideExperiment(input: ExperimentInput): ExperimentVerdict {
  const { confidence, minEffect } = input
  const sign = input.direction === 'higher' ? 1 : -1
  const effect = oriented(differenceInterval(input.primary, input.challenger, confidence, minEffect), sign)
  const guardrails = input.guardrails.map((guardrail): GuardrailResult => {
    // Worsening: challenger − primary for a metric where lower is better, the opposite otherwise. Its scale is the
    // limit itself, the size of change this guardrail is about.
    const worse = guardrail.direction === 'lower' ? 1 : -1
    const scale = guardrail.maxRegression > 0 ? guardrail.maxRegression : minEffect
    const regression = oriented(
      differenceInterval(guardrail.primary, guardrail.challenger, confidence, scale),
      worse
    )
    const state =
      regression.lower > guardrail.maxRegression
        ? 'breached'
        : regression.upper <= guardrail.maxRegression
          ? 'holds'
          : 'unknown'
    return { name: guardrail.name, regression, maxRegression: guardrail.maxRegression, state }
  })
  const verdict = (decision: ExperimentDecision, reason: string): ExperimentVerdict => ({
    decision,
    reason,
    effect,
    guardrails
  })
  const overTime = input.elapsedDays >= input.maxDurationDays
  const fewest = Math.min(
    input.primary.n,
    input.challenger.n,
    ...input.guardrails.flatMap(g => [g.primary.n, g.challenger.n])
  )
  if (fewest < input.minSamples) {
    return overTime
      ? verdict(
          'inconclusive',
          `${input.maxDurationDays} days passed with ${fewest} samples, fewer than the ${input.minSamples} needed`
        )
      : verdict('continue', `${fewest} samples so far; a decision needs ${input.minSamples} per version`)
  }
  const breached = guardrails.find(g => g.state === 'breached')
  if (breached !== undefined) {
    return verdict('loser', `guardrail ${breached.name} is worse by more than ${breached.maxRegression}`)
  }
  if (effect.upper < 0) return verdict('loser', 'the challenger is worse')
  if (effect.lower >= minEffect) return verdict('winner', `the challenger is better by at least ${minEffect}`)
  const guardrailsHold = guardrails.every(g => g.state === 'holds')
  if (input.hasNextStep && effect.lower > -minEffect && guardrailsHold) {
    return verdict('step', `the challenger is not worse by ${minEffect} or more, and every guardrail holds`)
  }
  if (overTime) return verdict('inconclusive', `${input.maxDurationDays} days passed without a decision`)
  return verdict('continue', 'not enough evidence yet')
}
