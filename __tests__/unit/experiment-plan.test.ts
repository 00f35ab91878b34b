import { describe, expect, it } from '@jest/globals'
import {
  chooseAction,
  experimentRecord,
  judgeChallenger,
  metricSpec,
  nextStep,
  type ChallengerJudgement
} from '../../src/domain/experiment/plan.js'
import { armPath } from '../../src/domain/experiment/windows.js'
import { parsePolicy } from '../../src/domain/policy/load.js'
import type { ExperimentPolicy } from '../../src/domain/policy/schema.js'
import { experimentBranch, experimentOfBranch } from '../../src/domain/names.js'
import { effectChart } from '../../src/report/chart.js'

const entries = (...pairs: [string, number][]) => pairs.map(([version, traffic]) => ({ version, traffic }))

const POLICY: ExperimentPolicy = {
  metric: { name: 'conversion', successes: 'conversions', trials: 'impressions' },
  min_effect: 0.01,
  min_samples: 1000,
  steps: [10, 25, 50, 100]
}

/** A version's windows of conversions out of impressions, one [conversions, impressions] pair per window. */
function path(windows: [number, number, number][], from?: number) {
  const histories = {
    conversions: windows.map(([step, conversions]) => ({ step, value: conversions })),
    impressions: windows.map(([step, , impressions]) => ({ step, value: impressions }))
  }
  return armPath(metricSpec(POLICY.metric), histories, 'run r', from)
}

describe('the experiment’s traffic steps', () => {
  it('takes the next step above the challenger’s share, below 100, leaving the primary some traffic', () => {
    expect(nextStep([10, 25, 50, 100], entries(['1', 90], ['2', 10]), '2')).toBe(25)
    expect(nextStep([10, 25, 50, 100], entries(['1', 75], ['2', 25]), '2')).toBe(50)
    expect(nextStep([10, 25, 50, 100], entries(['1', 50], ['2', 50]), '2')).toBeUndefined()
    // With two challengers, the other's share counts: 40 + 50 leaves the primary 10; 40 + 60 would leave nothing.
    expect(nextStep([20, 50, 60], entries(['1', 40], ['2', 20], ['3', 40]), '2')).toBe(50)
    expect(nextStep([20, 60], entries(['1', 40], ['2', 20], ['3', 40]), '2')).toBeUndefined()
  })

  it('moves traffic between the challenger and the primary only; a winner takes all, a loser leaves', () => {
    expect(experimentRecord(entries(['1', 90], ['2', 10]), '2', 25)).toEqual(entries(['1', 75], ['2', 25]))
    expect(experimentRecord(entries(['1', 60], ['2', 10], ['3', 30]), '2', 25)).toEqual(
      entries(['1', 45], ['2', 25], ['3', 30])
    )
    expect(experimentRecord(entries(['1', 75], ['2', 25]), '2', 100)).toEqual(entries(['2', 100]))
    expect(experimentRecord(entries(['1', 75], ['2', 25]), '2', 0)).toEqual(entries(['1', 100]))
    expect(experimentRecord(entries(['1', 60], ['2', 10], ['3', 30]), '3', 0)).toEqual(
      entries(['1', 90], ['2', 10])
    )
  })

  it('names the branch after the challenger and its traffic, and reads it back', () => {
    expect(experimentBranch('recommender', '4', 25)).toBe('promotion/recommender/experiment-v4-to-25')
    expect(experimentOfBranch('recommender', 'promotion/recommender/experiment-v4-to-25')).toEqual({
      version: '4',
      traffic: 25
    })
    for (const branch of [
      'promotion/recommender/experiment-v4-to-101',
      'promotion/recommender/experiment-v4-to-07',
      'promotion/recommender/experiment-v0-to-25',
      'promotion/recommender/v4',
      'promotion/other/experiment-v4-to-25'
    ]) {
      expect(experimentOfBranch('recommender', branch)).toBeUndefined()
    }
  })
})

