import { meanArm, proportionArm, type ArmStats } from './sequential.js'

// The serving layer's contract: per version, one MLflow run whose metrics are increments per time window
// (`step` = the window's number). A proportion is logged as successes and trials, a mean as n, sum and sum of
// squares, so that windows add up without raw events. Anything that cannot be such increments is refused, naming
// the run and the metric: the gate decides on nothing it cannot read.

export type MetricSpec =
  | { kind: 'proportion'; name: string; successes: string; trials: string }
  | { kind: 'mean'; name: string; n: string; sum: string; sumOfSquares: string }

/** The metric keys a metric is logged as, in the order `armPath` reads them. */
export const metricKeys = (spec: MetricSpec): string[] =>
  spec.kind === 'proportion' ? [spec.successes, spec.trials] : [spec.n, spec.sum, spec.sumOfSquares]

/** One metric key's history as MLflow returns it. */
export interface MetricPoint {
  step: number
  value: number
}

export class ExperimentDataError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ExperimentDataError'
  }
}

/** The arm after each window, cumulatively, oldest first; the last entry is the arm so far. */
export interface ArmPath {
  windows: number[]
  arms: ArmStats[]
}

/**
 * Adds up one version's windows of one metric. `source` names the run in errors ("run 3f2… of v7"). Every key of
 * the metric must have the same windows, each once, with counts that are whole and non-negative, and successes
 * never above trials in a window. With `from`, only the windows from that one on are added up (every window is
 * still checked): the primary's windows from when the challenger started, so both cover the same time.
 */
export function armPath(
  spec: MetricSpec,
  histories: Record<string, MetricPoint[] | undefined>,
  source: string,
  from = -Infinity
): ArmPath {
  const keys = metricKeys(spec)
  const counts = new Set(spec.kind === 'proportion' ? [spec.successes, spec.trials] : [spec.n])
  const series = keys.map(key => {
    const points = histories[key]
    if (points === undefined || points.length === 0) {
      throw new ExperimentDataError(`${source} has no windows of metric ${key} (for ${spec.name})`)
    }
    for (let i = 0; i < points.length; i++) {
      const { step, value } = points[i]
      if (i > 0 && step <= points[i - 1].step) {
        throw new ExperimentDataError(
          `${source}: metric ${key} has window ${step} after window ${points[i - 1].step}; windows must go forward, each once`
        )
      }
      if (!Number.isFinite(value))
        throw new ExperimentDataError(`${source}: metric ${key} is ${value} in window ${step}`)
      if (counts.has(key) && (value < 0 || !Number.isInteger(value))) {
        throw new ExperimentDataError(
          `${source}: metric ${key} is ${value} in window ${step}; a count is a whole number, never negative`
        )
      }
      if (spec.kind === 'mean' && key === spec.sumOfSquares && value < 0) {
        throw new ExperimentDataError(
          `${source}: metric ${key} is ${value} in window ${step}; a sum of squares is never negative`
        )
      }
    }
    return points
  })
  const windows = series[0].map(point => point.step)
  for (const [index, points] of series.entries()) {
    const steps = points.map(point => point.step)
    if (steps.length !== windows.length || steps.some((step, i) => step !== windows[i])) {
      throw new ExperimentDataError(
        `${source}: metrics ${keys[0]} and ${keys[index]} have different windows (${describe(windows)} vs ${describe(steps)})`
      )
    }
  }
  const totals = keys.map(() => 0)
  const arms: ArmStats[] = []
  const counted: number[] = []
  for (let w = 0; w < windows.length; w++) {
    const inRange = windows[w] >= from
    if (inRange) {
      series.forEach((points, k) => (totals[k] += points[w].value))
      counted.push(windows[w])
    }
    if (spec.kind === 'proportion') {
      const [successes, trials] = [series[0][w].value, series[1][w].value]
      if (successes > trials) {
        throw new ExperimentDataError(
          `${source}: window ${windows[w]} has ${successes} ${spec.successes} out of ${trials} ${spec.trials}`
        )
      }
      if (inRange) arms.push(proportionArm(totals[0], totals[1]))
    } else {
      const [n, sum, sumOfSquares] = [series[0][w].value, series[1][w].value, series[2][w].value]
      // n values with this sum have at least sum²/n as their sum of squares (Cauchy–Schwarz); none have any sum.
      const tolerance = 1e-9 * Math.max(1, sum * sum)
      if (
        (n === 0 && (sum !== 0 || sumOfSquares !== 0)) ||
        (n > 0 && sum * sum > n * sumOfSquares + tolerance)
      ) {
        throw new ExperimentDataError(
          `${source}: window ${windows[w]} has ${spec.n} ${n}, ${spec.sum} ${sum} and ${spec.sumOfSquares} ${sumOfSquares}, which no ${n} values have`
        )
      }
      if (inRange) arms.push(meanArm(totals[0], totals[1], totals[2]))
    }
  }
  return { windows: counted, arms }
}

function describe(steps: number[]): string {
  return steps.length <= 6
    ? steps.join(', ')
    : `${steps.slice(0, 3).join(', ')}, … ${steps.at(-1)} (${steps.length})`
}
