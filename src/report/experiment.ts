import type { ExperimentDecision } from '../domain/experiment/decide.js'
import type { ChallengerJudgement } from '../domain/experiment/plan.js'
import type { ProductionEntry } from '../domain/record.js'
import { effectChart } from './chart.js'
import { escapeMarkdown, link, table } from './markdown.js'

/** One model's experiment as the report shows it. */
export interface ExperimentReport {
  model: string
  metric: string
  confidence: number
  primary: string
  entries: ProductionEntry[]
  judgements: ChallengerJudgement[]
  /** The traffic change proposed, if any. */
  action?: { version: string; decision: ExperimentDecision; traffic: number; proposed: ProductionEntry[] }
  pullRequest?: { number: number; url: string }
  versionUrl: (version: string) => string
}

const ICONS: Record<ExperimentDecision, string> = {
  continue: '⏳',
  step: '📶',
  winner: '🏆',
  loser: '🛑',
  inconclusive: '🤷'
}

/** A number as the report prints it: six significant digits, no exponent noise. */
export function shown(value: number): string {
  if (value === Infinity) return '∞'
  if (value === -Infinity) return '−∞'
  if (!Number.isFinite(value)) return 'unknown'
  return String(Number(value.toPrecision(6)))
}

const interval = (lower: number, upper: number) => `[${shown(lower)}, ${shown(upper)}]`
const traffic = (entries: ProductionEntry[]) => entries.map(e => `v${e.version} ${e.traffic}%`).join(' / ')

/** What the proposed change does, in one line. */
export function actionTitle(model: string, action: NonNullable<ExperimentReport['action']>): string {
  if (action.decision === 'winner')
    return `Experiment on ${model}: v${action.version} wins, to 100% of traffic`
  if (action.decision === 'loser')
    return `Experiment on ${model}: v${action.version} loses, out of production`
  return `Experiment on ${model}: v${action.version} to ${action.traffic}% of traffic`
}

/** The evidence of one model's experiment: the job summary's section and the pull request's body. */
export function renderExperiment(report: ExperimentReport): string {
  const { judgements } = report
  const lines = [
    `### ${report.action ? ICONS[report.action.decision] : judgements.length > 0 ? ICONS[judgements[0].verdict.decision] : 'ℹ️'} Experiment: ${escapeMarkdown(report.model)}`,
    '',
    `**Traffic now:** ${traffic(report.entries)} · **Primary:** ${link(`v${report.primary}`, report.versionUrl(report.primary))} · **Metric:** ${escapeMarkdown(report.metric)} · **Confidence:** ${report.confidence}`,
    ''
  ]
  if (judgements.length > 0) {
    lines.push(
      table(
        [
          '',
          'Challenger',
          'Traffic',
          'Samples (primary / challenger)',
          'Improvement',
          'Always-valid interval',
          'Decision'
        ],
        judgements.map(j => [
          ICONS[j.verdict.decision],
          link(`v${j.version}`, report.versionUrl(j.version)),
          `${j.traffic}%`,
          `${j.samples.primary} / ${j.samples.challenger}`,
          shown(j.verdict.effect.estimate),
          interval(j.verdict.effect.lower, j.verdict.effect.upper),
          `**${j.verdict.decision}**: ${escapeMarkdown(j.verdict.reason)}`
        ])
      ),
      ''
    )
  }
  const guardrails = judgements.flatMap(j => j.verdict.guardrails.map(g => ({ version: j.version, ...g })))
  if (guardrails.length > 0) {
    lines.push(
      '**Guardrails** (worsening of the challenger; positive is worse)',
      '',
      table(
        ['', 'Challenger', 'Guardrail', 'Worsening', 'Always-valid interval', 'Limit'],
        guardrails.map(g => [
          g.state === 'breached' ? '❌' : g.state === 'holds' ? '✅' : '❔',
          `v${g.version}`,
          escapeMarkdown(g.name),
          shown(g.regression.estimate),
          interval(g.regression.lower, g.regression.upper),
          shown(g.maxRegression)
        ])
      ),
      ''
    )
  }
  for (const j of judgements) {
    const chart = effectChart(report.metric, j.version, j.effectOverTime, j.minEffect)
    if (chart !== undefined) lines.push(chart, '')
  }
  if (report.action) {
    lines.push(
      `**Proposed:** ${traffic(report.action.proposed)}` +
        (report.pullRequest ? ` in ${link(`#${report.pullRequest.number}`, report.pullRequest.url)}` : ''),
      ''
    )
  }
  return lines.join('\n')
}

/** The pull request's body: what merging does, then the evidence. */
export function experimentBody(report: ExperimentReport): string {
  return [
    `The experiment on **${escapeMarkdown(report.model)}** reached a decision: merging this pull request sets the traffic to ${traffic(report.action!.proposed)}. The action re-verifies the merge and the approvals through the APIs, then makes the registry match the record.`,
    '',
    'The intervals below are always valid: they hold at every look of the schedule at once, so this decision does not become a false positive by being checked every hour (docs/experiments.md). The evidence was gathered when this pull request was opened or last refreshed.',
    '',
    renderExperiment(report)
  ].join('\n')
}
