import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  DEFAULT_RECORDS_FOLDER,
  parseRecord,
  productionEntries,
  recordPath,
  type ProductionEntry
} from '../gate/record.js'
import type { PromotionRepository } from '../gate/repository.js'
import { detectDrift, type Drift } from '../operate/drift.js'
import { lifecycleHistory, type LifecycleEvent } from '../operate/history.js'
import { loadPolicyFile } from '../policy/file.js'
import { quote } from '../registry/client.js'
import { isNotFound } from '../registry/errors.js'
import { lifecycleFromPolicy } from '../registry/lifecycle/from-policy.js'
import { escapeMarkdown, fitMarkdown, link, table } from '../report/markdown.js'
import type { CommandContext, CommandOutcome } from './command.js'
import { selectModels } from './models.js'
import { lazyGate } from './gate-access.js'

const DRIFT_LABEL = 'model-drift'
const HISTORY_ROWS = 50

interface RecordCommit {
  sha: string
  author?: string
  date?: string
  message: string
}

interface ModelAudit {
  model: string
  production: string[]
  record?: ProductionEntry[]
  recordFile: string
  history: LifecycleEvent[]
  recordCommits: RecordCommit[]
  drift?: Drift
}

/**
 * `audit`: per model, the lifecycle history recorded in the registry and the record file's Git history, and drift:
 * a registry production set that differs from the record on the default branch.
 */
export async function auditCommand(context: CommandContext): Promise<CommandOutcome> {
  const { inputs, registry, log } = context
  const loaded = await loadPolicyFile(context.workspace, inputs.policy)
  const lifecycle = lifecycleFromPolicy(registry, loaded.policy)
  const folder = loaded.policy.records ?? DEFAULT_RECORDS_FOLDER
  const models = await selectModels(registry, loaded.policy, loaded.path, inputs.model)
  // The record on the default branch through the API when in Actions; the checked-out workspace otherwise.
  const repo = context.env.GITHUB_REPOSITORY ? lazyGate(context)() : undefined
  const defaultBranch = repo ? await repo.defaultBranch() : undefined

  const audits: ModelAudit[] = []
  for (const { model } of models) {
    let registered
    try {
      registered = await registry.getRegisteredModel(model)
    } catch (error) {
      if (!isNotFound(error)) throw error
      log.info(`${model}: not registered yet`)
      continue
    }
    const file = recordPath(folder, model)
    const [versions, recordText, recordCommits] = await Promise.all([
      registry.searchModelVersions(`name=${quote(model)}`),
      readRecord(context, repo, defaultBranch, file),
      repo && defaultBranch ? repo.fileCommits(file, defaultBranch) : Promise.resolve([])
    ])
    const record = recordText === undefined ? undefined : productionEntries(parseRecord(recordText, file))
    const production = lifecycle.productionIn(versions, registered)
    const drift = detectDrift(model, record, production, versions, file)
    audits.push({
      model,
      production,
      record,
      recordFile: file,
      history: lifecycleHistory(versions),
      recordCommits,
      drift
    })
    log.info(
      drift ? `${model}: DRIFT: ${drift.differences.join('; ')}` : `${model}: registry matches ${file}`
    )
  }

  const drifts = audits.flatMap(audit => (audit.drift ? [audit.drift] : []))
  const report = fitMarkdown(renderAudit(audits, (model, v) => registry.modelVersionUrl(model, v)))
  let issue: { number: number; url: string } | undefined
  if (inputs.driftIssue && !inputs.dryRun && repo !== undefined) {
    issue = await repo.syncIssue(
      DRIFT_LABEL,
      'MLflow registry differs from the promotion records',
      drifts.length > 0 ? fitMarkdown(renderDriftIssue(drifts), 60_000) : undefined
    )
  }
  return {
    outputs: {
      decision: drifts.length > 0 ? 'drift' : 'clean',
      version: '',
      report,
      result: JSON.stringify({ command: 'audit', models: audits, issue }),
      drift: JSON.stringify(drifts)
    },
    summary: report,
    failure:
      inputs.failOnDrift && drifts.length > 0
        ? `Drift in ${drifts.map(d => d.model).join(', ')}: ${drifts.flatMap(d => d.differences).join('; ')}`
        : undefined
  }
}

async function readRecord(
  context: CommandContext,
  repo: PromotionRepository | undefined,
  defaultBranch: string | undefined,
  file: string
): Promise<string | undefined> {
  if (repo !== undefined && defaultBranch !== undefined)
    return (await repo.readFile(file, defaultBranch))?.content
  try {
    return await readFile(join(context.workspace, file), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

function renderAudit(audits: ModelAudit[], versionUrl: (model: string, version: string) => string): string {
  const drifting = audits.filter(audit => audit.drift).length
  const parts = [
    '## MLflow Promotion Gate: audit',
    '',
    drifting === 0
      ? `No drift: the registry matches the promotion records of ${audits.length} model${audits.length === 1 ? '' : 's'}.`
      : `⚠️ Drift in ${drifting} of ${audits.length} model${audits.length === 1 ? '' : 's'}.`
  ]
  for (const audit of audits) {
    const versions = (list: string[]) =>
      list.map(v => link(`v${v}`, versionUrl(audit.model, v))).join(', ') || 'none'
    parts.push('', `### ${audit.drift ? '⚠️' : '✅'} ${escapeMarkdown(audit.model)}`, '')
    parts.push(
      `**Production:** ${versions(audit.production)} · **Record** ${escapeMarkdown(audit.recordFile)}: ` +
        (audit.record
          ? audit.record
              .map(e => `v${e.version}${audit.record!.length > 1 ? ` (${e.traffic}%)` : ''}`)
              .join(', ')
          : 'none')
    )
    if (audit.drift) {
      parts.push(
        '',
        ...audit.drift.differences.map(d => `- ${escapeMarkdown(d)}`),
        '',
        `**What to do:** ${escapeMarkdown(audit.drift.advice)}`
      )
    }
    if (audit.history.length > 0) {
      parts.push(
        '',
        table(
          ['When', 'Version', 'Event', 'By', 'Detail'],
          audit.history
            .slice(0, HISTORY_ROWS)
            .map(event => [
              escapeMarkdown(event.at),
              `v${event.version}`,
              event.link ? link(event.kind, event.link) : event.kind,
              escapeMarkdown(event.by ?? ''),
              escapeMarkdown(event.detail)
            ])
        )
      )
    }
    if (audit.recordCommits.length > 0) {
      parts.push(
        '',
        `Record history: ${audit.recordCommits.map(c => `${c.sha.slice(0, 7)} ${escapeMarkdown(c.message)} (${escapeMarkdown(c.author ?? 'unknown')}, ${escapeMarkdown(c.date ?? '')})`).join('; ')}`
      )
    }
  }
  return parts.join('\n') + '\n'
}

function renderDriftIssue(drifts: Drift[]): string {
  return [
    'The MLflow registry differs from the promotion records on the default branch. This issue is kept up to date by',
    'the `audit` command and closed when the drift is gone.',
    ...drifts.flatMap(drift => [
      '',
      `### ${escapeMarkdown(drift.model)}`,
      '',
      ...drift.differences.map(d => `- ${escapeMarkdown(d)}`),
      '',
      `**What to do:** ${escapeMarkdown(drift.advice)}`
    ])
  ].join('\n')
}
