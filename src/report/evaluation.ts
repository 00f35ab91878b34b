import { formatDelta, type RuleResult, type RuleVerdict } from '../domain/policy/evaluate.js'
import type { InputChange } from '../domain/signature.js'
import type { TrendPoint } from '../domain/trend.js'
import { metricTrendCharts } from './chart.js'
import { escapeMarkdown, link, table } from './markdown.js'

export type Decision = 'passed' | 'failed'

/** What the evaluation did to the registry's staging state. */
export type StagingOutcome =
  | 'moved' // moved to staging now
  | 'would-move' // dry run of a passing version
  | 'in-production' // passing, but already a production version: left where it is
  | 'not-moved' // failed
  | 'unchanged' // evaluated earlier with the same policy: nothing done

/** One version's evaluation, as the `result` output carries it and the report renders it. */
export interface VersionEvaluation {
  model: string
  version: string
  decision: Decision
  staging: StagingOutcome
  /** Where staging is, in the lifecycle's words: `alias challenger`, `stage Staging`. */
  stagingTarget: string
  evaluatedAt: string
  dryRun: boolean
  policy: { path: string; sha: string; entry: string }
  links: { version: string; run?: string }
  run?: { id: string; name?: string }
  champion?: { version: string; url: string }
  rules: RuleResult[]
  signature: { inputs?: string[]; diff?: InputChange[]; problem?: string }
  trend: TrendPoint[]
  keyMetrics: string[]
  /** The tags written to the version (or that a dry run would write). */
  tags: Record<string, string>
  /** The production versions when it was evaluated (or, for an unchanged re-run, when it was looked at again). */
  production?: string[]
  /** The promotion pull request opened or updated for a passing version. */
  pullRequest?: { number: number; url: string; created: boolean; superseded: number[] }
}

const ICONS: Record<RuleVerdict, string> = { pass: '✅', warn: '⚠️', fail: '❌' }

function formatValue(value: number | string | undefined): string {
  if (value === undefined) return ''
  if (typeof value === 'number') return escapeMarkdown(String(Number(value.toPrecision(6))))
  return escapeMarkdown(value)
}

function ruleRows(results: RuleResult[], depth = 0): string[][] {
  return results.flatMap(result => [
    [
      ICONS[result.verdict],
      `${'↳ '.repeat(depth)}${escapeMarkdown(result.rule)}${result.blocking ? '' : ' _(warn only)_'}`,
      formatValue(result.observed),
      escapeMarkdown(result.threshold ?? ''),
      formatValue(result.baseline),
      result.delta === undefined ? '' : escapeMarkdown(formatDelta(result.delta)),
      escapeMarkdown(result.reason)
    ],
    ...ruleRows(result.children ?? [], depth + 1)
  ])
}

function stagingSentence(evaluation: VersionEvaluation): string {
  const target = escapeMarkdown(evaluation.stagingTarget)
  switch (evaluation.staging) {
    case 'moved':
      return `Moved to Staging (${target}).`
    case 'would-move':
      return `Dry run: would move to Staging (${target}); nothing was written.`
    case 'in-production':
      return 'Already a production version, so it stays where it is.'
    case 'not-moved': {
      const failed = countFailures(evaluation.rules)
      return `Not moved to Staging: ${failed} blocking rule${failed === 1 ? '' : 's'} failed.${evaluation.dryRun ? ' Dry run: nothing was written.' : ''}`
    }
    case 'unchanged':
      return `Already evaluated with this policy on ${escapeMarkdown(evaluation.evaluatedAt)} (${evaluation.decision}); nothing to do.`
  }
}

function countFailures(results: RuleResult[]): number {
  return results.filter(result => result.verdict === 'fail').length
}

