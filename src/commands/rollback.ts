import { randomBytes } from 'node:crypto'
import { InputError } from '../domain/input-error.js'
import { GitHubApiError } from '../github/api-error.js'
import { rollbackBranch } from '../domain/names.js'
import { prepareRecordPullRequestOnFreeBranch, type OpenedPullRequest } from '../gate/open-pr.js'
import { gateMerges, provenProduction } from '../gate/history.js'
import { DEFAULT_RECORDS_FOLDER, recordPath } from '../domain/record.js'
import type { PromotionRepository } from '../github/repository.js'
import { loadPolicyFile } from './policy-file.js'
import { lifecycleFromPolicy } from '../registry/lifecycle/from-policy.js'
import type { ModelVersion } from '../domain/registry-model.js'
import { PROMOTE_TAGS, ROLLBACK_TAGS, tagValue } from '../domain/tags.js'
import { escapeMarkdown, link, table } from '../report/markdown.js'
import type { CommandContext, CommandOutcome } from './command.js'
import { gitHubRepository } from './gate-access.js'
import { requireModelPolicy } from './models.js'

interface RollbackPlan {
  model: string
  target: string
  /** The production versions taken out, primary first. */
  retired: string[]
  /** Set when a previous attempt of this workflow run already started this rollback. */
  resumed: boolean
}

/**
 * `rollback`: the previous production version (or `version`) back in production in one atomic step, the faulty
 * ones retired, the reason and the person recorded, and a pull request so the record file follows.
 */
