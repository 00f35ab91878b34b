import { execFileSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import {
  differenceInterval,
  meanArm,
  mixtureLikelihoodRatio,
  proportionArm,
  type ArmStats
} from '../../src/domain/experiment/sequential.js'
import { testServers } from '../harness/servers.js'

type ArmCase = { kind: 'proportion'; successes: number; trials: number } | { kind: 'mean'; values: number[] }

interface ReferenceCase {
  name: string
  primary: ArmCase
  challenger: ArmCase
  tau: number
  confidence: number
}

interface ReferenceResult {
  name: string
  primary: ArmStats
  challenger: ArmStats
  estimate: number
  lower: number
  upper: number
  log_ratio_at_zero: number
}

/** Revenue-like values: a deterministic, skewed sample. */
function skewed(count: number, scale: number, offset: number): number[] {
  return Array.from(
    { length: count },
    (_, i) => Math.round(scale * (1 + Math.sin(i * 1.7 + offset)) ** 2 * 100) / 100
  )
}

const proportions = (
  name: string,
  [successesA, trialsA]: [number, number],
  [successesB, trialsB]: [number, number],
  tau: number,
  confidence: number
): ReferenceCase => ({
  name,
  primary: { kind: 'proportion', successes: successesA, trials: trialsA },
  challenger: { kind: 'proportion', successes: successesB, trials: trialsB },
  tau,
  confidence
})
const means = (name: string, a: number[], b: number[], tau: number, confidence: number): ReferenceCase => ({
  name,
  primary: { kind: 'mean', values: a },
  challenger: { kind: 'mean', values: b },
  tau,
  confidence
})

const CASES: ReferenceCase[] = [
  proportions('conversion, 10k each', [520, 10_000], [610, 10_000], 0.002, 0.95),
  proportions('conversion, unequal sizes', [9_000, 90_000], [1_080, 10_000], 0.005, 0.95),
  proportions('conversion, 99%', [300, 5_000], [240, 5_000], 0.01, 0.99),
  proportions('error rate, rare events', [12, 20_000], [31, 20_000], 0.001, 0.9),
  proportions('conversion, a wide mixture', [4_000, 50_000], [4_150, 50_000], 0.05, 0.95),
  proportions('conversion, a narrow mixture', [4_000, 50_000], [4_150, 50_000], 0.0002, 0.95),
  means('revenue, small samples', [1, 2, 3, 4, 5, 6, 7, 8.5], [2, 3, 4, 5, 6, 7, 8, 9.5, 11], 0.5, 0.9),
  means('revenue, skewed, 400 and 350', skewed(400, 12, 0), skewed(350, 13, 1), 1, 0.95),
  means('latency in ms, 2000 each', skewed(2000, 80, 2), skewed(2000, 78, 3), 5, 0.99)
]

function armOf(spec: ArmCase): ArmStats {
  if (spec.kind === 'proportion') return proportionArm(spec.successes, spec.trials)
  const sum = spec.values.reduce((total, x) => total + x, 0)
  const squares = spec.values.reduce((total, x) => total + x * x, 0)
  return meanArm(spec.values.length, sum, squares)
}

const close = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(expected)))

/**
 * The always-valid interval against an independent reference: SciPy integrates the mixture likelihood ratio
 * numerically and finds the interval's bounds as its roots (scripts/experiment/reference.py), with the Python of
 * the pinned MLflow environment; the TypeScript uses the closed form.
 */
describe('the always-valid interval against SciPy', () => {
  const [[, server]] = testServers()
  const script = resolve(import.meta.dirname, '../../scripts/experiment/reference.py')
  const references = JSON.parse(
    execFileSync(join(server.venv, 'bin', 'python'), [script], {
      input: JSON.stringify(CASES),
      encoding: 'utf8'
    })
  ) as ReferenceResult[]

  it.each(CASES.map((c, i) => [c.name, c, references[i]] as const))(
    '%s, to 1e-6',
    (_name, reference, expected) => {
      const primary = armOf(reference.primary)
      const challenger = armOf(reference.challenger)
      for (const [ours, theirs] of [
        [primary, expected.primary],
        [challenger, expected.challenger]
      ] as const) {
        expect(ours.n).toBe(theirs.n)
        close(ours.mean, theirs.mean)
        close(ours.variance, theirs.variance)
      }
      const interval = differenceInterval(primary, challenger, reference.confidence, reference.tau)
      close(interval.estimate, expected.estimate)
      close(interval.lower, expected.lower)
      close(interval.upper, expected.upper)
      close(
        Math.log(mixtureLikelihoodRatio(primary, challenger, 0, reference.tau)),
        expected.log_ratio_at_zero
      )
    }
  )
})
