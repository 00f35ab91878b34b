import type { LifecycleKind } from './lifecycle.js'
import { compareVersions } from './lifecycle.js'
import type { ModelVersion } from './registry-model.js'
import { PROMOTE_TAGS, TAGS, tagValue } from './tags.js'

export interface Retention {
  archive_staging_after_days?: number
  keep_archived?: number
}

export interface ArchivalStep {
  version: string
  reason: string
}

export interface ArchivalPlan {
  model: string
  archive: ArchivalStep[]
  /** Archived versions beyond `keep_archived`: reported, never deleted. */
  beyondKeep: string[]
  /** Staging versions kept although old, and why (production, aliased, previous production). */
  protected: ArchivalStep[]
}

const DAY_MS = 86_400_000

/** Whether the action considers a version archived: the Archived stage, or its archive tag (aliases lifecycle). */
export function isArchived(version: ModelVersion, kind: LifecycleKind): boolean {
  if (kind !== 'aliases' && version.current_stage === 'Archived') return true
  return tagValue(version.tags, PROMOTE_TAGS.archivedAt) !== undefined
}

/**
 * A staging version: in the `Staging` stage (stages, both), or, with aliases, a version that passed `evaluate`
 * (so it went to staging) and was never promoted.
 */
function isStaging(version: ModelVersion, kind: LifecycleKind): boolean {
  if (isArchived(version, kind)) return false
  if (kind !== 'aliases' && version.current_stage === 'Staging') return true
  if (kind === 'stages') return false
  return (
    tagValue(version.tags, TAGS.decision) === 'passed' &&
    tagValue(version.tags, PROMOTE_TAGS.promotedAt) === undefined
  )
}

/**
 * Whether a version planned for archival may still be archived when its turn comes: a promotion that ran meanwhile
 * (production stage, any alias, the promotion tags) takes it out of the plan.
 */
export function stillArchivable(version: ModelVersion, kind: LifecycleKind): string | undefined {
  if (version.current_stage === 'Production') return 'it went to production meanwhile'
  if (version.aliases.length > 0) return `it holds alias ${version.aliases.join(', ')} now`
  if (tagValue(version.tags, PROMOTE_TAGS.promotedAt) !== undefined) return 'it was promoted meanwhile'
  if (!isStaging(version, kind)) return 'it is no longer in staging'
  return undefined
}

/** When a version went to staging: its evaluation, else its registration. */
function stagedAt(version: ModelVersion): number | undefined {
  const evaluated = tagValue(version.tags, TAGS.evaluatedAt)
  const parsed = evaluated === undefined ? Number.NaN : Date.parse(evaluated)
  return Number.isNaN(parsed) ? version.creation_timestamp : parsed
}

/**
 * What `archive` does to one model: staging versions not promoted within the retention window are archived,
 * except production versions, versions holding any alias, and the versions production would roll back to.
 * Pure: decided from the versions (with tags), the aliases and the production set.
 */
export function planArchival(
  model: string,
  versions: ModelVersion[],
  aliases: { alias: string; version: string }[],
  production: string[],
  retention: Retention,
  kind: LifecycleKind,
  now: Date
): ArchivalPlan {
  const plan: ArchivalPlan = { model, archive: [], beyondKeep: [], protected: [] }
  const aliased = new Map<string, string[]>()
  for (const { alias, version } of aliases) aliased.set(version, [...(aliased.get(version) ?? []), alias])
  const byNumber = new Map(versions.map(v => [v.version, v]))
  const rollbackTargets = new Set(
    production.flatMap(v =>
      (tagValue(byNumber.get(v)?.tags ?? [], PROMOTE_TAGS.previousProduction) ?? '')
        .split(',')
        .filter(p => p !== '' && p !== 'none')
    )
  )

  const days = retention.archive_staging_after_days
  if (days !== undefined) {
    const cutoff = now.getTime() - days * DAY_MS
    for (const version of [...versions].sort((a, b) => compareVersions(a.version, b.version))) {
      if (!isStaging(version, kind)) continue
      const since = stagedAt(version)
      if (since === undefined || since > cutoff) continue
      const age = Math.floor((now.getTime() - since) / DAY_MS)
      const keep = production.includes(version.version)
        ? 'in production'
        : aliased.has(version.version)
          ? `holds alias ${aliased.get(version.version)!.join(', ')}`
          : rollbackTargets.has(version.version)
            ? 'the version production would roll back to'
            : undefined
      if (keep !== undefined) plan.protected.push({ version: version.version, reason: keep })
      else {
        plan.archive.push({
          version: version.version,
          reason: `in staging for ${age} days without promotion (retention: ${days} days)`
        })
      }
    }
  }

  if (retention.keep_archived !== undefined) {
    const archived = versions
      .filter(v => isArchived(v, kind) || plan.archive.some(step => step.version === v.version))
      .map(v => v.version)
      .sort((a, b) => compareVersions(b, a))
    plan.beyondKeep = archived.slice(retention.keep_archived).sort(compareVersions)
  }
  return plan
}
