import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  DEFAULT_RECORDS_FOLDER,
  parseRecord,
  productionEntries,
  readableRecord,
  recordPath,
  type ProductionEntry
} from '../domain/record.js'
import type { PromotionRepository, PullRequestFacts } from '../github/repository.js'
import { detectDrift, type Drift } from '../domain/drift.js'
import { lifecycleHistory, type LifecycleEvent } from '../domain/history.js'
import { loadPolicyFile } from './policy-file.js'
import { isNotFound } from '../registry/errors.js'
import { lifecycleFromPolicy } from '../registry/lifecycle/from-policy.js'
import { escapeMarkdown, fitMarkdown, link, table } from '../report/markdown.js'
import type { CommandContext, CommandOutcome } from './command.js'
import { selectModels } from './models.js'
import { gitHubRepository } from './gate-access.js'
import { InputError } from '../domain/input-error.js'
import { rollbackBranch, versionOfRollbackBranch } from '../domain/names.js'
import { ROLLBACK_TAGS, tagValue } from '../domain/tags.js'
import type { ModelVersion } from '../domain/registry-model.js'

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
  /** The gate's own rollback whose record pull request is not merged yet: registry and record differ, by design. */
  rollback?: string
}

/**
 * `audit`: per model, the lifecycle history recorded in the registry and the record file's Git history, and drift:
 * a registry production set that differs from the record on the default branch.
 */
