import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { evaluatePolicy, signatureBreaks } from '../../src/policy/evaluate.js'
import { renderEvaluation, type VersionEvaluation } from '../../src/report/evaluation.js'
import type { ModelPolicy, Rule } from '../../src/policy/schema.js'
import type { Evidence, VersionEvidence } from '../../src/registry/evidence.js'
import type { SignatureField } from '../../src/registry/signature.js'

const NOW = new Date('2026-11-26T12:00:00Z')
const REPORT_BASE: VersionEvaluation = {
  model: 'fraud-detector',
  version: '8',
  decision: 'passed',
  staging: 'moved',
  stagingTarget: 'alias staging',
  dryRun: false,
  evaluatedAt: NOW.toISOString(),
  policy: { path: '.github/model-promotion.yml', sha: 'a'.repeat(40), entry: 'fraud-detector' },
  links: { version: 'http://mlflow/#/models/fraud-detector/versions/8' },
  rules: [],
  signature: {},
  trend: [],
  keyMetrics: [],
  tags: {}
}
const columns = (...specs: [string, string][]): SignatureField[] =>
  specs.map(([name, type]) => ({ name, type, required: true }))

function version(v: string, overrides: Partial<VersionEvidence> = {}, metrics: Record<string, number> = {}) {
  const evidence: VersionEvidence = {
    model: 'fraud-detector',
    version: {
      name: 'fraud-detector',
      version: v,
      current_stage: 'None',
      source: '',
      tags: [{ key: 'validation_status', value: 'passed' }],
      aliases: [],
      creation_timestamp: NOW.getTime() - 2 * 86_400_000
    },
    aliases: [],
    run: {
      runId: `run-${v}`,
      experimentId: '1',
      status: 'FINISHED',
      lifecycleStage: 'active',
      metrics,
      params: { solver: 'lbfgs' },
      tags: {},
      datasets: [],
      history: { loss: [0.9, 0.5, 0.3] }
    },
    datasetMetrics: [{ key: 'auc', dataset: 'holdout', value: 0.97, step: 0 }],
    signature: { inputs: columns(['a', 'double'], ['b', 'double']), outputs: [], params: [] },
    ...overrides
  }
  return evidence
}

function evidence(candidate: VersionEvidence, champions: VersionEvidence[] = []): Evidence {
  return {
    registeredModel: { name: 'fraud-detector', latest_versions: [], tags: [], aliases: [] },
    candidate,
    champions,
    production: champions.map(champion => champion.version.version)
  }
}

const policy = (rules: Rule[], onMissing?: 'fail' | 'warn' | 'pass'): ModelPolicy => ({
  staging: { rules, on_missing: onMissing }
})

