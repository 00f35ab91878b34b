import type { EffectPoint } from '../domain/experiment/plan.js'
import type { TrendPoint } from '../domain/trend.js'
import { codeFence } from './markdown.js'

/** Mermaid labels are quoted strings: keep them to characters that cannot end the string or the block. */
function mermaidLabel(text: string): string {
  return text.replace(/[^\p{L}\p{N} _.:/%()-]/gu, '_').slice(0, 80)
}

/**
 * One Mermaid `xychart-beta` line chart per metric (GitHub renders them), over the versions that logged a finite
 * value; a metric needs at least two such versions to be drawn.
 */
export function metricTrendCharts(trend: TrendPoint[], metrics: string[], highlight?: string): string[] {
  const charts: string[] = []
  for (const metric of metrics) {
    const points = trend.filter(point => Number.isFinite(point.metrics[metric]))
    if (points.length < 2) continue
    const values = points.map(point => point.metrics[metric])
    const labels = points.map(point => `"v${point.version}${point.version === highlight ? ' (this)' : ''}"`)
    const lines = [
      'xychart-beta',
      `    title "${mermaidLabel(metric)} across recent versions"`,
      `    x-axis [${labels.join(', ')}]`,
      `    y-axis "${mermaidLabel(metric)}"`,
      `    line [${values.map(value => Number(value.toPrecision(6))).join(', ')}]`
    ]
    charts.push(codeFence('mermaid', lines.join('\n')))
  }
  return charts
}

const MAX_POINTS = 60

/**
 * A Mermaid line chart of the improvement over time: the estimate, the interval's bounds and the smallest effect
 * that concludes. Drawn when at least two windows have an interval; long experiments are thinned to 60 points.
 */
export function effectChart(
  metric: string,
  version: string,
  points: EffectPoint[],
  minEffect: number
): string | undefined {
  if (points.length < 2) return undefined
  const every = Math.ceil(points.length / MAX_POINTS)
  const drawn = points.filter((_, i) => i % every === 0 || i === points.length - 1)
  const series = (values: number[]) => `[${values.map(v => Number(v.toPrecision(6))).join(', ')}]`
  return codeFence(
    'mermaid',
    [
      'xychart-beta',
      `    title "v${version}: improvement in ${mermaidLabel(metric)} by window (estimate, interval, min effect)"`,
      `    x-axis [${drawn.map(p => `"${p.window}"`).join(', ')}]`,
      `    y-axis "improvement"`,
      `    line ${series(drawn.map(p => p.upper))}`,
      `    line ${series(drawn.map(p => p.estimate))}`,
      `    line ${series(drawn.map(p => p.lower))}`,
      `    line ${series(drawn.map(() => minEffect))}`
    ].join('\n')
  )
}
