import type { MlflowClient } from '../registry/client.js'
import { reviewPullRequest } from './checks.js'
import { productionEntries, readableRecord, type ProductionEntry } from '../domain/record.js'
import type { PromotionRepository } from '../github/repository.js'

/** The task of the deployments `promote` records. */
export const PROMOTE_TASK = 'promote-model'

/** A merged change of a model's record that passed the gate's merge checks. */
export interface GateMerge {
  number: number
  url: string
  mergedAt: string
  mergeSha: string
  entries: ProductionEntry[]
}

export interface HistoryOptions {
  recordFile: string
  policyPath: string
  now: Date
  /** A pull request to leave out (the one being promoted). */
  exclude?: number
  /** How many record changes on the default branch are looked at, newest first. */
  depth?: number
}

/**
 * The record's history on the default branch, as the production history the gate can prove: each commit that
 * changed the record belongs to a merged pull request, whose record at the merge commit is taken only if the pull
 * request passes the gate's merge checks as it stood then (origin, the one-file change, the policy in force before
 * the merge, authorship from pushes, approvals before the merge) and its promote recorded a successful production
 * deployment of the merge commit. Direct pushes to the default branch and registry tags prove nothing. Newest first; `accept` sees each record before its pull request is checked, and
 * returning false skips it (saving the requests).
 */
export async function* gateMerges(
  repo: PromotionRepository,
  registry: MlflowClient,
  options: HistoryOptions,
  accept: (entries: ProductionEntry[]) => boolean = () => true
): AsyncGenerator<GateMerge> {
  const defaultBranch = await repo.defaultBranch()
  const commits = await repo.fileCommits(options.recordFile, defaultBranch, options.depth ?? 50)
  const seen = new Set<number>()
  for (const commit of commits) {
    for (const associated of await repo.pullRequestsOfCommit(commit.sha)) {
      if (seen.has(associated.number) || associated.number === options.exclude) continue
      seen.add(associated.number)
      if (
        !associated.merged ||
        associated.mergeCommitSha === undefined ||
        associated.baseRef !== defaultBranch
      )
        continue
      const text = await repo.readFile(options.recordFile, associated.mergeCommitSha)
      const record = text && readableRecord(text.content, options.recordFile)
      if (!record || !accept(productionEntries(record))) continue
      const pull = await repo.pullRequest(associated.number)
      const review = await reviewPullRequest(repo, registry, pull, {
        policyPath: options.policyPath,
        mode: 'history',
        now: options.now
      })
      if (!review.passed || review.record === undefined) continue
      // Passing the merge checks is not enough: the promote may still have refused it (its evidence). Only a merge
      // whose promote put it in force, as the gate's production deployment of the merge commit records, counts.
      const deployed = await repo.deployedVersions(pull.mergeCommitSha!, 'production', PROMOTE_TASK)
      const entries = productionEntries(review.record)
      if (deployed === undefined || !entries.every(entry => deployed.includes(entry.version))) continue
      yield {
        number: pull.number,
        url: pull.url,
        mergedAt: pull.mergedAt ?? '',
        mergeSha: pull.mergeCommitSha!,
        entries
      }
    }
  }
}

/** Where a version was in production through the gate before, in words; undefined when history does not show it. */
export async function provenProduction(
  repo: PromotionRepository,
  registry: MlflowClient,
  options: HistoryOptions,
  version: string
): Promise<string | undefined> {
  const holds = (entries: ProductionEntry[]) => entries.some(entry => entry.version === version)
  for await (const merge of gateMerges(repo, registry, options, holds)) {
    return `the record merged through #${merge.number} on ${merge.mergedAt} (${merge.url}) lists it`
  }
  return undefined
}
