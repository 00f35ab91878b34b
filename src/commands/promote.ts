import { applyRecord } from '../registry/apply-record.js'
import { reviewPullRequest, type PullRequestReview } from '../gate/checks.js'
import { PROMOTE_TASK, provenProduction } from '../gate/history.js'
import { isPullRequestEvent, noPullRequestNumber, readRunEvent } from '../github/event.js'
import { MARKERS } from '../domain/names.js'
import { parseRecord, productionEntries } from '../domain/record.js'
import { PromotionRepository, type PullRequestFacts } from '../github/repository.js'
import { productionAliasName, type Lifecycle } from '../registry/lifecycle/index.js'
import { ROLLBACK_TAGS, tagValue, workflowRunUrl } from '../domain/tags.js'
import { renderPromotion, type ProductionVersionOutput, type PromotionOutcome } from '../report/promotion.js'
import type { CommandContext, CommandOutcome } from './command.js'
import { connectRepository } from './gate-access.js'

/**
 * `promote`, on a merged promotion pull request (`pull_request: closed`) or a push to the default branch: every
 * check of "Verify at merge" before any registry write, then the registry is made to match the record.
 */
export async function promoteCommand(context: CommandContext): Promise<CommandOutcome> {
  const repo = await connectRepository(context)
  const pull = await locateMergedPullRequest(context, repo)
  if ('noop' in pull) return finish(context, repo, { ...empty('noop'), reason: pull.noop })

  context.log.section?.(`Checks at merge of pull request #${pull.number} (nothing is written yet)`)
  const review = await reviewPullRequest(repo, context.registry, pull, {
    policyPath: context.inputs.policy,
    mode: 'promote',
    now: context.now(),
    provenBefore: (recordFile, version) =>
      provenProduction(
        repo,
        context.registry,
        {
          recordFile,
          policyPath: context.inputs.policy,
          now: context.now(),
          exclude: pull.number
        },
        version
      )
  })
  const model = review.record?.model
  const base: PromotionOutcome = {
    ...empty('refused'),
    model,
    pullRequest: { number: pull.number, url: pull.url },
    mergeSha: pull.mergeCommitSha,
    checks: review.checks,
    approvedBy: review.approvals?.approvedBy ?? [],
    mergedBy: pull.mergedBy
  }
  const newerOne = review.record && (await newerDecision(context, review, pull))
  if (newerOne !== undefined) {
    return finish(context, repo, {
      ...base,
      decision: 'noop',
      reason: `Nothing was written to the registry: ${newerOne}.`
    })
  }
  if (!review.passed || review.record === undefined || review.lifecycle === undefined) {
    const failed = review.checks
      .filter(check => !check.passed)
      .map(check => `${check.check}: ${check.detail}`)
    const outcome = { ...base, reason: `Refused; nothing was written to the registry. ${failed.join('. ')}.` }
    return finish(
      context,
      repo,
      outcome,
      `Promotion of pull request #${pull.number} refused: ${failed.join('; ')}`
    )
  }
  if (context.inputs.dryRun) {
    return finish(context, repo, {
      ...base,
      decision: 'noop',
      reason: 'Dry run: every check passed; the registry was not changed.',
      production: outputs(productionEntries(review.record), review.lifecycle)
    })
  }

  context.log.section?.('Writes: the registry made to match the record')
  const entries = productionEntries(review.record)
  const applied = await applyRecord(
    context.registry,
    review.lifecycle,
    review.record.model,
    entries,
    {
      pullUrl: pull.url,
      mergeSha: pull.mergeCommitSha!,
      mergedBy: pull.mergedBy ?? 'unknown',
      approvedBy: review.approvals?.approvedBy ?? [],
      // Where production started is taken from the registry (journaled before the move), never from an earlier
      // record, which a refused promotion leaves disagreeing with the registry.
      previousVersions: undefined
    },
    context.now()
  )
  // Runs for two merges of the same model can overlap when nothing queues them: if a newer record landed while
  // this run wrote, the registry may now follow the older one, and only a re-run of the newer promote fixes it.
  const latest = await repo.readFile(review.recordFile!, review.defaultBranch)
  const newer = latest && productionEntries(parseRecord(latest.content, review.recordFile!))
  if (
    newer &&
    newer.map(e => `${e.version}:${e.traffic}`).join() !==
      entries.map(e => `${e.version}:${e.traffic}`).join()
  ) {
    throw new Error(
      `${review.record.model}: a newer record (${newer.map(e => `v${e.version}`).join(', ')}) was merged into ${review.defaultBranch} while this promote was writing ${entries.map(e => `v${e.version}`).join(', ')}; re-run the promote of the latest merge so the registry follows it, and run promote one model at a time (the concurrency groups in examples/workflows).`
    )
  }
  const production = outputs(entries, review.lifecycle)
  const outcome: PromotionOutcome = {
    ...base,
    decision: applied.changed ? 'promoted' : 'unchanged',
    production,
    entered: applied.entered,
    retired: applied.retired,
    reason: applied.changed ? undefined : 'The registry already matched this record; nothing was changed.'
  }
  context.log.info(
    applied.changed
      ? `${review.record.model}: production is now ${entries.map(e => `v${e.version}`).join(', ')} (${applied.writes.length} tag writes)`
      : `${review.record.model}: already promoted by an earlier run; nothing to do`
  )
  await repo.recordDeployment({
    sha: pull.mergeCommitSha!,
    environment: 'production',
    task: PROMOTE_TASK,
    description: `${review.record.model} ${entries.map(e => `v${e.version}`).join(', ')}`,
    payload: { model: review.record.model, production: entries, pull_request: pull.number },
    state: 'success',
    environmentUrl: context.registry.modelVersionUrl(review.record.model, entries[0].version),
    logUrl: workflowRunUrl(context.env)
  })
  return finish(context, repo, outcome)
}

