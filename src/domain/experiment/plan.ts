import type { ExperimentPolicy, OnlineMetric } from '../policy/schema.js'
import type { ProductionEntry } from '../record.js'
import { decideExperiment, type ExperimentDecision, type ExperimentVerdict } from './decide.js'
import { differenceInterval, type ArmStats } from './sequential.js'
import type { ArmPath, MetricSpec } from './windows.js'

// From the policy's `experiment` block and the versions' windows to one decision per challenger, and from the
// decisions to the one traffic change a run proposes. Pure: the command reads, this decides.

export const DEFAULT_STEPS = [10, 25, 50, 100]
export const DEFAULT_CONFIDENCE = 0.95
export const DEFAULT_MIN_SAMPLES = 1000
export const DEFAULT_MAX_DURATION_DAYS = 14

/** The metric's keys, as the policy's schema has checked them: a proportion's two, or a mean's three. */
export function metricSpec(metric: OnlineMetric): MetricSpec {
  return metric.successes !== undefined
    ? { kind: 'proportion', name: metric.name, successes: metric.successes, trials: metric.trials! }
    : { kind: 'mean', name: metric.name, n: metric.n!, sum: metric.sum!, sumOfSquares: metric.sum_sq! }
}

/** Every metric the experiment reads: the decision's first, then the guardrails'. */
export function experimentMetrics(policy: ExperimentPolicy): MetricSpec[] {
  return [policy.metric, ...(policy.guardrails ?? []).map(guardrail => guardrail.metric)].map(metricSpec)
}

/**
 * The challenger's next traffic step: the smallest step above its share, below 100 (only a winner takes all the
 * traffic) and leaving the primary some traffic. Undefined when there is none.
 */
export function nextStep(
  steps: number[],
  entries: ProductionEntry[],
  challenger: string
): number | undefined {
  const current = entries.find(entry => entry.version === challenger)?.traffic ?? 0
  const others = entries
    .slice(1)
    .filter(entry => entry.version !== challenger)
    .reduce((sum, entry) => sum + entry.traffic, 0)
  return steps.find(step => step > current && step < 100 && step + others < 100)
}

/**
 * The record after giving `challenger` `traffic` percent: 100 leaves it alone in production, 0 takes it out; the
 * primary (the first entry) gains or gives what the challenger's share changes by. Entries keep their order.
 */
export function experimentRecord(
  entries: ProductionEntry[],
  challenger: string,
  traffic: number
): ProductionEntry[] {
  if (traffic === 100) return [{ version: challenger, traffic: 100 }]
  const kept = entries
    .filter(entry => traffic > 0 || entry.version !== challenger)
    .map(entry => (entry.version === challenger ? { ...entry, traffic } : { ...entry }))
  const othersTotal = kept.slice(1).reduce((sum, entry) => sum + entry.traffic, 0)
  kept[0].traffic = 100 - othersTotal
  return kept.length === 1 ? [{ version: kept[0].version, traffic: 100 }] : kept
}

/** The traffic a decision gives the challenger, or undefined when it changes nothing. */
export function trafficFor(decision: ExperimentDecision, step: number | undefined): number | undefined {
  if (decision === 'winner') return 100
  if (decision === 'loser') return 0
  if (decision === 'step') return step
  return undefined
}

/** One point of the challenger's improvement over time: the interval after each of its windows. */
export interface EffectPoint {
  window: number
  estimate: number
  lower: number
  upper: number
}

export interface ChallengerJudgement {
  version: string
  traffic: number
  /** The challenger's next step, if it has one. */
  nextStep?: number
  verdict: ExperimentVerdict
  samples: { primary: number; challenger: number }
  minEffect: number
  windows: number
  effectOverTime: EffectPoint[]
}

export interface ChallengerData {
  version: string
  /** Per metric of `experimentMetrics`, the challenger's path and the primary's over the same windows. */
  paths: { primary: ArmPath; challenger: ArmPath }[]
  elapsedDays: number
}

/**
 * Judges one challenger against the primary. A `_pct` effect or limit is taken relative to the primary's value so
 * far, which needs that value to be known and non-zero: until then the challenger continues.
 */
