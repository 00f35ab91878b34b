import type { CheckResult } from '../domain/checks.js'
import { escapeMarkdown, link, table } from './markdown.js'

export interface ProductionVersionOutput {
  version: string
  traffic: number
  alias?: string
}

export interface PromotionOutcome {
  command: 'promote' | 'verify'
  decision: 'promoted' | 'unchanged' | 'refused' | 'noop' | 'verified' | 'stale'
  model?: string
  pullRequest?: { number: number; url: string }
  mergeSha?: string
  checks: CheckResult[]
  production: ProductionVersionOutput[]
  entered: string[]
  retired: string[]
  approvedBy: string[]
  mergedBy?: string
  reason?: string
}

const HEADINGS: Record<PromotionOutcome['decision'], string> = {
  promoted: '✅ Promoted',
  unchanged: '✅ Already promoted',
  refused: '❌ Not promoted',
  noop: 'ℹ️ Nothing to promote',
  verified: '✅ Ready for approval',
  stale: '❌ Not promotable as it stands'
}

export function checksTable(checks: CheckResult[]): string {
  return table(
    ['', 'Check', 'Detail'],
    checks.map(check => [
      check.passed ? '✅' : '❌',
      escapeMarkdown(check.check),
      escapeMarkdown(check.detail)
    ])
  )
}

/** The job summary, `report` output and pull-request comment of `promote` and `verify`. */
export function renderPromotion(outcome: PromotionOutcome, versionUrl: (version: string) => string): string {
  const subject = outcome.model ? ` ${escapeMarkdown(outcome.model)}` : ''
  const pull = outcome.pullRequest
    ? ` (${link(`#${outcome.pullRequest.number}`, outcome.pullRequest.url)})`
    : ''
  const parts = [`### ${HEADINGS[outcome.decision]}${subject}${pull}`, '']
  if (outcome.reason) parts.push(escapeMarkdown(outcome.reason), '')
  if (outcome.decision === 'promoted' || outcome.decision === 'unchanged') {
    const versions = outcome.production
      .map(
        p =>
          `${link(`v${p.version}`, versionUrl(p.version))}${outcome.production.length > 1 ? ` (${p.traffic}%)` : ''}`
      )
      .join(', ')
    parts.push(`**Production:** ${versions}`)
    if (outcome.retired.length > 0) parts.push(`**Retired:** ${outcome.retired.map(v => `v${v}`).join(', ')}`)
    if (outcome.approvedBy.length > 0)
      parts.push(`**Approved by:** ${outcome.approvedBy.map(escapeMarkdown).join(', ')}`)
    if (outcome.mergedBy) parts.push(`**Merged by:** ${escapeMarkdown(outcome.mergedBy)}`)
    parts.push('')
  }
  if (outcome.checks.length > 0) parts.push(checksTable(outcome.checks), '')
  return parts.join('\n')
}
