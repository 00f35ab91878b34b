import { describe, expect, it } from '@jest/globals'
import { decideExperiment, type ExperimentInput } from '../../src/domain/experiment/decide.js'
import {
  differenceInterval,
  meanArm,
  mixtureLikelihoodRatio,
  proportionArm,
  type ArmStats
} from '../../src/domain/experiment/sequential.js'
import { armPath, ExperimentDataError, type MetricSpec } from '../../src/domain/experiment/windows.js'
import { CONVERSION, REVENUE } from '../harness/experiment-specs.js'
import { recordFigure } from '../harness/figures.js'

/** mulberry32: a small seeded generator, so the simulation gives the same figures on every machine. */
function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** An exact binomial draw by waiting times: the gaps between successes are geometric, about n·p draws in all. */
function binomial(random: () => number, n: number, p: number): number {
  const logFailure = Math.log(1 - p)
  let successes = 0
  for (let trial = 0; ; successes++) {
    trial += Math.ceil(Math.log(1 - random()) / logFailure)
    if (trial > n) return successes
  }
}

/**
 * Runs `experiments` A/B tests of conversion `pA` against `pB`, `perWindow` trials per version and window, looking
 * after every window for `windows` windows; returns the share of experiments whose interval ever excluded 0 (a
 * claimed difference), and the mean window of the first such look.
 */
function simulate(options: {
  seed: number
  experiments: number
  windows: number
  perWindow: number
  pA: number
  pB: number
  confidence: number
  tau: number
  /** A fixed-horizon z interval (estimate ± z·SE) instead, the one a naive repeated check uses. */
  fixedHorizonZ?: number
}): { claimed: number; meanFirstWindow: number } {
  const random = seeded(options.seed)
  let claimed = 0
  let firstWindows = 0
  for (let e = 0; e < options.experiments; e++) {
    let successesA = 0
    let successesB = 0
    let trials = 0
    for (let w = 1; w <= options.windows; w++) {
      successesA += binomial(random, options.perWindow, options.pA)
      successesB += binomial(random, options.perWindow, options.pB)
      trials += options.perWindow
      const always = differenceInterval(
        proportionArm(successesA, trials),
        proportionArm(successesB, trials),
        options.confidence,
        options.tau
      )
      const z = options.fixedHorizonZ
      const interval =
        z === undefined
          ? always
          : {
              lower: always.estimate - z * always.standardError,
              upper: always.estimate + z * always.standardError
            }
      if (interval.lower > 0 || interval.upper < 0) {
        claimed++
        firstWindows += w
        break
      }
    }
  }
  return {
    claimed: claimed / options.experiments,
    meanFirstWindow: claimed > 0 ? firstWindows / claimed : NaN
  }
}

