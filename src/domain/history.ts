import type { ModelVersion } from './registry-model.js'
import { PROMOTE_TAGS, ROLLBACK_TAGS, TAGS, tagValue } from './tags.js'

export type LifecycleEventKind = 'evaluated' | 'promoted' | 'rolled back' | 'archived'

/** One entry of a model's lifecycle history, as recorded in the registry's `promotion.*` tags. */
export interface LifecycleEvent {
  at: string
  kind: LifecycleEventKind
  version: string
  /** Who did it, when known (GitHub logins). */
  by?: string
  detail: string
  link?: string
}

/** The history of one model, newest first, read from its versions' tags. Pure. */
export function lifecycleHistory(versions: ModelVersion[]): LifecycleEvent[] {
  const events: LifecycleEvent[] = []
  for (const version of versions) {
    const tag = (key: string) => tagValue(version.tags, key)
    const v = version.version
    const evaluatedAt = tag(TAGS.evaluatedAt)
    if (evaluatedAt) {
      events.push({
        at: evaluatedAt,
        kind: 'evaluated',
        version: v,
        detail: `staging gate ${tag(TAGS.decision) ?? 'unknown'}`,
        link: tag(TAGS.workflowRun)
      })
    }
    const promotedAt = tag(PROMOTE_TAGS.promotedAt)
    if (promotedAt) {
      const traffic = tag(PROMOTE_TAGS.traffic)
      events.push({
        at: promotedAt,
        kind: 'promoted',
        version: v,
        by: tag(PROMOTE_TAGS.mergedBy),
        detail:
          `approved by ${tag(PROMOTE_TAGS.approvedBy) || 'nobody recorded'}, merged as ${(tag(PROMOTE_TAGS.mergeSha) ?? 'unknown').slice(0, 7)}` +
          `, replacing ${tag(PROMOTE_TAGS.previousProduction) ?? 'unknown'}${traffic ? `, ${traffic}% of traffic` : ''}`,
        link: tag(PROMOTE_TAGS.pr)
      })
    }
    const rolledBackAt = tag(ROLLBACK_TAGS.rolledBackAt)
    if (rolledBackAt) {
      events.push({
        at: rolledBackAt,
        kind: 'rolled back',
        version: v,
        by: tag(ROLLBACK_TAGS.rolledBackBy),
        detail: `to v${tag(ROLLBACK_TAGS.rolledBackTo) ?? '?'}: ${tag(ROLLBACK_TAGS.reason) ?? 'no reason recorded'}`
      })
    }
    const archivedAt = tag(PROMOTE_TAGS.archivedAt)
    if (archivedAt) {
      events.push({
        at: archivedAt,
        kind: 'archived',
        version: v,
        detail: tag(PROMOTE_TAGS.archivedReason) ?? ''
      })
    }
  }
  return events.sort((a, b) => b.at.localeCompare(a.at) || Number(b.version) - Number(a.version))
}
