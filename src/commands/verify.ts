import { describeApprovals } from '../gate/approvals.js'
import { reviewPullRequest, type PullRequestReview } from '../gate/checks.js'
import { provenProduction } from '../gate/history.js'
import { mergeGroupCheck } from '../gate/merge-group.js'
import {
  isPullRequestEvent,
  noPullRequestNumber,
  queuedPullRequestNumber,
  readRunEvent
} from '../github/event.js'
import { DEFAULT_RECORDS_FOLDER, productionEntries } from '../domain/record.js'
import type { PullRequestFacts } from '../github/repository.js'
import { renderPromotion, type PromotionOutcome } from '../report/promotion.js'
import type { CommandContext, CommandOutcome } from './command.js'
import { connectRepository } from './gate-access.js'

/**
 * `verify`, on a promotion pull request: it comes from this repository, changes only its record file, the
 * record is valid for the policy on the default branch now, who pushed it is known, and the evidence of each
 * version it brings into production (compared with the registry) still holds today. Fails the check when it no
 * longer does. On a merge queue's group (`merge_group`), also: the group is that pull request's change and
 * nothing else, and its approvals are already enough, since the queue merges without anyone acting again.
 */
export async function verifyCommand(context: CommandContext): Promise<CommandOutcome> {
  const repo = await connectRepository(context)
  const event = readRunEvent(context.env)
  const group = event.name === 'merge_group' ? event.mergeGroup : undefined
  if (event.name === 'merge_group' && group === undefined) {
    throw new Error('The merge_group event payload has no merge_group.')
  }
  const number = group !== undefined ? queuedPullRequestNumber(group) : event.pullRequestNumber
  if (number === undefined) {
    throw new Error(
      isPullRequestEvent(event)
        ? noPullRequestNumber(event)
        : `verify runs on pull_request and merge_group events, not on ${event.name || 'an unknown event'}.`
    )
  }
  const pull = await repo.pullRequest(number)
  const outcome: PromotionOutcome = {
    command: 'verify',
    decision: 'noop',
    pullRequest: { number: pull.number, url: pull.url },
    checks: [],
    production: [],
    entered: [],
    retired: [],
    approvedBy: []
  }
  if (pull.state !== 'open') {
    outcome.reason = `Pull request #${pull.number} is ${pull.state}; nothing to verify.`
  } else {
    const review = await reviewPullRequest(repo, context.registry, pull, {
      policyPath: context.inputs.policy,
      mode: 'verify',
      requireApprovals: group !== undefined,
      now: context.now(),
      provenBefore: (recordFile, version) =>
        provenProduction(
          repo,
          context.registry,
          { recordFile, policyPath: context.inputs.policy, now: context.now(), exclude: pull.number },
          version
        )
    })
    if (group !== undefined && isNotAPromotion(review)) {
      // A merge queue runs its required checks on every pull request it holds, with no path filter: one that
      // changes no promotion record is not the gate's to judge (and can promote nothing).
      outcome.reason = `Pull request #${pull.number} changes no promotion record; nothing to verify.`
      return verifyOutcome(context, outcome, pull)
    }
    if (group !== undefined) review.checks.push(await mergeGroupCheck(repo, pull, group, review.recordFile))
    const passed = review.checks.every(check => check.passed)
    outcome.decision = passed ? 'verified' : 'stale'
    outcome.model = review.record?.model
    outcome.checks = review.checks
    outcome.approvedBy = review.approvals?.approvedBy ?? []
    outcome.production = review.record
      ? productionEntries(review.record).map(entry => ({ version: entry.version, traffic: entry.traffic }))
      : []
    outcome.reason = !passed
      ? 'This pull request cannot promote as it stands; the failed checks say why.'
      : group !== undefined
        ? `Ready to merge from the queue. Approvals: ${review.approvals ? describeApprovals(review.approvals) : 'none'}.`
        : `Ready for approval. Approvals so far: ${review.approvals ? describeApprovals(review.approvals) : 'none'}.`
  }
  return verifyOutcome(context, outcome, pull)
}

function verifyOutcome(
  context: CommandContext,
  outcome: PromotionOutcome,
  pull: PullRequestFacts
): CommandOutcome {
  context.log.info(outcome.reason ?? '')
  const report = renderPromotion(outcome, version =>
    context.registry.modelVersionUrl(outcome.model ?? '', version)
  )
  const failed = outcome.checks.filter(check => !check.passed)
  return {
    outputs: {
      decision: outcome.decision,
      version: outcome.production.map(p => p.version).join(','),
      report,
      result: JSON.stringify(outcome),
      'pr-number': String(pull.number),
      'pr-url': pull.url
    },
    summary: report,
    failure:
      failed.length > 0
        ? `Pull request #${pull.number} is not promotable: ${failed.map(c => `${c.check}: ${c.detail}`).join('; ')}`
        : undefined
  }
}

/** A pull request none of whose files is under the records folder (as the review read them). */
function isNotAPromotion(review: PullRequestReview): boolean {
  if (review.policy === undefined || review.changedFiles === undefined || review.recordFile !== undefined) {
    return false
  }
  const folder = `${(review.policy.records ?? DEFAULT_RECORDS_FOLDER).replace(/\/+$/, '')}/`
  return review.changedFiles.every(
    file => !file.path.startsWith(folder) && !(file.previousPath ?? '').startsWith(folder)
  )
}