function signatureSection(evaluation: VersionEvaluation): string[] {
  const { signature, champion } = evaluation
  if (signature.problem !== undefined) return [`**Signature:** ${escapeMarkdown(signature.problem)}.`]
  if (signature.diff !== undefined && champion !== undefined) {
    const changed = signature.diff.filter(row => row.change !== 'unchanged').length
    const rows = signature.diff.map(row => [
      escapeMarkdown(row.name),
      escapeMarkdown(row.before ?? '—'),
      escapeMarkdown(row.after ?? '—'),
      row.change === 'unchanged'
        ? ''
        : `**${row.change}**${row.change === 'added' && row.required ? ' (required)' : ''}`
    ])
    return [
      `<details><summary>Signature: ${changed === 0 ? 'inputs unchanged' : `${changed} input change${changed === 1 ? '' : 's'}`} vs champion v${escapeMarkdown(champion.version)}</summary>`,
      '',
      table(['Input', `Champion v${escapeMarkdown(champion.version)}`, 'This version', 'Change'], rows),
      '',
      '</details>'
    ]
  }
  if (signature.inputs !== undefined) {
    return [`**Signature inputs:** ${signature.inputs.map(escapeMarkdown).join(', ') || 'none'}.`]
  }
  return []
}

export function renderEvaluation(evaluation: VersionEvaluation): string {
  const icon = evaluation.decision === 'passed' ? '✅' : '❌'
  const name = `${evaluation.model} v${evaluation.version}`
  const lineage = [
    `**Model version** ${link(name, evaluation.links.version)}`,
    evaluation.run && `**Run** ${link(evaluation.run.name ?? evaluation.run.id, evaluation.links.run)}`,
    evaluation.champion
      ? `**Champion** ${link(`v${evaluation.champion.version}`, evaluation.champion.url)}`
      : '**Champion** none yet',
    `**Policy** ${escapeMarkdown(evaluation.policy.path)} at ${evaluation.policy.sha.slice(0, 7)} (entry ${escapeMarkdown(evaluation.policy.entry)})`
  ].filter(Boolean)
  const pull = evaluation.pullRequest
  const parts = [
    `### ${icon} ${escapeMarkdown(name)}: ${evaluation.decision}`,
    '',
    stagingSentence(evaluation) +
      (pull
        ? ` Promotion pull request ${link(`#${pull.number}`, pull.url)} ${pull.created ? 'opened' : 'updated'}` +
          (pull.superseded.length > 0
            ? `; it supersedes ${pull.superseded.map(n => `#${n}`).join(', ')}.`
            : '.')
        : ''),
    '',
    lineage.join(' · ')
  ]
  if (evaluation.rules.length > 0) {
    parts.push(
      '',
      table(['', 'Rule', 'Observed', 'Threshold', 'Champion', 'Δ', 'Reason'], ruleRows(evaluation.rules))
    )
  }
  const signature = signatureSection(evaluation)
  if (signature.length > 0) parts.push('', ...signature)
  const charts = metricTrendCharts(evaluation.trend, evaluation.keyMetrics, evaluation.version)
  if (charts.length > 0) parts.push('', '#### Key metrics across recent versions', '', charts.join('\n\n'))
  return parts.join('\n')
}

export interface SkippedVersion {
  model: string
  version: string
  reason: string
}

/** The whole `evaluate` report: one section per version, then what polling left alone and why. */
export function renderEvaluateReport(
  evaluations: VersionEvaluation[],
  skipped: SkippedVersion[],
  notes: string[]
): string {
  const passed = evaluations.filter(e => e.decision === 'passed').length
  const heading =
    evaluations.length === 0
      ? 'No version to evaluate.'
      : `${evaluations.length} version${evaluations.length === 1 ? '' : 's'} evaluated: ${passed} passed, ${evaluations.length - passed} failed.`
  const parts = ['## MLflow Promotion Gate: evaluate', '', heading]
  for (const note of notes) parts.push('', `> ${escapeMarkdown(note)}`)
  for (const evaluation of evaluations) parts.push('', renderEvaluation(evaluation))
  if (skipped.length > 0) {
    parts.push(
      '',
      `<details><summary>${skipped.length} version${skipped.length === 1 ? '' : 's'} left alone</summary>`,
      '',
      table(
        ['Model', 'Version', 'Why'],
        skipped.map(s => [escapeMarkdown(s.model), escapeMarkdown(s.version), escapeMarkdown(s.reason)])
      ),
      '',
      '</details>'
    )
  }
  return parts.join('\n') + '\n'
}
