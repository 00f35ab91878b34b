import type { CheckResult } from '../domain/checks.js'
import type { MergeGroupEvent } from '../github/event.js'
import type { PromotionRepository, PullRequestFacts } from '../github/repository.js'

/**
 * Whether a merge queue's group is this pull request's change and nothing else, from GitHub's API rather than the
 * event: the queue's branch exists at the group's commit, that commit merges the pull request's head onto the
 * group's base (its two parents), and it holds the record file exactly as the pull request has it.
 */
export async function mergeGroupCheck(
  repo: PromotionRepository,
  pull: PullRequestFacts,
  group: MergeGroupEvent,
  recordFile: string | undefined
): Promise<CheckResult> {
  const check = (passed: boolean, detail: string): CheckResult => ({ check: 'merge group', passed, detail })
  const branch = group.headRef.replace(/^refs\/heads\//, '')
  const [branchSha, parents] = await Promise.all([repo.branchSha(branch), repo.commitParents(group.headSha)])
  if (branchSha !== group.headSha) {
    return check(
      false,
      `the queue's branch ${branch} is ${branchSha ? `at ${branchSha.slice(0, 7)}` : 'gone'}, not at ${group.headSha.slice(0, 7)}`
    )
  }
  if (parents.length !== 2 || parents[0] !== group.baseSha || parents[1] !== pull.headSha) {
    return check(
      false,
      `${group.headSha.slice(0, 7)} is not the merge of #${pull.number}'s head ${pull.headSha.slice(0, 7)} onto ${group.baseSha.slice(0, 7)} (its parents: ${parents.map(p => p.slice(0, 7)).join(', ') || 'none'})`
    )
  }
  if (recordFile !== undefined) {
    const [inGroup, inPull] = await Promise.all([
      repo.readFile(recordFile, group.headSha),
      repo.readFile(recordFile, pull.headSha)
    ])
    if (inGroup?.content !== inPull?.content) {
      return check(false, `${recordFile} in the group differs from the pull request's`)
    }
  }
  return check(true, `${group.headSha.slice(0, 7)} merges #${pull.number} onto ${group.baseSha.slice(0, 7)}`)
}
