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

/** A policy's `production.experiment` (indented for GateWorld's `extraPolicy`): conversion, an error guardrail. */
export const EXPERIMENT_POLICY = [
  '      experiment:',
  '        metric: { name: conversion, successes: conversions, trials: impressions }',
  '        direction: higher',
  '        min_effect: 0.01',
  '        confidence: 0.95',
  '        min_samples: 2000',
  '        max_duration_days: 14',
  '        guardrails:',
  '          - { metric: { name: error_rate, successes: errors, trials: requests }, direction: lower, max_regression: 0.01 }',
  '        steps: [10, 25, 50, 100]'
]

/** One window's counts for EXPERIMENT_POLICY: conversions of impressions at `rate`, errors of requests at 1 %. */
export function onlineCounts(impressions: number, rate: number): Record<string, number> {
  return {
    conversions: Math.round(impressions * rate),
    impressions,
    errors: Math.round(impressions * 0.01),
    requests: impressions
  }
}