describe('policy evaluator', () => {
  const candidate = version('8', {}, { accuracy: 0.96, latency: 80, f1: 0.9 })
  const champion = version('7', {}, { accuracy: 0.95, latency: 90, f1: 0.91 })

  it('passes absolute thresholds and explains each row', () => {
    const verdict = evaluatePolicy(
      policy([
        { metric: 'accuracy', min: 0.95 },
        { metric: 'latency', max: 100 }
      ]),
      evidence(candidate),
      NOW
    )
    expect(verdict.passed).toBe(true)
    expect(verdict.results.map(r => [r.rule, r.verdict, r.observed])).toEqual([
      ['accuracy ≥ 0.95', 'pass', 0.96],
      ['latency ≤ 100', 'pass', 80]
    ])
  })

  it('fails an absolute threshold with the observed value in the reason', () => {
    const verdict = evaluatePolicy(policy([{ metric: 'accuracy', min: 0.97 }]), evidence(candidate), NOW)
    expect(verdict.passed).toBe(false)
    expect(verdict.results[0].reason).toBe('accuracy is 0.96, below the minimum 0.97')
  })

  it('compares with the champion in both directions', () => {
    const higher = evaluatePolicy(
      policy([{ metric: 'f1', baseline: 'champion', max_regression: 0.005 }]),
      evidence(candidate, [champion]),
      NOW
    )
    expect(higher.passed).toBe(false)
    expect(higher.results[0]).toMatchObject({ baseline: 0.91, verdict: 'fail' })
    expect(higher.results[0].reason).toContain('f1 is 0.9 vs 0.91 on champion v7 (-0.01)')
    const tolerant = evaluatePolicy(
      policy([{ metric: 'f1', baseline: 'champion', max_regression: 0.01 }]),
      evidence(candidate, [champion]),
      NOW
    )
    expect(tolerant.passed).toBe(true)
    const lower = evaluatePolicy(
      policy([{ metric: 'latency', baseline: 'champion', direction: 'lower', min_improvement_pct: 10 }]),
      evidence(candidate, [champion]),
      NOW
    )
    expect(lower.passed).toBe(true)
    const lowerFail = evaluatePolicy(
      policy([{ metric: 'latency', baseline: 'champion', direction: 'lower', min_improvement_pct: 20 }]),
      evidence(candidate, [champion]),
      NOW
    )
    expect(lowerFail.passed).toBe(false)
  })

  it('passes a champion comparison with a note when there is no champion yet, unless told otherwise', () => {
    const rule: Rule = { metric: 'f1', baseline: 'champion' }
    const verdict = evaluatePolicy(policy([rule]), evidence(candidate), NOW)
    expect(verdict.passed).toBe(true)
    expect(verdict.results[0].reason).toBe('no champion yet to compare with (on_no_baseline: pass)')
    expect(
      evaluatePolicy(policy([{ ...rule, on_no_baseline: 'fail' }]), evidence(candidate), NOW).passed
    ).toBe(false)
  })

  it('labels a rule "warn only" for `severity: warn` alone, not for a missing champion or on_missing', () => {
    const rules: Rule[] = [
      { metric: 'f1', baseline: 'champion' },
      { metric: 'recall', min: 0.5, on_missing: 'warn' },
      { metric: 'accuracy', min: 0.99, severity: 'warn' }
    ]
    const verdict = evaluatePolicy(policy(rules), evidence(candidate), NOW)
    expect(verdict.results.map(r => [r.verdict, r.blocking])).toEqual([
      ['pass', true],
      ['warn', true],
      ['warn', false]
    ])
    const rows = renderEvaluation({ ...REPORT_BASE, rules: verdict.results })
      .split('\n')
      .filter(l => l.startsWith('| '))
    expect(rows.filter(row => row.includes('warn only'))).toEqual([expect.stringContaining('accuracy')])
  })

  it('fails closed on a missing metric and says which', () => {
    const verdict = evaluatePolicy(policy([{ metric: 'recall', min: 0.5 }]), evidence(candidate), NOW)
    expect(verdict.passed).toBe(false)
    expect(verdict.results[0].reason).toBe('metric recall is not logged on run run-8 (fails closed)')
    expect(
      evaluatePolicy(policy([{ metric: 'recall', min: 0.5 }], 'warn'), evidence(candidate), NOW).passed
    ).toBe(true)
  })

  it('fails closed when the champion cannot be read, even if the candidate looks better', () => {
    const unreadable = version('7', { run: undefined, runProblem: 'run run-7 no longer exists' })
    const metric = evaluatePolicy(
      policy([{ metric: 'f1', baseline: 'champion', max_regression: 1 }]),
      evidence(candidate, [unreadable]),
      NOW
    )
    expect(metric.passed).toBe(false)
    expect(metric.results[0].reason).toBe(
      'the champion v7 value cannot be compared: run run-7 no longer exists (fails closed)'
    )
    const unsignedChampion = version('7', {
      signature: undefined,
      signatureProblem: 'the version has no MLmodel file'
    })
    const signature = evaluatePolicy(
      policy([{ signature: 'compatible' }]),
      evidence(candidate, [unsignedChampion]),
      NOW
    )
    expect(signature.passed).toBe(false)
    expect(signature.results[0].reason).toBe(
      'the champion v7 signature cannot be read: the version has no MLmodel file (fails closed)'
    )
  })

  it('never passes NaN or infinities', () => {
    for (const value of [NaN, Infinity, -Infinity]) {
      const verdict = evaluatePolicy(
        policy([{ metric: 'x', max: 1e308 }]),
        evidence(version('9', {}, { x: value })),
        NOW
      )
      expect(verdict.passed).toBe(false)
      expect(verdict.results[0].reason).toBe(`x is ${value}, which never passes`)
    }
  })

  it('reads dataset metrics and aggregates over history', () => {
    const verdict = evaluatePolicy(
      policy([
        { metric: 'auc', dataset: 'holdout', min: 0.95 },
        { metric: 'loss', aggregate: 'mean', steps: 2, max: 0.4 },
        { metric: 'loss', aggregate: 'max', max: 0.5 }
      ]),
      evidence(candidate),
      NOW
    )
    expect(verdict.results.map(r => [r.rule, r.verdict, r.observed])).toEqual([
      ['auc [holdout] ≥ 0.95', 'pass', 0.97],
      ['mean(loss, last 2) ≤ 0.4', 'pass', 0.4],
      ['max(loss) ≤ 0.5', 'fail', 0.9]
    ])
  })

  it('checks signatures: required, and compatible with the champion', () => {
    const unsigned = version('9', {
      signature: undefined,
      signatureProblem: 'the model was logged without a signature'
    })
    const required = evaluatePolicy(policy([{ signature: 'required' }]), evidence(unsigned), NOW)
    expect(required.results[0].reason).toBe(
      'no signature: the model was logged without a signature (fails closed)'
    )
    const retyped = version('10', {
      signature: { inputs: columns(['a', 'long'], ['c', 'double']), outputs: [], params: [] }
    })
    const compatible = evaluatePolicy(
      policy([{ signature: 'compatible' }]),
      evidence(retyped, [champion]),
      NOW
    )
    expect(compatible.passed).toBe(false)
    expect(compatible.results[0].reason).toBe(
      'input a retyped from double to long; input b removed; new required input c'
    )
  })

  it('matches tags (version first, then run) and params, run status and age', () => {
    const verdict = evaluatePolicy(
      policy([
        { tag: 'validation_status', equals: 'passed' },
        { param: 'solver', matches: '^lb' },
        { run_status: ['FINISHED'] },
        { max_age_days: 1 }
      ]),
      evidence(candidate),
      NOW
    )
    expect(verdict.results.map(r => r.verdict)).toEqual(['pass', 'pass', 'pass', 'fail'])
    expect(verdict.results[3].reason).toBe('registered 2.0 days ago')
  })

  it('combines rules with any/all and turns warn-severity failures into warnings', () => {
    const verdict = evaluatePolicy(
      policy([
        {
          any: [
            { metric: 'accuracy', min: 0.99 },
            { metric: 'latency', max: 85 }
          ]
        },
        { metric: 'accuracy', min: 0.99, severity: 'warn' }
      ]),
      evidence(candidate),
      NOW
    )
    expect(verdict.passed).toBe(true)
    expect(verdict.results.map(r => r.verdict)).toEqual(['pass', 'warn'])
    expect(verdict.results[0].children?.map(c => c.verdict)).toEqual(['fail', 'pass'])
    const all = evaluatePolicy(
      policy([{ all: [{ metric: 'accuracy', min: 0.99 }] }]),
      evidence(candidate),
      NOW
    )
    expect(all.passed).toBe(false)
  })

  it('treats max_regression as a bound on worsening, whatever the values (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e3, noNaN: true }),
        (cand, champ, allowed) => {
          const verdict = evaluatePolicy(
            policy([{ metric: 'm', baseline: 'champion', max_regression: allowed }]),
            evidence(version('2', {}, { m: cand }), [version('1', {}, { m: champ })]),
            NOW
          )
          return verdict.passed === cand - champ >= -allowed - 1e-9
        }
      )
    )
  })

  it('lists no breaks for an identical or extended signature', () => {
    const base = { inputs: columns(['a', 'double']), outputs: [], params: [] }
    expect(signatureBreaks(base, base)).toEqual([])
    expect(
      signatureBreaks(base, {
        ...base,
        inputs: [...base.inputs, { name: 'opt', type: 'double', required: false }]
      })
    ).toEqual([])
  })
})