describe('judging a challenger from the windows', () => {
  it('compares the primary only over the challenger’s windows', () => {
    // The primary converted at 5 % before the challenger started, and at 10 % since, like the challenger.
    const challenger = path([
      [3, 500, 5000],
      [4, 500, 5000]
    ])
    const primary = path(
      [
        [1, 2500, 50000],
        [2, 2500, 50000],
        [3, 4500, 45000],
        [4, 4500, 45000]
      ],
      challenger.windows[0]
    )
    expect(primary.windows).toEqual([3, 4])
    const judged = judgeChallenger(POLICY, entries(['1', 90], ['2', 10]), {
      version: '2',
      paths: [{ primary, challenger }],
      elapsedDays: 1
    })
    expect(judged.samples).toEqual({ primary: 90000, challenger: 10000 })
    expect(judged.verdict.effect.estimate).toBeCloseTo(0, 12)
    expect(judged.verdict.decision).toBe('step')
    expect(judged.nextStep).toBe(25)
    expect(judged.effectOverTime.map(point => point.window)).toEqual([3, 4])
  })

  it('takes an effect in percent of the primary’s value, and waits while that value is unknown', () => {
    const policy: ExperimentPolicy = { ...POLICY, min_effect: undefined, min_effect_pct: 10 }
    const primary = path([[1, 9000, 90000]])
    const judged = judgeChallenger(policy, entries(['1', 90], ['2', 10]), {
      version: '2',
      paths: [{ primary, challenger: path([[1, 1300, 10000]]) }],
      elapsedDays: 1
    })
    expect(judged.minEffect).toBeCloseTo(0.01, 12)
    expect(judged.verdict.decision).toBe('winner')
    const unknown = judgeChallenger(policy, entries(['1', 90], ['2', 10]), {
      version: '2',
      paths: [{ primary: path([[1, 0, 90000]]), challenger: path([[1, 13, 10000]]) }],
      elapsedDays: 1
    })
    expect(unknown.verdict.decision).toBe('continue')
    expect(unknown.verdict.reason).toContain('is not known yet (or is 0)')
  })

  it('acts on a loser first, then the clearest winner, then a step', () => {
    const judgement = (version: string, decision: string, estimate: number, step?: number) =>
      ({
        version,
        traffic: 10,
        nextStep: step,
        verdict: {
          decision,
          reason: '',
          effect: { estimate, lower: 0, upper: 0, standardError: 0 },
          guardrails: []
        },
        samples: { primary: 0, challenger: 0 },
        minEffect: 0.01,
        windows: 1,
        effectOverTime: []
      }) as ChallengerJudgement
    expect(chooseAction([judgement('2', 'step', 0, 25), judgement('3', 'loser', -1)])).toMatchObject({
      judgement: { version: '3' },
      traffic: 0
    })
    expect(
      chooseAction([
        judgement('2', 'winner', 0.02),
        judgement('3', 'winner', 0.05),
        judgement('4', 'step', 0, 25)
      ])
    ).toMatchObject({ judgement: { version: '3' }, traffic: 100 })
    expect(chooseAction([judgement('2', 'step', 0, 25)])).toMatchObject({ traffic: 25 })
    expect(chooseAction([judgement('2', 'continue', 0), judgement('3', 'inconclusive', 0)])).toBeUndefined()
  })

  it('draws the interval over time once two windows have one', () => {
    const points = [
      { window: 1, estimate: 0.01, lower: -0.02, upper: 0.04 },
      { window: 2, estimate: 0.012, lower: 0.001, upper: 0.023 }
    ]
    expect(effectChart('conversion', '2', points.slice(0, 1), 0.01)).toBeUndefined()
    const chart = effectChart('conversion', '2', points, 0.01)!
    expect(chart).toContain('xychart-beta')
    expect(chart).toContain('x-axis ["1", "2"]')
    expect(chart).toContain('line [0.04, 0.023]')
    expect(chart).toContain('line [0.01, 0.01]')
  })
})

describe('the policy’s experiment block', () => {
  const policy = (experiment: string, strategy = 'ab') =>
    [
      'version: 1',
      'models:',
      '  recommender:',
      '    staging: { rules: [{ metric: accuracy, min: 0.9 }] }',
      '    production:',
      `      strategy: ${strategy}`,
      '      experiment:',
      ...experiment.split('\n').map(line => `        ${line}`)
    ].join('\n')

  it('accepts the article’s experiment', () => {
    const parsed = parsePolicy(
      policy(
        [
          'metric: { name: conversion, successes: conversions, trials: impressions }',
          'direction: higher',
          'min_effect: 0.002',
          'confidence: 0.95',
          'min_samples: 5000',
          'max_duration_days: 14',
          'guardrails:',
          '  - { metric: { name: error_rate, successes: errors, trials: requests }, direction: lower, max_regression: 0.001 }',
          'steps: [10, 25, 50, 100]'
        ].join('\n')
      ),
      'p.yml'
    )
    expect(parsed.models.recommender.production?.experiment?.min_samples).toBe(5000)
  })

  it.each([
    [
      'metric: { name: conversion, successes: conversions, trials: impressions }',
      'ab',
      'exactly one of `min_effect` or `min_effect_pct`'
    ],
    [
      'metric: { name: revenue, n: revenue_n, sum: revenue_sum }\nmin_effect: 1',
      'ab',
      'is a proportion (`successes` and `trials`) or a mean (`n`, `sum` and `sum_sq`), not `n`, `sum`'
    ],
    [
      'metric: { name: c, successes: a, trials: b }\nmin_effect: 0.01\nsteps: [25, 10]',
      'ab',
      'the traffic steps must go up, each once'
    ],
    ['metric: { name: c, successes: a, trials: b }\nmin_effect: 0.01\nconfidence: 0.5', 'ab', 'confidence'],
    [
      'metric: { name: c, successes: a, trials: b }\nmin_effect: 0.01',
      'replace',
      'an `experiment` compares production versions: it needs `strategy: ab`'
    ],
    [
      'metric: { name: c, successes: a, trials: b }\nmin_effect: 0.01\nguardrails: [{ metric: { name: e, successes: x, trials: y }, direction: lower }]',
      'ab',
      'a guardrail needs exactly one of `max_regression` or `max_regression_pct`'
    ],
    [
      'metric: { name: c, successes: a, trials: b }\nmin_effect: 0.01\ndataset: online\nmlflow_experiment: serving',
      'ab',
      'the windows come from runs in `mlflow_experiment` or from logged models with `dataset`, not both'
    ]
  ])('refuses %j (strategy %s), saying %j', (experiment, strategy, message) => {
    expect(() => parsePolicy(policy(experiment, strategy), 'p.yml')).toThrow(message)
  })
})