/**
 * Why this merge is no longer the newest decision about its model, or undefined while it is: a newer record change
 * is on the default branch, or an emergency rollback was made after the merge (a re-run of an old promote must
 * never undo it). Rollback tags can be written by any registry user, so they are only ever a reason to do nothing.
 */
async function newerDecision(
  context: CommandContext,
  review: PullRequestReview,
  pull: PullRequestFacts
): Promise<string | undefined> {
  if (review.superseded !== undefined) return review.superseded
  const model = review.record!.model
  const mergedAt = Date.parse(pull.mergedAt ?? '')
  const versions = await context.registry.versionsOf(model)
  const rollback = versions
    .map(version => ({
      version: version.version,
      at: tagValue(version.tags, ROLLBACK_TAGS.rolledBackAt),
      reason: tagValue(version.tags, ROLLBACK_TAGS.reason),
      to: tagValue(version.tags, ROLLBACK_TAGS.rolledBackTo)
    }))
    // GitHub's merged_at has whole seconds: a rollback is newer only from the next second on.
    .filter(
      r =>
        r.at !== undefined &&
        Math.floor(Date.parse(r.at) / 1000) * 1000 > mergedAt &&
        r.reason !== `reverted through ${pull.url}`
    )
    .sort((a, b) => Date.parse(b.at!) - Date.parse(a.at!))[0]
  if (rollback === undefined) return undefined
  return `${model} was rolled back${rollback.to ? ` to v${rollback.to}` : ''} on ${rollback.at} (v${rollback.version}: ${rollback.reason ?? 'no reason recorded'}), after this pull request was merged on ${pull.mergedAt}; that rollback is the newer decision, and its record pull request decides what comes next`
}

function empty(decision: PromotionOutcome['decision']): PromotionOutcome {
  return {
    command: 'promote',
    decision,
    checks: [],
    production: [],
    entered: [],
    retired: [],
    approvedBy: []
  }
}

/** The `production-versions` output: what a serving layer needs to route traffic. */
function outputs(
  entries: { version: string; traffic: number }[],
  lifecycle: Lifecycle
): ProductionVersionOutput[] {
  const names = lifecycle.aliasNames
  return entries.map((entry, i) => ({
    version: entry.version,
    traffic: entry.traffic,
    ...(names ? { alias: productionAliasName(names, i + 1) } : {})
  }))
}

async function locateMergedPullRequest(
  context: CommandContext,
  repo: PromotionRepository
): Promise<PullRequestFacts | { noop: string }> {
  const event = readRunEvent(context.env)
  if (isPullRequestEvent(event)) {
    if (event.pullRequestNumber === undefined) throw new Error(noPullRequestNumber(event))
    const pull = await repo.pullRequest(event.pullRequestNumber)
    if (!pull.merged) {
      return {
        noop: `Pull request #${pull.number} is ${pull.state === 'closed' ? 'closed without merging' : 'not merged yet'}; nothing to promote.`
      }
    }
    return pull
  }
  if (event.name === 'push') {
    if (event.sha === undefined) throw new Error('The push event has no commit sha.')
    const pulls = await repo.pullRequestsOfCommit(event.sha)
    const merged = pulls.find(pull => pull.mergeCommitSha === event.sha)
    if (merged === undefined)
      return {
        noop: `Commit ${event.sha.slice(0, 7)} is not the merge of a pull request; nothing to promote.`
      }
    return repo.pullRequest(merged.number)
  }
  throw new Error(
    `promote runs on a merged pull request (pull_request: closed) or a push to the default branch, not on ${event.name || 'an unknown event'}.`
  )
}

async function finish(
  context: CommandContext,
  repo: PromotionRepository,
  outcome: PromotionOutcome,
  failure?: string
): Promise<CommandOutcome> {
  const versionUrl = (version: string) => context.registry.modelVersionUrl(outcome.model ?? '', version)
  const report = renderPromotion(outcome, versionUrl)
  if (outcome.pullRequest && !context.inputs.dryRun && outcome.decision !== 'noop') {
    await repo.upsertComment(outcome.pullRequest.number, MARKERS.promoteComment, report)
  }
  if (outcome.reason) context.log.info(outcome.reason)
  return {
    outputs: {
      decision: outcome.decision,
      version: outcome.production.map(p => p.version).join(','),
      report,
      result: JSON.stringify(outcome),
      'pr-number': outcome.pullRequest ? String(outcome.pullRequest.number) : '',
      'pr-url': outcome.pullRequest?.url ?? '',
      'production-versions': JSON.stringify(outcome.production)
    },
    summary: report,
    failure
  }
}