describe('always-valid intervals for the difference of two versions', () => {
  it('is the set of differences whose mixture likelihood ratio stays below 1/α', () => {
    const a = proportionArm(520, 10_000)
    const b = proportionArm(610, 10_000)
    const interval = differenceInterval(a, b, 0.95, 0.002)
    expect(interval.estimate).toBeCloseTo(0.009, 12)
    for (const edge of [interval.lower, interval.upper]) {
      expect(mixtureLikelihoodRatio(a, b, edge, 0.002)).toBeCloseTo(20, 9)
    }
    expect(mixtureLikelihoodRatio(a, b, interval.estimate, 0.002)).toBeLessThan(20)
  })

  it('is wider than the fixed-horizon interval, the price of looking at every window', () => {
    const a = proportionArm(1000, 20_000)
    const b = proportionArm(1100, 20_000)
    const interval = differenceInterval(a, b, 0.95, 0.005)
    expect(interval.upper - interval.estimate).toBeGreaterThan(1.96 * interval.standardError)
  })

  it('claims nothing from outcomes that are all the same, and nothing from no outcomes', () => {
    expect(differenceInterval(proportionArm(0, 50), proportionArm(0, 50), 0.95, 0.01)).toMatchObject({
      lower: -Infinity,
      upper: Infinity
    })
    expect(differenceInterval(proportionArm(0, 0), proportionArm(3, 10), 0.95, 0.01).lower).toBe(-Infinity)
  })

  it('takes a mean from its count, sum and sum of squares', () => {
    const values = [3, 5, 7, 7, 9]
    const arm = meanArm(
      5,
      31,
      values.reduce((sum, x) => sum + x * x, 0)
    )
    expect(arm.mean).toBeCloseTo(6.2, 12)
    expect(arm.variance).toBeCloseTo(5.2, 12)
  })

  it('keeps false positives within 1 − confidence when it looks after every window of an A/A test', () => {
    const confidence = 0.95
    const experiments = 400
    const result = simulate({
      seed: 20261202,
      experiments,
      windows: 100,
      perWindow: 200,
      pA: 0.1,
      pB: 0.1,
      confidence,
      tau: 0.01
    })
    recordFigure('experiment: A/A, 400 experiments × 100 looks, share claiming a difference', result.claimed)
    // 1 − confidence plus three standard errors of the simulation.
    const bound = 1 - confidence + 3 * Math.sqrt((confidence * (1 - confidence)) / experiments)
    expect(result.claimed).toBeLessThanOrEqual(bound)
  })

  it('where a fixed-horizon 95% interval checked as often claims a difference in many A/A tests', () => {
    const result = simulate({
      seed: 20261202,
      experiments: 400,
      windows: 100,
      perWindow: 200,
      pA: 0.1,
      pB: 0.1,
      confidence: 0.95,
      tau: 0.01,
      fixedHorizonZ: 1.959964
    })
    recordFigure(
      'experiment: A/A with a fixed-horizon 95% interval at every look, share claiming a difference',
      result.claimed
    )
    expect(result.claimed).toBeGreaterThan(0.2)
  })

  it('finds a true difference, and sooner the larger it is', () => {
    const common = {
      seed: 7,
      experiments: 200,
      windows: 100,
      perWindow: 200,
      pA: 0.1,
      confidence: 0.95,
      tau: 0.01
    }
    const small = simulate({ ...common, pB: 0.115 })
    const large = simulate({ ...common, pB: 0.13 })
    recordFigure('experiment: 10% → 11.5%, share found within 100 windows', small.claimed)
    recordFigure('experiment: 10% → 13%, share found within 100 windows', large.claimed)
    expect(small.claimed).toBeGreaterThan(0.8)
    expect(large.claimed).toBeGreaterThan(0.99)
    expect(large.meanFirstWindow).toBeLessThan(small.meanFirstWindow)
  })
})

describe('adding up the serving layer’s windows', () => {
  const conversion = CONVERSION
  const revenue = REVENUE
  const points = (...values: [number, number][]) => values.map(([step, value]) => ({ step, value }))

  it('adds the increments of each window, cumulatively', () => {
    const path = armPath(
      conversion,
      { conversions: points([1, 5], [2, 7]), impressions: points([1, 100], [2, 100]) },
      'run r1 of v2'
    )
    expect(path.windows).toEqual([1, 2])
    expect(path.arms.map(arm => [arm.n, arm.mean])).toEqual([
      [100, 0.05],
      [200, 0.06]
    ])
    const means = armPath(
      revenue,
      { revenue_n: points([1, 2]), revenue_sum: points([1, 3]), revenue_sum_sq: points([1, 5]) },
      'run r1 of v2'
    )
    expect(means.arms[0]).toEqual({ n: 2, mean: 1.5, variance: 0.5 })
  })

  it.each<[string, MetricSpec, Record<string, { step: number; value: number }[]>, string]>([
    [
      'a metric with no windows',
      conversion,
      { conversions: points([1, 5]) },
      'run r1 of v2 has no windows of metric impressions (for conversion)'
    ],
    [
      'a negative count',
      conversion,
      { conversions: points([1, -1]), impressions: points([1, 10]) },
      'metric conversions is -1 in window 1; a count is a whole number, never negative'
    ],
    [
      'a fractional count',
      conversion,
      { conversions: points([1, 2.5]), impressions: points([1, 10]) },
      'metric conversions is 2.5 in window 1'
    ],
    [
      'more successes than trials',
      conversion,
      { conversions: points([1, 11]), impressions: points([1, 10]) },
      'window 1 has 11 conversions out of 10 impressions'
    ],
    [
      'windows that go backwards',
      conversion,
      { conversions: points([2, 1], [1, 1]), impressions: points([2, 10], [1, 10]) },
      'metric conversions has window 1 after window 2'
    ],
    [
      'a window logged twice',
      conversion,
      { conversions: points([1, 1], [1, 1]), impressions: points([1, 10], [2, 10]) },
      'metric conversions has window 1 after window 1'
    ],
    [
      'keys with different windows',
      conversion,
      { conversions: points([1, 1], [2, 1]), impressions: points([1, 10], [3, 10]) },
      'metrics conversions and impressions have different windows (1, 2 vs 1, 3)'
    ],
    [
      'a sum no count can have',
      revenue,
      { revenue_n: points([1, 2]), revenue_sum: points([1, 10]), revenue_sum_sq: points([1, 5]) },
      'which no 2 values have'
    ],
    [
      'a negative sum of squares',
      revenue,
      { revenue_n: points([1, 2]), revenue_sum: points([1, 0]), revenue_sum_sq: points([1, -1]) },
      'a sum of squares is never negative'
    ],
    [
      'a value that is not a number',
      revenue,
      { revenue_n: points([1, 2]), revenue_sum: points([1, NaN]), revenue_sum_sq: points([1, 1]) },
      'metric revenue_sum is NaN in window 1'
    ]
  ])('refuses %s, naming the run and the metric', (_what, spec, histories, message) => {
    expect(() => armPath(spec, histories, 'run r1 of v2')).toThrow(ExperimentDataError)
    expect(() => armPath(spec, histories, 'run r1 of v2')).toThrow(message)
  })
})

