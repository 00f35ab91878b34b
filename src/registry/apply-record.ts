import type { MlflowClient } from './client.js'
import type { ModelVersion } from '../domain/registry-model.js'
import type { Lifecycle } from './lifecycle/index.js'
import { PROMOTE_TAGS, ROLLBACK_TAGS, tagValue } from '../domain/tags.js'
import type { ProductionEntry } from '../domain/record.js'

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
  const entering = versions.filter(v => !(merge.previousVersions ?? []).includes(v))
  const enteringTags = Promise.all(
    entering.map(async v => [v, (await registry.getModelVersion(model, v)).tags] as const)
  )
  enteringTags.catch(() => undefined) // awaited in the hook; a failed production read must not leave it unhandled
  const current = new Map<string, ModelVersion['tags']>()
  let previous: string[] = merge.previousVersions ?? []
  const before = await lifecycle.setProduction(model, versions, async before => {
    for (const [version, tags] of await enteringTags) current.set(version, tags)
    if (merge.previousVersions === undefined) {
      previous = await startingPoint(registry, model, current, merge.pullUrl, before, versions)
    }
  })
  const setChanged = before.length !== versions.length || before.some((v, i) => v !== versions[i])

  const retired = [...new Set([...before, ...previous])].filter(v => !versions.includes(v))
  const unread = [...new Set([...versions, ...retired])].filter(v => !current.has(v))
  for (const [version, tags] of await Promise.all(
    unread.map(async v => [v, (await registry.getModelVersion(model, v)).tags] as const)
  )) {
    current.set(version, tags)
  }
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
  const deletions: [string, string][] = []
  const unwanted = (version: string, key: string) => {
    if (tagValue(current.get(version) ?? [], key) !== undefined) deletions.push([version, key])
  }
  for (const entry of entries) {
    if (entries.length > 1) want(entry.version, PROMOTE_TAGS.traffic, String(entry.traffic))
    else unwanted(entry.version, PROMOTE_TAGS.traffic)
    // A version in production is not archived, whatever an earlier replacement or an archive run wrote on it.
    unwanted(entry.version, PROMOTE_TAGS.archivedAt)
    unwanted(entry.version, PROMOTE_TAGS.archivedReason)
  }
  // Bringing back a version that was in production before (a merged revert) is a rollback of what it replaces.
  // A completed earlier promotion left its merge sha (written last); this run's own partial tags never do.
  const returning = entering.some(version => {
    const sha = tagValue(current.get(version) ?? [], PROMOTE_TAGS.mergeSha)
    return sha !== undefined && sha !== merge.mergeSha
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
    // Both tags or neither: a run killed between the two writes (they go out together) left one, so the re-run
    // writes the pair again.
    const tags = current.get(version) ?? []
    if (
      tagValue(tags, PROMOTE_TAGS.archivedReason) === reason &&
      tagValue(tags, PROMOTE_TAGS.archivedAt) !== undefined
    )
      continue
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
  await Promise.all(deletions.map(([version, key]) => registry.deleteModelVersionTag(model, version, key)))
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

/**
 * Where a promotion without a previous record started. The registry is the only witness, and it changes with the
 * move, so the answer is written down (the pull request and the previous production on each entering version)
 * before the move; a re-run after a crash reads it back instead of taking its own result for the starting point.
 */
async function startingPoint(
  registry: MlflowClient,
  model: string,
  enteringTags: Map<string, ModelVersion['tags']>,
  pullUrl: string,
  before: string[],
  versions: string[]
): Promise<string[]> {
  const journaled = [...enteringTags.values()].find(tags => tagValue(tags, PROMOTE_TAGS.pr) === pullUrl)
  const written = journaled && tagValue(journaled, PROMOTE_TAGS.previousProduction)
  if (written !== undefined) return written === 'none' ? [] : written.split(',')
  const previous = before.filter(v => !versions.includes(v))
  const journal = [
    { key: PROMOTE_TAGS.previousProduction, value: previous.join(',') || 'none' },
    // The pull request last: it marks the previous production above as written by this promotion.
    { key: PROMOTE_TAGS.pr, value: pullUrl }
  ]
  await Promise.all(
    [...enteringTags.keys()].map(async version => {
      for (const tag of journal) {
        await registry.setModelVersionTag(model, version, tag.key, tag.value)
        const others = (enteringTags.get(version) ?? []).filter(t => t.key !== tag.key)
        enteringTags.set(version, [...others, tag])
      }
    })
  )
  return previous
}