export async function auditCommand(context: CommandContext): Promise<CommandOutcome> {
  const { inputs, registry, log } = context
  const repo = await recordSource(context)
  const loaded = await loadPolicyFile(context.workspace, inputs.policy)
  const lifecycle = lifecycleFromPolicy(registry, loaded.policy)
  const folder = loaded.policy.records ?? DEFAULT_RECORDS_FOLDER
  const models = await selectModels(registry, loaded.policy, loaded.path, inputs.model)
  const defaultBranch = repo ? await repo.defaultBranch() : undefined
  if (repo === undefined) log.info(`Reading the promotion records from the workspace (${context.workspace}).`)

  const audits: ModelAudit[] = []
  const unregistered: string[] = []
  // The open pull requests, read once for the whole audit and only when a model's drift looks like a rollback.
  let openPulls: Promise<PullRequestFacts[]> | undefined
  const openPullRequests = () => (openPulls ??= repo!.openPullRequests())
  for (const { model } of models) {
    const file = recordPath(folder, model)
    const [registered, recordText, recordCommits] = await Promise.all([
      registry.getRegisteredModel(model).catch((error: unknown) => {
        if (!isNotFound(error)) throw error
        return undefined
      }),
      readRecord(context, repo, defaultBranch, file),
      repo && defaultBranch ? repo.fileCommits(file, defaultBranch) : Promise.resolve([])
    ])
    const record = recordText === undefined ? undefined : productionEntries(parseRecord(recordText, file))
    if (registered === undefined && record === undefined) {
      log.info(`${model}: not registered yet, and no record`)
      unregistered.push(model)
      continue
    }
    const versions = registered ? await registry.versionsOf(model) : []
    const production = registered ? lifecycle.productionIn(versions, registered) : []
    const found = detectDrift(model, record, production, versions, file)
    if (found && registered === undefined) {
      found.differences.unshift(`the registry has no model named "${model}", which ${file} lists`)
    }
    const rollback =
      found &&
      (await pendingRollback(
        repo,
        openPullRequests,
        model,
        file,
        record,
        production,
        versions,
        recordCommits
      ))
    const drift =
      found && rollback === undefined
        ? withRollbackContext(found, model, production, versions, repo !== undefined)
        : undefined
    audits.push({
      model,
      production,
      record,
      recordFile: file,
      history: lifecycleHistory(versions),
      recordCommits,
      drift,
      rollback
    })
    log.info(
      drift
        ? `${model}: DRIFT: ${drift.differences.join('; ')}`
        : rollback
          ? `${model}: ${rollback}`
          : `${model}: registry matches ${file}`
    )
  }
  // An audit that looked at nothing says nothing: never "clean" when the policy names models the registry lacks.
  if (audits.length === 0) {
    const named = Object.keys(loaded.policy.models).join(', ')
    throw new Error(
      `None of the models the policy ${loaded.path} names (${named}) is registered in MLflow${unregistered.length > 0 ? ` (not registered: ${unregistered.join(', ')})` : ''}, so there is nothing to audit; check that the tracking URI points at the registry that serves them.`
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

/**
 * Where the records are read: through the API (the default branch) in GitHub Actions or whenever a token is given,
 * or when `drift-issue` needs the repository; outside Actions without a token, the checked-out workspace.
 */
async function recordSource(context: CommandContext): Promise<PromotionRepository | undefined> {
  const { inputs, env } = context
  const needsIssue = inputs.driftIssue && !inputs.dryRun
  if (!env.GITHUB_REPOSITORY) {
    if (needsIssue)
      throw new InputError(
        '`drift-issue: true` keeps an issue in the repository, so it needs GITHUB_REPOSITORY and `github-token`.'
      )
    return undefined
  }
  if (env.GITHUB_ACTIONS !== 'true' && inputs.githubToken === undefined && !needsIssue) return undefined
  return gitHubRepository(context)
}

/**
 * The gate's rollback explains the difference when production is exactly the version a rollback went back to, every
 * version the record lists but production lacks carries that rollback's tags, and — since tags can be written by any
 * registry user — GitHub confirms it: the gate's own open pull request on the rollback branch, opened after the
 * record's last change on the default branch, whose record is that version alone. Without GitHub it stays drift.
 */
async function pendingRollback(
  repo: PromotionRepository | undefined,
  openPullRequests: () => Promise<PullRequestFacts[]>,
  model: string,
  file: string,
  record: ProductionEntry[] | undefined,
  production: string[],
  versions: ModelVersion[],
  recordCommits: RecordCommit[]
): Promise<string | undefined> {
  if (repo === undefined || record === undefined || production.length !== 1) return undefined
  const [target] = production
  const retired = record.map(entry => entry.version).filter(version => version !== target)
  const tagsOf = (version: string) => versions.find(v => v.version === version)?.tags ?? []
  const rolledBack = retired.filter(
    version =>
      tagValue(tagsOf(version), ROLLBACK_TAGS.rolledBackTo) === target &&
      tagValue(tagsOf(version), ROLLBACK_TAGS.rolledBackAt) !== undefined
  )
  if (retired.length === 0 || rolledBack.length !== retired.length) return undefined
  // The rollback's branch, or the one it fell back to when someone had taken that name first.
  const pull = (await openPullRequests()).find(
    p => versionOfRollbackBranch(model, p.headRef) === target && p.headRepo === repo.fullName && p.authorIsBot
  )
  if (pull === undefined) return undefined
  const lastChange = recordCommits[0]?.date
  if (lastChange !== undefined && Date.parse(pull.createdAt) < Date.parse(lastChange)) return undefined
  const proposed = await repo.readFile(file, pull.headSha)
  const entries = proposed && readableRecord(proposed.content, file)
  const only = entries && productionEntries(entries)
  if (only === undefined || only.length !== 1 || only[0].version !== target) return undefined
  const tags = tagsOf(retired[0])
  return `rolled back to v${target} on ${tagValue(tags, ROLLBACK_TAGS.rolledBackAt)} by ${tagValue(tags, ROLLBACK_TAGS.rolledBackBy) ?? 'unknown'} (${tagValue(tags, ROLLBACK_TAGS.reason) ?? 'no reason recorded'}); the record follows when its pull request #${pull.number} is merged (${pull.url})`
}

/** Drift a rollback tag claims to explain but nothing confirms: said, so the reader knows what to look at. */
function withRollbackContext(
  drift: Drift,
  model: string,
  production: string[],
  versions: ModelVersion[],
  checked: boolean
): Drift {
  const claimed = versions.filter(v => tagValue(v.tags, ROLLBACK_TAGS.rolledBackTo) === production[0])
  if (production.length !== 1 || claimed.length === 0) return drift
  return {
    ...drift,
    advice: `If this is the gate's rollback, merge its record pull request (${rollbackBranch(model, production[0])}); otherwise: ${drift.advice}`,
    differences: [
      ...drift.differences,
      `rollback tags on ${claimed.map(v => `v${v.version}`).join(', ')} say ${model} was rolled back to v${production[0]}, but ${checked ? `no open pull request of the gate on ${rollbackBranch(model, production[0])}, opened since the record last changed, carries it into the record` : 'without a GitHub token the gate’s rollback pull request cannot be checked (tags alone can be written by any registry user)'}`
    ]
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
    parts.push(
      '',
      `### ${audit.drift ? '⚠️' : audit.rollback ? '⏪' : '✅'} ${escapeMarkdown(audit.model)}`,
      ''
    )
    parts.push(
      `**Production:** ${versions(audit.production)} · **Record** ${escapeMarkdown(audit.recordFile)}: ` +
        (audit.record
          ? audit.record
              .map(e => `v${e.version}${audit.record!.length > 1 ? ` (${e.traffic}%)` : ''}`)
              .join(', ')
          : 'none')
    )
    if (audit.rollback) parts.push('', `Rolled back by the gate: ${escapeMarkdown(audit.rollback)}.`)
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