export async function rollbackCommand(context: CommandContext): Promise<CommandOutcome> {
  const { inputs, registry, log, env } = context
  if (inputs.model === undefined) throw new InputError('rollback needs the input `model`.')
  if (inputs.reason === undefined) {
    throw new InputError(
      'rollback needs the input `reason`: it is recorded on the version taken out of production.'
    )
  }
  if (inputs.version === 'latest') throw new InputError('rollback takes a version number, not `latest`.')
  const model = inputs.model
  // Every precondition before the first write: the token and repository (the history that proves the target, the
  // record pull request), the policy, the target and the pull-request branch.
  const history = await gitHubRepository(context)
  if (history === undefined) {
    throw new InputError(
      'rollback proves its target from the record’s history on GitHub (merged gate pull requests), so it needs GITHUB_REPOSITORY and `github-token`.'
    )
  }
  log.section?.(`Rollback of ${model}: the target and its proof (nothing is written yet)`)
  const loaded = await loadPolicyFile(context.workspace, inputs.policy)
  const entry = requireModelPolicy(loaded.policy, loaded.path, model)
  const lifecycle = lifecycleFromPolicy(registry, loaded.policy)

  // The model read also gives MLflow's own error for an unknown model.
  const [versions, registered] = await Promise.all([
    registry.versionsOf(model),
    registry.getRegisteredModel(model)
  ])
  const production = lifecycle.productionIn(versions, registered)
  const runKey =
    env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? `${env.GITHUB_REPOSITORY}#${env.GITHUB_RUN_ID}` : undefined
  const historyOptions = {
    recordFile: recordPath(loaded.policy.records ?? DEFAULT_RECORDS_FOLDER, model),
    policyPath: inputs.policy,
    now: context.now()
  }
  const planned = planRollback(model, versions, production, inputs.version, runKey)
  const plan: RollbackPlan =
    planned.target === undefined
      ? await (async () => {
          const target = await previousFromHistory(history, registry, historyOptions, model, production)
          return { ...planned, target, retired: production.filter(v => v !== target) }
        })()
      : { ...planned, target: planned.target }
  const byNumber = new Map(versions.map(v => [v.version, v]))
  const target = byNumber.get(plan.target)
  if (target === undefined) throw new Error(`${model} has no version ${plan.target}.`)
  if (target.status !== undefined && target.status !== 'READY') {
    throw new Error(`${model} v${plan.target} cannot go to production: its registration is ${target.status}.`)
  }
  // Whatever named the target (the input, a re-run's journal tags), it must be in production now (the registry's
  // production only the gate moves) or have been through the gate: registry tags can be written by any registry
  // user, and any other version needs evaluate and approvals.
  if (!production.includes(plan.target)) {
    const proof = await provenProduction(history, registry, historyOptions, plan.target)
    if (proof === undefined) {
      throw new Error(
        `${model} v${plan.target} was never in production through the gate (no merged, approved change of ${historyOptions.recordFile} on the default branch lists it), so rollback cannot return to it; evaluate it and merge its promotion pull request instead.`
      )
    }
  }

  const by = await whoRanThis(context, history)
  const recordPullRequest =
    inputs.openPr && !inputs.dryRun
      ? await prepareRecordPullRequestOnFreeBranch(
          history,
          {
            model,
            recordsFolder: loaded.policy.records ?? DEFAULT_RECORDS_FOLDER,
            branch: rollbackBranch(model, plan.target),
            title: `Roll back ${model} to v${plan.target}`,
            entries: () => [{ version: plan.target, traffic: 100 }],
            refreshBody: false,
            reviewers: entry.policy.production?.reviewers ?? [],
            labels: entry.policy.production?.labels ?? [],
            supersedes: () => false,
            strategy: 'replace',
            registryProduction: async () => [plan.target]
          },
          // An emergency rollback must not be held up by someone who created its branch first: this workflow
          // run's own branch (found again by a re-run), then one no one can guess.
          [
            ...(env.GITHUB_RUN_ID ? [rollbackBranch(model, plan.target, `run-${env.GITHUB_RUN_ID}`)] : []),
            rollbackBranch(model, plan.target, randomBytes(6).toString('hex'))
          ],
          message => log.warning(message)
        )
      : undefined
  const now = context.now().toISOString()
  let writes = 0
  log.section?.(
    inputs.dryRun ? 'Dry run: nothing is written' : 'Writes: the journal, production, the record pull request'
  )
  if (!inputs.dryRun && plan.retired.length > 0) {
    // The journal first: a re-run of this workflow run finds it and completes the same rollback.
    const journal: Record<string, string> = {
      [ROLLBACK_TAGS.rolledBackAt]: now,
      [ROLLBACK_TAGS.reason]: inputs.reason,
      [ROLLBACK_TAGS.rolledBackBy]: by,
      [ROLLBACK_TAGS.rolledBackTo]: plan.target
    }
    for (const version of plan.retired) {
      const tags = byNumber.get(version)?.tags ?? []
      if (tagValue(tags, ROLLBACK_TAGS.run) !== undefined && tagValue(tags, ROLLBACK_TAGS.run) === runKey)
        continue
      await Promise.all(
        Object.entries(journal).map(([key, value]) => registry.setModelVersionTag(model, version, key, value))
      )
      // The run last: a re-run that finds it also finds the rest of the journal.
      if (runKey) await registry.setModelVersionTag(model, version, ROLLBACK_TAGS.run, runKey)
    }
    if (production.length !== 1 || production[0] !== plan.target) {
      writes += 1
      await lifecycle.setProduction(model, [plan.target])
    }
    const reason = `rolled back to v${plan.target}: ${inputs.reason}`
    // Both tags, since a run killed between the two writes leaves one of them: the re-run writes the pair again.
    const untagged = plan.retired.filter(version => {
      const tags = byNumber.get(version)?.tags ?? []
      return (
        tagValue(tags, PROMOTE_TAGS.archivedReason) !== reason ||
        tagValue(tags, PROMOTE_TAGS.archivedAt) === undefined
      )
    })
    writes += untagged.length
    await Promise.all(
      untagged.flatMap(version => [
        registry.setModelVersionTag(model, version, PROMOTE_TAGS.archivedReason, reason),
        registry.setModelVersionTag(model, version, PROMOTE_TAGS.archivedAt, now)
      ])
    )
  }
  const alreadyDone = plan.retired.length === 0 || (!inputs.dryRun && writes === 0)
  log.info(
    alreadyDone
      ? `${model}: v${plan.target} is already the only production version; nothing to roll back`
      : `${model}: ${inputs.dryRun ? 'dry run: would roll back' : 'rolled back'} to v${plan.target} (out of production: ${plan.retired.map(v => `v${v}`).join(', ')})`
  )

  let pull: OpenedPullRequest | undefined
  if (recordPullRequest !== undefined) {
    pull = await recordPullRequest.open(
      rollbackBody(model, plan, inputs.reason!, by, registry.modelVersionUrl(model, plan.target))
    )
    for (const warning of pull.warnings) log.warning(warning)
    log.info(
      `${model}: record pull request #${pull.number} ${pull.created ? 'opened' : 'already open'} (${pull.url})`
    )
  }

  const decision = inputs.dryRun ? 'planned' : alreadyDone ? 'unchanged' : 'rolled-back'
  const names = lifecycle.aliasNames
  const productionOutput = [
    { version: plan.target, traffic: 100, ...(names ? { alias: names.production } : {}) }
  ]
  const report = rollbackReport(model, plan, decision, inputs.reason, by, pull, (v: string) =>
    registry.modelVersionUrl(model, v)
  )
  return {
    outputs: {
      decision,
      version: plan.target,
      report,
      result: JSON.stringify({
        command: 'rollback',
        decision,
        ...plan,
        reason: inputs.reason,
        by,
        pullRequest: pull
      }),
      'production-versions': JSON.stringify(productionOutput),
      'archived-versions': JSON.stringify(plan.retired),
      'pr-number': pull ? String(pull.number) : '',
      'pr-url': pull?.url ?? ''
    },
    summary: report
  }
}

