import { describeApprovals } from '../gate/approvals.js'
import { reviewPullRequest } from '../gate/checks.js'
import { provenProduction } from '../gate/history.js'
import { isPullRequestEvent, noPullRequestNumber, readRunEvent } from '../github/event.js'
import { productionEntries } from '../domain/record.js'
import { renderPromotion, type PromotionOutcome } from '../report/promotion.js'
import type { CommandContext, CommandOutcome } from './command.js'
import { connectRepository } from './gate-access.js'

/**
 * `verify`, on a promotion pull request: it comes from this repository, changes only its record file, the
 * record is valid for the policy on the default branch now, who pushed it is known, and the evidence of each
 * version it brings into production (compared with the registry) still holds today. Fails the check when it no
 * longer does.
 */
export async function verifyCommand(context: CommandContext): Promise<CommandOutcome> {
  const repo = await connectRepository(context)
  const event = readRunEvent(context.env)
  if (event.pullRequestNumber === undefined) {
    throw new Error(
      isPullRequestEvent(event)
        ? noPullRequestNumber(event)
        : `verify runs on pull_request events, not on ${event.name || 'an unknown event'}.`
    )
  }
  const pull = await repo.pullRequest(event.pullRequestNumber)
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
      now: context.now(),
      provenBefore: (recordFile, version) =>
        provenProduction(
          repo,
          context.registry,
          { recordFile, policyPath: context.inputs.policy, now: context.now(), exclude: pull.number },
          version
        )
    })
    outcome.decision = review.passed ? 'verified' : 'stale'
    outcome.model = review.record?.model
    outcome.checks = review.checks
    outcome.approvedBy = review.approvals?.approvedBy ?? []
    outcome.production = review.record
      ? productionEntries(review.record).map(entry => ({ version: entry.version, traffic: entry.traffic }))
      : []
    outcome.reason = review.passed
      ? `Ready for approval. Approvals so far: ${review.approvals ? describeApprovals(review.approvals) : 'none'}.`
      : 'This pull request cannot promote as it stands; the failed checks say why.'
  }
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
