import type { EvidenceOptions } from '../evidence.js'
import type { MetricRule, ModelPolicy, Rule } from './schema.js'

/** Every metric rule, nested `any:`/`all:` groups included. */
export function metricRules(rules: Rule[]): MetricRule[] {
  return rules.flatMap(rule => {
    if ('any' in rule) return metricRules(rule.any)
    if ('all' in rule) return metricRules(rule.all)
    return 'metric' in rule ? [rule] : []
  })
}

/** What evidence a model's staging rules need: metric histories for aggregates, logged models for datasets. */
export function evidenceOptionsFor(policy: ModelPolicy): EvidenceOptions {
  const metrics = metricRules(policy.staging.rules)
  return {
    historyKeys: [...new Set(metrics.filter(r => r.aggregate !== undefined).map(r => r.metric))],
    datasetMetrics: metrics.some(rule => rule.dataset !== undefined)
  }
}
