import type { Evidence, VersionEvidence } from '../evidence.js'
import { diffSignatureInputs, type ModelSignature } from '../signature.js'
import type { MetricRule, ModelPolicy, Rule } from './schema.js'

export type RuleVerdict = 'pass' | 'fail' | 'warn'

/** One row of the evidence table: what was checked, what was seen, and why it passed or not. */
export interface RuleResult {
  rule: string
  verdict: RuleVerdict
  /** Whether the rule can stop the version: false only for `severity: warn` (reported as "warn only"). */
  blocking: boolean
  observed?: number | string
  threshold?: string
  baseline?: number
  delta?: number
  reason: string
  children?: RuleResult[]
}

export interface Verdict {
  passed: boolean
  results: RuleResult[]
}

type MissingPolicy = 'fail' | 'warn' | 'pass'
interface Scope {
  evidence: Evidence
  onMissing: MissingPolicy
  now: number
}

// Comparisons allow for binary floating point (0.95 - 0.955 is not exactly -0.005).
const EPSILON = 1e-9
const DAY_MS = 86_400_000

/** Evaluates the staging rules of a model policy against the evidence: a pure function, one row per rule. */
export function evaluatePolicy(policy: ModelPolicy, evidence: Evidence, now: Date): Verdict {
  const scope: Scope = { evidence, onMissing: policy.staging.on_missing ?? 'fail', now: now.getTime() }
  const results = policy.staging.rules.map(rule => evaluateRule(rule, scope))
  return { passed: results.every(result => result.verdict !== 'fail'), results }
}

function evaluateRule(rule: Rule, scope: Scope): RuleResult {
  const result = evaluateRaw(rule, scope)
  if ('severity' in rule && rule.severity === 'warn') {
    return { ...result, blocking: false, verdict: result.verdict === 'fail' ? 'warn' : result.verdict }
  }
  return result
}

function evaluateRaw(rule: Rule, scope: Scope): RuleResult {
  if ('any' in rule || 'all' in rule) return evaluateGroup(rule, scope)
  if ('metric' in rule) return evaluateMetric(rule, scope)
  if ('signature' in rule) return evaluateSignature(rule.signature, rule.on_missing, scope)
  if ('tag' in rule)
    return evaluateMatch('tag', rule.tag, rule, lookupTag(rule.tag, scope.evidence.candidate), scope)
  if ('param' in rule) {
    const run = scope.evidence.candidate.run
    return evaluateMatch(
      'param',
      rule.param,
      rule,
      run?.params[rule.param],
      scope,
      run ? undefined : runProblem(scope)
    )
  }
  if ('run_status' in rule) return evaluateRunStatus(rule.run_status, rule.on_missing, scope)
  return evaluateAge(rule.max_age_days, rule.on_missing, scope)
}

function evaluateGroup(rule: { any: Rule[] } | { all: Rule[] }, scope: Scope): RuleResult {
  const isAny = 'any' in rule
  const children = (isAny ? rule.any : rule.all).map(child => evaluateRule(child, scope))
  const passed = isAny
    ? children.some(child => child.verdict === 'pass')
    : children.every(child => child.verdict !== 'fail')
  const failed = children.filter(child => child.verdict === 'fail').length
  return {
    rule: isAny ? `any of ${children.length} rules` : `all of ${children.length} rules`,
    verdict: passed ? 'pass' : 'fail',
    blocking: true,
    children,
    reason: passed
      ? isAny
        ? 'at least one rule passed'
        : 'every rule passed'
      : isAny
        ? 'no rule passed'
        : `${failed} of ${children.length} rules failed`
  }
}

function missing(rule: string, reason: string, policy: MissingPolicy | undefined, scope: Scope): RuleResult {
  const effective = policy ?? scope.onMissing
  const verdict: RuleVerdict = effective === 'pass' ? 'pass' : effective === 'warn' ? 'warn' : 'fail'
  const suffix = effective === 'fail' ? ' (fails closed)' : ` (on_missing: ${effective})`
  return { rule, verdict, blocking: true, reason: `${reason}${suffix}` }
}

function runProblem(scope: Scope): string {
  return scope.evidence.candidate.runProblem ?? 'the version has no run'
}

interface MetricValue {
  value?: number
  problem?: string
}

function metricLabel(rule: MetricRule): string {
  let label = rule.metric
  if (rule.dataset !== undefined) label += ` [${rule.dataset}]`
  if (rule.aggregate !== undefined) {
    label = `${rule.aggregate}(${label}${rule.steps !== undefined ? `, last ${rule.steps}` : ''})`
  }
  return label
}

