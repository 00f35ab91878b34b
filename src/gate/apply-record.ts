import type { MlflowClient } from '../registry/client.js'
import type { Lifecycle } from '../registry/lifecycle/index.js'
import { PROMOTE_TAGS, ROLLBACK_TAGS, tagValue } from '../registry/tags.js'
import type { ProductionEntry } from './record.js'

export interface MergeFacts {
  pullUrl: string
  mergeSha: string
  mergedBy: string
  approvedBy: string[]
  /** The production versions of the record before this pull request (undefined: there was no record). */
  previousVersions?: string[]
}

export interface AppliedRecord {
  /** Production versions before the run, primary first. */
  before: string[]
  entered: string[]
  retired: string[]
  /** Tag writes made: [version, key, value]; empty when everything was already right. */
  writes: [string, string, string][]
  changed: boolean
}

/**
 * Makes the registry match a promotion record: the production set first (never empty on the way), then the tags
 * that record who approved and merged it. A re-run writes only what is missing.
 */
export async function applyRecord(
  registry: MlflowClient,
  lifecycle: Lifecycle,
  model: string,
  entries: ProductionEntry[],
  merge: MergeFacts,
  now: Date
): Promise<AppliedRecord> {
  const versions = entries.map(entry => entry.version)
  const before = await lifecycle.productionVersions(model)
  const setChanged = before.length !== versions.length || before.some((v, i) => v !== versions[i])
  if (setChanged) await lifecycle.setProduction(model, versions)

  const previous = merge.previousVersions ?? before.filter(v => !versions.includes(v))
  const entering = versions.filter(v => !(merge.previousVersions ?? []).includes(v))
  const retired = [...new Set([...before, ...previous])].filter(v => !versions.includes(v))
  const touched = [...new Set([...versions, ...retired])]
  const current = new Map(
    await Promise.all(touched.map(async v => [v, (await registry.getModelVersion(model, v)).tags] as const))
  )
  const writes: [string, string, string][] = []
  const want = (version: string, key: string, value: string) => {
    if (tagValue(current.get(version) ?? [], key) !== value) writes.push([version, key, value])
  }
  const stamp = now.toISOString()
  for (const version of entering) {
    if (tagValue(current.get(version) ?? [], PROMOTE_TAGS.mergeSha) === merge.mergeSha) continue
    want(version, PROMOTE_TAGS.pr, merge.pullUrl)
    want(version, PROMOTE_TAGS.approvedBy, merge.approvedBy.join(','))
    want(version, PROMOTE_TAGS.mergedBy, merge.mergedBy)
    want(version, PROMOTE_TAGS.previousProduction, previous.join(',') || 'none')
    want(version, PROMOTE_TAGS.promotedAt, stamp)
  }
  const deletions: string[] = []
  for (const entry of entries) {
    if (entries.length > 1) want(entry.version, PROMOTE_TAGS.traffic, String(entry.traffic))
    else if (tagValue(current.get(entry.version) ?? [], PROMOTE_TAGS.traffic) !== undefined)
      deletions.push(entry.version)
  }
  // Bringing back a version that was in production before (a merged revert) is a rollback of what it replaces.
  const returning = entering.some(version => {
    const tags = current.get(version) ?? []
    return (
      tagValue(tags, PROMOTE_TAGS.promotedAt) !== undefined &&
      tagValue(tags, PROMOTE_TAGS.mergeSha) !== merge.mergeSha
    )
  })
  for (const version of returning ? retired : []) {
    if (tagValue(current.get(version) ?? [], ROLLBACK_TAGS.rolledBackTo) === versions[0]) continue
    want(version, ROLLBACK_TAGS.rolledBackAt, stamp)
    want(version, ROLLBACK_TAGS.reason, `reverted through ${merge.pullUrl}`)
    want(version, ROLLBACK_TAGS.rolledBackBy, merge.mergedBy)
    want(version, ROLLBACK_TAGS.rolledBackTo, versions[0])
  }
  for (const version of retired) {
    const reason = `replaced through ${merge.pullUrl}`
    if (tagValue(current.get(version) ?? [], PROMOTE_TAGS.archivedReason) === reason) continue
    want(version, PROMOTE_TAGS.archivedReason, reason)
    want(version, PROMOTE_TAGS.archivedAt, stamp)
  }
  // The merge sha is written last on each entering version: its presence means that version's tags are complete.
  for (const version of entering) {
    if (tagValue(current.get(version) ?? [], PROMOTE_TAGS.mergeSha) !== merge.mergeSha) {
      writes.push([version, PROMOTE_TAGS.mergeSha, merge.mergeSha])
    }
  }
  const last = writes.filter(([, key]) => key === PROMOTE_TAGS.mergeSha)
  const first = writes.filter(([, key]) => key !== PROMOTE_TAGS.mergeSha)
  await Promise.all(
    first.map(([version, key, value]) => registry.setModelVersionTag(model, version, key, value))
  )
  await Promise.all(
    deletions.map(version => registry.deleteModelVersionTag(model, version, PROMOTE_TAGS.traffic))
  )
  await Promise.all(
    last.map(([version, key, value]) => registry.setModelVersionTag(model, version, key, value))
  )
  return {
    before,
    entered: entering,
    retired,
    writes,
    changed: setChanged || writes.length > 0 || deletions.length > 0
  }
}
