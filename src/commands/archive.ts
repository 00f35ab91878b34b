import { loadPolicyFile } from './policy-file.js'
import { ConcurrencyTuner, runPaced } from './pace.js'
import { planArchival, stillArchivable, type ArchivalPlan, type ArchivalStep } from '../domain/retention.js'
import { isNotFound } from '../registry/errors.js'
import { lifecycleFromPolicy } from '../registry/lifecycle/from-policy.js'
import { PROMOTE_TAGS } from '../domain/tags.js'
import { escapeMarkdown, fitMarkdown, link, table } from '../report/markdown.js'
import type { CommandContext, CommandOutcome } from './command.js'
import { selectModels } from './models.js'

/**
 * `archive`: applies each model's `retention`. Staging versions not promoted within the window are archived
 * (stage `Archived` and/or the archive tags); production, aliased and roll-back-target versions are never touched;
 * archived versions beyond `keep_archived` are reported. `dry-run` prints the plan.
 */
export async function archiveCommand(context: CommandContext): Promise<CommandOutcome> {
  const { inputs, registry, log } = context
  const loaded = await loadPolicyFile(context.workspace, inputs.policy)
  const lifecycle = lifecycleFromPolicy(registry, loaded.policy)
  const models = await selectModels(registry, loaded.policy, loaded.path, inputs.model)
  const now = context.now()
  const plans: ArchivalPlan[] = []
  const notes: string[] = []
  const tuner = new ConcurrencyTuner()
  for (const { model, entry } of models) {
    const retention = entry.policy.retention
    if (retention === undefined) continue
    const [registered, versions] = await Promise.all([
      registry.getRegisteredModel(model).catch(error => {
        if (isNotFound(error)) return undefined
        throw error
      }),
      registry.versionsOf(model)
    ])
    if (registered === undefined) {
      notes.push(`${model} is not registered yet.`)
      continue
    }
    const production = lifecycle.productionIn(versions, registered)
    const plan = planArchival(model, versions, registered.aliases, production, retention, lifecycle.kind, now)
    plans.push(plan)
    log.info(
      `${model}: ${versions.length} versions; ${plan.archive.length} to archive, ${plan.protected.length} kept by protection, ${plan.beyondKeep.length} archived beyond keep_archived`
    )
    if (!inputs.dryRun) {
      const stamp = now.toISOString()
      const skipped: ArchivalStep[] = []
      await runPaced(
        plan.archive,
        async step => {
          // Read again just before acting: a promotion may have taken the version since the plan was made.
          const skip = stillArchivable(await registry.getModelVersion(model, step.version), lifecycle.kind)
          if (skip !== undefined) {
            skipped.push({ version: step.version, reason: skip })
            return
          }
          // The stage first: the tags then say why, and a re-run skips what is already archived.
          await lifecycle.archiveStagingVersion(model, step.version)
          await Promise.all([
            registry.setModelVersionTag(model, step.version, PROMOTE_TAGS.archivedReason, step.reason),
            registry.setModelVersionTag(model, step.version, PROMOTE_TAGS.archivedAt, stamp)
          ])
        },
        tuner
      )
      if (skipped.length > 0) {
        plan.archive = plan.archive.filter(step => !skipped.some(s => s.version === step.version))
        plan.protected.push(...skipped)
        for (const step of skipped) log.info(`${model}: v${step.version} left alone: ${step.reason}`)
      }
    }
  }

  const archived = plans.flatMap(plan => plan.archive.map(step => ({ model: plan.model, ...step })))
  const decision = inputs.dryRun ? 'planned' : archived.length > 0 ? 'archived' : 'none'
  const report = fitMarkdown(
    renderArchiveReport(plans, notes, inputs.dryRun, (model, version) =>
      registry.modelVersionUrl(model, version)
    )
  )
  return {
    outputs: {
      decision,
      version: '',
      report,
      result: JSON.stringify({ command: 'archive', dryRun: inputs.dryRun, decision, plans, notes }),
      'archived-versions': JSON.stringify(archived)
    },
    summary: report
  }
}

function renderArchiveReport(
  plans: ArchivalPlan[],
  notes: string[],
  dryRun: boolean,
  versionUrl: (model: string, version: string) => string
): string {
  const total = plans.reduce((sum, plan) => sum + plan.archive.length, 0)
  const parts = [
    `## MLflow Promotion Gate: archive${dryRun ? ' (dry run: nothing was changed)' : ''}`,
    '',
    `${total} version${total === 1 ? '' : 's'} ${dryRun ? 'would be' : ''} archived across ${plans.length} model${plans.length === 1 ? '' : 's'}.`.replace(
      '  ',
      ' '
    )
  ]
  for (const note of notes) parts.push('', `> ${escapeMarkdown(note)}`)
  for (const plan of plans) {
    parts.push('', `### ${escapeMarkdown(plan.model)}`, '')
    if (plan.archive.length === 0) parts.push('Nothing to archive.')
    else {
      parts.push(
        table(
          ['Version', dryRun ? 'Would archive because' : 'Archived because'],
          plan.archive.map(step => [
            link(`v${step.version}`, versionUrl(plan.model, step.version)),
            escapeMarkdown(step.reason)
          ])
        )
      )
    }
    if (plan.protected.length > 0) {
      parts.push(
        '',
        `Kept although past the window: ${plan.protected.map(step => `v${step.version} (${escapeMarkdown(step.reason)})`).join(', ')}.`
      )
    }
    if (plan.beyondKeep.length > 0) {
      parts.push(
        '',
        `Archived versions beyond \`keep_archived\` (reported, never deleted): ${plan.beyondKeep.map(v => `v${v}`).join(', ')}.`
      )
    }
  }
  return parts.join('\n') + '\n'
}