describe('the decision about a challenger', () => {
  const arm = (successes: number, trials: number): ArmStats => proportionArm(successes, trials)
  const base: ExperimentInput = {
    primary: arm(50_000, 1_000_000),
    challenger: arm(50_000, 1_000_000),
    direction: 'higher',
    minEffect: 0.002,
    confidence: 0.95,
    minSamples: 5000,
    guardrails: [],
    elapsedDays: 3,
    maxDurationDays: 14,
    hasNextStep: true
  }

  it('continues below the samples the policy asks for, and is inconclusive when time runs out before them', () => {
    const few = { ...base, primary: arm(50, 1000), challenger: arm(90, 1000) }
    expect(decideExperiment(few)).toMatchObject({
      decision: 'continue',
      reason: '1000 samples so far; a decision needs 5000 per version'
    })
    expect(decideExperiment({ ...few, elapsedDays: 14 }).decision).toBe('inconclusive')
  })

  it('steps up a challenger that is clearly not worse, declares a clear winner, and stops a clear loser', () => {
    expect(decideExperiment(base).decision).toBe('step')
    expect(decideExperiment({ ...base, hasNextStep: false }).decision).toBe('continue')
    expect(decideExperiment({ ...base, challenger: arm(6000, 100_000) })).toMatchObject({
      decision: 'winner'
    })
    expect(decideExperiment({ ...base, challenger: arm(48_000, 1_000_000) })).toMatchObject({
      decision: 'loser',
      reason: 'the challenger is worse'
    })
  })

  it('reads “better” the metric’s way: lower is better for a latency or an error rate', () => {
    const lower = { ...base, direction: 'lower' as const }
    expect(decideExperiment({ ...lower, challenger: arm(46_000, 1_000_000) }).decision).toBe('winner')
    expect(decideExperiment({ ...lower, challenger: arm(52_000, 1_000_000) }).decision).toBe('loser')
  })

  it('stops a challenger that breaches a guardrail, and does not step one whose guardrail is not yet known to hold', () => {
    const errors = (primary: number, challenger: number) => ({
      name: 'error_rate',
      primary: arm(primary, 100_000),
      challenger: arm(challenger, 100_000),
      direction: 'lower' as const,
      maxRegression: 0.001
    })
    expect(
      decideExperiment({ ...base, challenger: arm(54_000, 1_000_000), guardrails: [errors(100, 600)] })
    ).toMatchObject({
      decision: 'loser',
      reason: 'guardrail error_rate is worse by more than 0.001'
    })
    expect(decideExperiment({ ...base, guardrails: [errors(100, 100)] }).decision).toBe('step')
    const unsure = decideExperiment({ ...base, guardrails: [errors(100, 190)] })
    expect(unsure.guardrails[0].state).toBe('unknown')
    expect(unsure.decision).toBe('continue')
  })

  it('is inconclusive when the maximum duration passes without a decision', () => {
    const close = { ...base, challenger: arm(51_000, 1_000_000), hasNextStep: false }
    expect(decideExperiment(close).decision).toBe('continue')
    expect(decideExperiment({ ...close, elapsedDays: 14 })).toMatchObject({
      decision: 'inconclusive',
      reason: '14 days passed without a decision'
    })
  })
})