export function metricValue(rule: MetricRule, version: VersionEvidence): MetricValue {
  if (rule.dataset !== undefined) {
    const matches = version.datasetMetrics
      .filter(metric => metric.key === rule.metric && metric.dataset === rule.dataset)
      .sort((a, b) => b.step - a.step)
    if (matches.length > 0) return { value: matches[0].value }
    const why = version.loggedModelProblem ? `: ${version.loggedModelProblem}` : ''
    return { problem: `metric ${rule.metric} is not logged for dataset ${rule.dataset}${why}` }
  }
  if (version.run === undefined) return { problem: version.runProblem ?? 'the version has no run' }
  if (rule.aggregate !== undefined) {
    const history = version.run.history[rule.metric] ?? []
    const values = rule.steps !== undefined ? history.slice(-rule.steps) : history
    if (values.length === 0)
      return { problem: `metric ${rule.metric} has no history on run ${version.run.runId}` }
    return { value: aggregate(rule.aggregate, values) }
  }
  const value = version.run.metrics[rule.metric]
  if (value === undefined)
    return { problem: `metric ${rule.metric} is not logged on run ${version.run.runId}` }
  return { value }
}

function aggregate(kind: 'last' | 'min' | 'max' | 'mean', values: number[]): number {
  switch (kind) {
    case 'last':
      return values[values.length - 1]
    case 'min':
      return Math.min(...values)
    case 'max':
      return Math.max(...values)
    case 'mean':
      return values.reduce((sum, value) => sum + value, 0) / values.length
  }
}

function evaluateMetric(rule: MetricRule, scope: Scope): RuleResult {
  const label = metricLabel(rule)
  const direction = rule.direction ?? 'higher'
  const thresholds: string[] = []
  if (rule.min !== undefined) thresholds.push(`≥ ${rule.min}`)
  if (rule.max !== undefined) thresholds.push(`≤ ${rule.max}`)
  if (rule.baseline !== undefined)
    thresholds.push(`vs champion (${direction} is better${baselineTerm(rule)})`)
  const base: RuleResult = {
    rule: `${label} ${thresholds.join(', ')}`,
    verdict: 'pass',
    blocking: true,
    threshold: thresholds.join(', '),
    reason: ''
  }
  const candidate = metricValue(rule, scope.evidence.candidate)
  if (candidate.value === undefined) {
    return { ...missing(base.rule, candidate.problem!, rule.on_missing, scope), threshold: base.threshold }
  }
  const value = candidate.value
  if (!Number.isFinite(value)) {
    return {
      ...base,
      observed: String(value),
      verdict: 'fail',
      reason: `${label} is ${value}, which never passes`
    }
  }
  const result: RuleResult = { ...base, observed: value }
  if (rule.min !== undefined && value < rule.min - EPSILON) {
    return { ...result, verdict: 'fail', reason: `${label} is ${value}, below the minimum ${rule.min}` }
  }
  if (rule.max !== undefined && value > rule.max + EPSILON) {
    return { ...result, verdict: 'fail', reason: `${label} is ${value}, above the maximum ${rule.max}` }
  }
  if (rule.baseline === undefined)
    return { ...result, reason: `${label} is ${value}, within ${base.threshold}` }

  const [champion] = scope.evidence.champions
  if (champion === undefined) {
    const onNoBaseline = rule.on_no_baseline ?? 'pass'
    return {
      ...result,
      verdict: onNoBaseline,
      reason: `no champion yet to compare with (on_no_baseline: ${onNoBaseline})`
    }
  }
  const baseline = metricValue(rule, champion)
  const championName = `champion v${champion.version.version}`
  if (baseline.value === undefined || !Number.isFinite(baseline.value)) {
    return {
      ...result,
      verdict: 'fail',
      reason: `the ${championName} value cannot be compared: ${baseline.problem ?? `it is ${baseline.value}`} (fails closed)`
    }
  }
  const delta = value - baseline.value
  const improvement = direction === 'higher' ? delta : -delta
  const scale = Math.abs(baseline.value)
  let needed = 0
  let what = 'no regression'
  if (rule.max_regression !== undefined) {
    needed = -rule.max_regression
    what = `a regression of at most ${rule.max_regression}`
  } else if (rule.max_regression_pct !== undefined) {
    needed = (-scale * rule.max_regression_pct) / 100
    what = `a regression of at most ${rule.max_regression_pct}%`
  } else if (rule.min_improvement !== undefined) {
    needed = rule.min_improvement
    what = `an improvement of at least ${rule.min_improvement}`
  } else if (rule.min_improvement_pct !== undefined) {
    needed = (scale * rule.min_improvement_pct) / 100
    what = `an improvement of at least ${rule.min_improvement_pct}%`
  }
  const passed = improvement >= needed - EPSILON
  const change = `${label} is ${value} vs ${baseline.value} on ${championName} (${formatDelta(delta)})`
  return {
    ...result,
    baseline: baseline.value,
    delta,
    verdict: passed ? 'pass' : 'fail',
    reason: `${change}; the policy allows ${what}`
  }
}