export function judgeChallenger(
  policy: ExperimentPolicy,
  entries: ProductionEntry[],
  data: ChallengerData
): ChallengerJudgement {
  const [decision, ...guardrailPaths] = data.paths
  const last = (path: ArmPath): ArmStats =>
    path.arms.at(-1) ?? { n: 0, mean: Number.NaN, variance: Number.NaN }
  const primary = last(decision.primary)
  const relative = (pct: number) => (Math.abs(primary.mean) * pct) / 100
  const minEffect = policy.min_effect ?? relative(policy.min_effect_pct!)
  const confidence = policy.confidence ?? DEFAULT_CONFIDENCE
  const step = nextStep(policy.steps ?? DEFAULT_STEPS, entries, data.version)
  const guardrails = (policy.guardrails ?? []).map((guardrail, i) => {
    const paths = guardrailPaths[i]
    const guardPrimary = last(paths.primary)
    return {
      name: guardrail.metric.name,
      primary: guardPrimary,
      challenger: last(paths.challenger),
      direction: guardrail.direction,
      maxRegression:
        guardrail.max_regression ?? (Math.abs(guardPrimary.mean) * guardrail.max_regression_pct!) / 100
    }
  })
  const challenger = last(decision.challenger)
  const scaleUnknown = !(minEffect > 0) || guardrails.some(g => !Number.isFinite(g.maxRegression))
  const verdict: ExperimentVerdict = scaleUnknown
    ? {
        decision: 'continue',
        reason: `the primary's ${policy.metric.name} is not known yet (or is 0), so a change in percent of it cannot be judged`,
        effect: { estimate: Number.NaN, lower: -Infinity, upper: Infinity, standardError: Infinity },
        guardrails: []
      }
    : decideExperiment({
        primary,
        challenger,
        direction: policy.direction ?? 'higher',
        minEffect,
        confidence,
        minSamples: policy.min_samples ?? DEFAULT_MIN_SAMPLES,
        guardrails,
        elapsedDays: data.elapsedDays,
        maxDurationDays: policy.max_duration_days ?? DEFAULT_MAX_DURATION_DAYS,
        hasNextStep: step !== undefined
      })
  return {
    version: data.version,
    traffic: entries.find(entry => entry.version === data.version)?.traffic ?? 0,
    ...(step === undefined ? {} : { nextStep: step }),
    verdict,
    samples: { primary: primary.n, challenger: challenger.n },
    minEffect,
    windows: decision.challenger.windows.length,
    effectOverTime: scaleUnknown
      ? []
      : effectOverTime(decision, confidence, minEffect, (policy.direction ?? 'higher') === 'higher' ? 1 : -1)
  }
}

/** The improvement's interval after each of the challenger's windows, against the primary up to the same window. */
function effectOverTime(
  paths: { primary: ArmPath; challenger: ArmPath },
  confidence: number,
  scale: number,
  sign: 1 | -1
): EffectPoint[] {
  const points: EffectPoint[] = []
  let p = -1
  paths.challenger.windows.forEach((window, c) => {
    while (p + 1 < paths.primary.windows.length && paths.primary.windows[p + 1] <= window) p++
    if (p < 0) return
    const interval = differenceInterval(paths.primary.arms[p], paths.challenger.arms[c], confidence, scale)
    if (!Number.isFinite(interval.lower) || !Number.isFinite(interval.upper)) return
    points.push(
      sign === 1
        ? { window, estimate: interval.estimate, lower: interval.lower, upper: interval.upper }
        : { window, estimate: -interval.estimate, lower: -interval.upper, upper: -interval.lower }
    )
  })
  return points
}

/** How strongly a decision asks for action; the run acts on the strongest one of a model. */
export const DECISION_WEIGHT: Record<ExperimentDecision | 'none', number> = {
  none: 0,
  continue: 1,
  inconclusive: 2,
  step: 3,
  winner: 4,
  loser: 5
}

/**
 * The one traffic change a run proposes for a model (one pull request at a time changes its record): a loser
 * first (back to the primary), then the winner with the largest improvement, then a step.
 */
export function chooseAction(
  judgements: ChallengerJudgement[]
): { judgement: ChallengerJudgement; traffic: number } | undefined {
  const acting = judgements
    .map(judgement => ({ judgement, traffic: trafficFor(judgement.verdict.decision, judgement.nextStep) }))
    .filter(
      (action): action is { judgement: ChallengerJudgement; traffic: number } => action.traffic !== undefined
    )
  acting.sort(
    (a, b) =>
      DECISION_WEIGHT[b.judgement.verdict.decision] - DECISION_WEIGHT[a.judgement.verdict.decision] ||
      b.judgement.verdict.effect.estimate - a.judgement.verdict.effect.estimate
  )
  return acting[0]
}