/**
 * Which version goes back, and which come out: a re-run resumes its journal, an explicit version is taken as
 * given; otherwise the target is left for the record's history to name (see previousFromHistory). Pure. The
 * caller proves the target from Git history in every case.
 */
export function planRollback(
  model: string,
  versions: ModelVersion[],
  production: string[],
  explicit: string | undefined,
  runKey: string | undefined
): Omit<RollbackPlan, 'target'> & { target: string | undefined } {
  const resumed = runKey ? versions.find(v => tagValue(v.tags, ROLLBACK_TAGS.run) === runKey) : undefined
  if (resumed !== undefined) {
    const target = tagValue(resumed.tags, ROLLBACK_TAGS.rolledBackTo)!
    // The journal is registry tags, which any registry user can write: it may finish what this run started, never
    // overrule the version the person asked for.
    if (explicit !== undefined && explicit !== target) {
      throw new InputError(
        `This workflow run's rollback journal (on v${resumed.version}) says it rolled ${model} back to v${target}, but the input \`version\` asks for v${explicit}; start a new run for v${explicit}, or re-run with v${target} to finish the first.`
      )
    }
    const retired = versions
      .filter(v => tagValue(v.tags, ROLLBACK_TAGS.run) === runKey)
      .map(v => v.version)
      .concat(production.filter(v => v !== target))
    return { model, target, retired: [...new Set(retired)], resumed: true }
  }
  if (production.length === 0 && explicit === undefined) {
    throw new Error(
      `${model} has no production version to roll back from; give the input \`version\` to restore one.`
    )
  }
  const target = explicit
  return {
    model,
    target,
    retired: target === undefined ? [] : production.filter(v => v !== target),
    resumed: false
  }
}

/**
 * The production the model had before its current one, from the record's history of merged gate pull requests:
 * the newest whose versions differ from today's production, and its primary version.
 */
async function previousFromHistory(
  repo: PromotionRepository,
  registry: CommandContext['registry'],
  options: Parameters<typeof provenProduction>[2],
  model: string,
  production: string[]
): Promise<string> {
  const current = new Set(production)
  const differs = (entries: { version: string }[]) =>
    entries.length !== current.size || entries.some(entry => !current.has(entry.version))
  for await (const merge of gateMerges(repo, registry, options, differs)) return merge.entries[0].version
  throw new Error(
    `No earlier production of ${model} is in the record’s history (${options.recordFile} on the default branch, merged through the gate); give the input \`version\` of a version that was in production through the gate.`
  )
}

async function whoRanThis(context: CommandContext, repo: PromotionRepository): Promise<string> {
  const runId = Number(context.env.GITHUB_RUN_ID)
  if (!Number.isInteger(runId) || runId <= 0) {
    return context.operator ?? 'unknown (run outside GitHub Actions)'
  }
  try {
    return (await repo.runTriggeredBy(runId)) ?? 'unknown'
  } catch (error) {
    // In an emergency the rollback goes ahead; the tag says the name could not be read, and the log says why.
    if (!(error instanceof GitHubApiError)) throw error
    context.log.warning(
      `Who started this run cannot be read (${error.message}); grant the job \`actions: read\`.`
    )
    return 'unknown (the workflow run could not be read)'
  }
}

function rollbackBody(model: string, plan: RollbackPlan, reason: string, by: string, url: string): string {
  return [
    `${escapeMarkdown(model)} was rolled back to ${link(`v${plan.target}`, url)} by ${escapeMarkdown(by)}: the registry already serves it.`,
    `Merging this pull request brings the record file in line, so Git stays the source of truth; the approvals the policy asks for apply.`,
    '',
    `**Reason:** ${escapeMarkdown(reason)}`,
    '',
    `**Taken out of production:** ${plan.retired.map(v => `v${v}`).join(', ') || 'none'}`
  ].join('\n')
}

function rollbackReport(
  model: string,
  plan: RollbackPlan,
  decision: string,
  reason: string,
  by: string,
  pull: OpenedPullRequest | undefined,
  versionUrl: (version: string) => string
): string {
  const heading =
    decision === 'planned'
      ? '📝 Rollback planned (dry run)'
      : decision === 'unchanged'
        ? 'ℹ️ Nothing to roll back'
        : '⏪ Rolled back'
  return [
    `### ${heading}: ${escapeMarkdown(model)}`,
    '',
    table(
      ['', 'Version', 'Now'],
      [
        ['⬆️', link(`v${plan.target}`, versionUrl(plan.target)), 'production'],
        ...plan.retired.map(v => ['⬇️', link(`v${v}`, versionUrl(v)), 'out of production'])
      ]
    ),
    '',
    `**Reason:** ${escapeMarkdown(reason)} · **By:** ${escapeMarkdown(by)}` +
      (pull ? ` · **Record pull request:** ${link(`#${pull.number}`, pull.url)}` : ''),
    ''
  ].join('\n')
}