function baselineTerm(rule: MetricRule): string {
  if (rule.max_regression !== undefined) return `, max regression ${rule.max_regression}`
  if (rule.max_regression_pct !== undefined) return `, max regression ${rule.max_regression_pct}%`
  if (rule.min_improvement !== undefined) return `, min improvement ${rule.min_improvement}`
  if (rule.min_improvement_pct !== undefined) return `, min improvement ${rule.min_improvement_pct}%`
  return ', no regression'
}

export function formatDelta(delta: number): string {
  const rounded = Number(delta.toPrecision(6))
  return `${rounded >= 0 ? '+' : ''}${rounded}`
}

function evaluateSignature(
  mode: 'required' | 'compatible',
  onMissing: MissingPolicy | undefined,
  scope: Scope
): RuleResult {
  const { candidate, champions } = scope.evidence
  const rule = mode === 'required' ? 'signature required' : 'signature compatible with the champion'
  if (candidate.signature === undefined) {
    return missing(rule, `no signature: ${candidate.signatureProblem ?? 'unknown reason'}`, onMissing, scope)
  }
  if (mode === 'required')
    return { rule, verdict: 'pass', blocking: true, reason: 'the version has a signature' }
  const [champion] = champions
  if (champion === undefined) {
    return { rule, verdict: 'pass', blocking: true, reason: 'no champion yet to compare with' }
  }
  if (champion.signature === undefined) {
    return {
      rule,
      verdict: 'fail',
      blocking: true,
      reason: `the champion v${champion.version.version} signature cannot be read: ${champion.signatureProblem ?? 'unknown'} (fails closed)`
    }
  }
  const changes = signatureBreaks(champion.signature, candidate.signature)
  return changes.length === 0
    ? {
        rule,
        verdict: 'pass',
        blocking: true,
        reason: `inputs compatible with champion v${champion.version.version}`
      }
    : { rule, verdict: 'fail', blocking: true, observed: changes.join('; '), reason: changes.join('; ') }
}

/** Input changes that break callers of the champion: removed, retyped, or newly required inputs. */
export function signatureBreaks(champion: ModelSignature, candidate: ModelSignature): string[] {
  return diffSignatureInputs(champion, candidate).flatMap(({ name, before, after, required, change }) => {
    if (change === 'removed') return [`input ${name} removed`]
    if (change === 'retyped') return [`input ${name} retyped from ${before} to ${after}`]
    if (change === 'added' && required) return [`new required input ${name}`]
    return []
  })
}

function lookupTag(key: string, version: VersionEvidence): string | undefined {
  return version.version.tags.find(tag => tag.key === key)?.value ?? version.run?.tags[key]
}

function evaluateMatch(
  kind: 'tag' | 'param',
  key: string,
  rule: { equals?: string; matches?: string; on_missing?: MissingPolicy },
  value: string | undefined,
  scope: Scope,
  whyMissing?: string
): RuleResult {
  const expectation = rule.equals !== undefined ? `= "${rule.equals}"` : `matches /${rule.matches}/`
  const label = `${kind} ${key} ${expectation}`
  if (value === undefined) {
    return missing(label, whyMissing ?? `${kind} ${key} is not set`, rule.on_missing, scope)
  }
  const passed = rule.equals !== undefined ? value === rule.equals : new RegExp(rule.matches!).test(value)
  return {
    rule: label,
    verdict: passed ? 'pass' : 'fail',
    blocking: true,
    observed: value,
    threshold: expectation,
    reason: passed ? `${kind} ${key} is "${value}"` : `${kind} ${key} is "${value}", expected ${expectation}`
  }
}

function evaluateRunStatus(
  expected: string | string[],
  onMissing: MissingPolicy | undefined,
  scope: Scope
): RuleResult {
  const allowed = Array.isArray(expected) ? expected : [expected]
  const label = `run status ${allowed.join(' or ')}`
  const run = scope.evidence.candidate.run
  if (run === undefined) return missing(label, runProblem(scope), onMissing, scope)
  const passed = allowed.includes(run.status)
  return {
    rule: label,
    verdict: passed ? 'pass' : 'fail',
    blocking: true,
    observed: run.status,
    reason: `the run is ${run.status}`
  }
}

function evaluateAge(maxDays: number, onMissing: MissingPolicy | undefined, scope: Scope): RuleResult {
  const label = `registered at most ${maxDays} days ago`
  const created = scope.evidence.candidate.version.creation_timestamp
  if (created === undefined) return missing(label, 'the version has no creation time', onMissing, scope)
  const ageDays = (scope.now - created) / DAY_MS
  const passed = ageDays <= maxDays
  return {
    rule: label,
    verdict: passed ? 'pass' : 'fail',
    blocking: true,
    observed: Number(ageDays.toFixed(2)),
    reason: `registered ${ageDays.toFixed(1)} days ago`
  }
}
