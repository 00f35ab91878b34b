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

const CASES: ReferenceCase[] = [
  {
    name: 'conversion, 10k each',
    primary: { kind: 'proportion', successes: 520, trials: 10_000 },
    challenger: { kind: 'proportion', successes: 610, trials: 10_000 },
    tau: 0.002,
    confidence: 0.95
  },
  {
    name: 'conversion, unequal sizes',
    primary: { kind: 'proportion', successes: 9_000, trials: 90_000 },
    challenger: { kind: 'proportion', successes: 1_080, trials: 10_000 },
    tau: 0.005,
    confidence: 0.95
  },
  {
    name: 'conversion, 99%',
    primary: { kind: 'proportion', successes: 300, trials: 5_000 },
    challenger: { kind: 'proportion', successes: 240, trials: 5_000 },
    tau: 0.01,
    confidence: 0.99
  },
  {
    name: 'error rate, rare events',
    primary: { kind: 'proportion', successes: 12, trials: 20_000 },
    challenger: { kind: 'proportion', successes: 31, trials: 20_000 },
    tau: 0.001,
    confidence: 0.9
  },
  {
    name: 'conversion, a wide mixture',
    primary: { kind: 'proportion', successes: 4_000, trials: 50_000 },
    challenger: { kind: 'proportion', successes: 4_150, trials: 50_000 },
    tau: 0.05,
    confidence: 0.95
  },
  {
    name: 'conversion, a narrow mixture',
    primary: { kind: 'proportion', successes: 4_000, trials: 50_000 },
    challenger: { kind: 'proportion', successes: 4_150, trials: 50_000 },
    tau: 0.0002,
    confidence: 0.95
  },
  {
    name: 'revenue, small samples',
    primary: { kind: 'mean', values: [1, 2, 3, 4, 5, 6, 7, 8.5] },
    challenger: { kind: 'mean', values: [2, 3, 4, 5, 6, 7, 8, 9.5, 11] },
    tau: 0.5,
    confidence: 0.9
  },
  {
    name: 'revenue, skewed, 400 and 350',
    primary: { kind: 'mean', values: skewed(400, 12, 0) },
    challenger: { kind: 'mean', values: skewed(350, 13, 1) },
    tau: 1,
    confidence: 0.95
  },
  {
    name: 'latency in ms, 2000 each',
    primary: { kind: 'mean', values: skewed(2000, 80, 2) },
    challenger: { kind: 'mean', values: skewed(2000, 78, 3) },
    tau: 5,
    confidence: 0.99
  }
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
