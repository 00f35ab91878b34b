import type { MetricSpec } from '../../src/domain/experiment/windows.js'

/** A conversion rate as the serving helper logs it: two counts per window. */
export const CONVERSION: MetricSpec = {
  kind: 'proportion',
  name: 'conversion',
  successes: 'conversions',
  trials: 'impressions'
}

/** Revenue per request as the serving helper logs a mean: `<name>_n`, `<name>_sum`, `<name>_sum_sq`. */
export const REVENUE: MetricSpec = {
  kind: 'mean',
  name: 'revenue',
  n: 'revenue_n',
  sum: 'revenue_sum',
  sumOfSquares: 'revenue_sum_sq'
}
