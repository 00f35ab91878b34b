import { evaluatePolicy } from '../policy/evaluate.js'
import { parsePolicy } from '../policy/load.js'
import { findModelPolicy } from '../policy/models.js'
import { evidenceOptionsFor } from '../policy/rules.js'
import type { ModelPolicy, Policy } from '../policy/schema.js'
import type { MlflowClient } from '../registry/client.js'
import { gatherEvidence } from '../registry/evidence.js'
import { isNotFound } from '../registry/errors.js'
import { lifecycleFromPolicy } from '../registry/lifecycle/from-policy.js'
import type { Lifecycle } from '../registry/lifecycle/index.js'
import { PROMOTE_TAGS, TAGS, tagValue } from '../registry/tags.js'
import { FileProblemsError } from '../yaml-file.js'
import {
  allowedTeams,
  approvalsSatisfied,
  approversToLookUp,
  countApprovals,
  describeApprovals,
  isListedApprover,
  type ApprovalCount
} from './approvals.js'
import {
  DEFAULT_RECORDS_FOLDER,
  parseRecord,
  readableRecord,
  recordPath,
  type PromotionRecord
} from './record.js'
import type { PromotionRepository, PullRequestFacts } from './repository.js'

export interface CheckResult {
  check: string
  passed: boolean
  detail: string
}

/** What reviewing a promotion pull request established, check by check. */
export interface PullRequestReview {
  checks: CheckResult[]
  passed: boolean
  defaultBranch: string
  policy?: Policy
  recordFile?: string
  record?: PromotionRecord
  /** The record on the base commit, before this pull request. */
  previousRecord?: PromotionRecord
  entry?: { key: string; policy: ModelPolicy }
  lifecycle?: Lifecycle
  approvals?: ApprovalCount
}

export interface ReviewOptions {
  policyPath: string
  /** `promote` checks the merge and the approvals; `verify` checks an open pull request. */
  mode: 'verify' | 'promote'
  now: Date
}

/**
 * Re-reads everything about a promotion pull request through the APIs and checks it: where it comes from, what
 * it changes, the policy at its base commit, the record it asks for, the approvals (at merge) and the evidence
 * of every version it brings into production. Nothing is taken from the event payload or the checkout.
 */
export async function reviewPullRequest(
  repo: PromotionRepository,
  registry: MlflowClient,
  pull: PullRequestFacts,
  options: ReviewOptions
): Promise<PullRequestReview> {
  const checks: CheckResult[] = []
  const add = (check: string, passed: boolean, detail: string) => checks.push({ check, passed, detail })
  const defaultBranch = await repo.defaultBranch()
  const review: PullRequestReview = { checks, passed: false, defaultBranch }

  if (options.mode === 'promote') {
    add(
      'merged into the default branch',
      pull.merged && pull.baseRef === defaultBranch,
      pull.merged
        ? `merged into ${pull.baseRef}${pull.baseRef === defaultBranch ? '' : `, not the default branch ${defaultBranch}`}`
        : 'not merged'
    )
  } else {
    add(
      'targets the default branch',
      pull.baseRef === defaultBranch,
      `base branch ${pull.baseRef}${pull.baseRef === defaultBranch ? '' : `, not the default branch ${defaultBranch}`}`
    )
  }
  add(
    'comes from this repository',
    pull.headRepo === repo.fullName,
    pull.headRepo === repo.fullName
      ? `branch ${pull.headRef} of ${repo.fullName}`
      : `head branch lives in ${pull.headRepo ?? 'a deleted repository'} (pull requests from forks are never promoted)`
  )

  const policyFile = await repo.readFile(options.policyPath, pull.baseSha)
  if (policyFile === undefined) {
    add(
      'policy at the base commit',
      false,
      `${options.policyPath} does not exist at ${pull.baseSha.slice(0, 7)}`
    )
    return finish(review)
  }
  try {
    review.policy = parsePolicy(policyFile.content, options.policyPath)
    add('policy at the base commit', true, `${options.policyPath} at ${pull.baseSha.slice(0, 7)}`)
  } catch (error) {
    if (!(error instanceof FileProblemsError)) throw error
    add(
      'policy at the base commit',
      false,
      `${options.policyPath} at ${pull.baseSha.slice(0, 7)}: ${error.message}`
    )
    return finish(review)
  }
  const policy = review.policy
  const folder = (policy.records ?? DEFAULT_RECORDS_FOLDER).replace(/\/+$/, '')

  const files = await repo.changedFiles(pull.number)
  const [file] = files
  const onlyRecord =
    files.length === 1 &&
    file.status !== 'removed' &&
    file.previousPath === undefined &&
    file.path.startsWith(`${folder}/`) &&
    file.path.endsWith('.yml')
  add(
    'changes only its record file',
    onlyRecord,
    onlyRecord
      ? file.path
      : `changes ${files.length} file${files.length === 1 ? '' : 's'} (${files.map(f => `${f.path} ${f.status}`).join(', ')}); a promotion pull request changes exactly one record file under ${folder}/`
  )
  if (!onlyRecord) return finish(review)
  review.recordFile = file.path

  const recordRef = options.mode === 'promote' ? pull.mergeCommitSha : pull.headSha
  const [recordText, previousText, latestText] = await Promise.all([
    recordRef ? repo.readFile(file.path, recordRef) : Promise.resolve(undefined),
    repo.readFile(file.path, pull.baseSha),
    options.mode === 'promote' ? repo.readFile(file.path, defaultBranch) : Promise.resolve(undefined)
  ])
  if (options.mode === 'promote' && recordText !== undefined) {
    // A queued or re-run promote of an older merge must never move production back behind a newer record.
    const latest = latestText?.content === recordText.content
    add(
      'still the latest record',
      latest,
      latest
        ? `${file.path} on ${defaultBranch} is the one this merge wrote`
        : `${file.path} has changed on ${defaultBranch} since this merge; promote the latest change instead`
    )
  }
  if (recordText === undefined) {
    add('record is valid', false, `${file.path} cannot be read at ${recordRef ?? 'the merge commit'}`)
    return finish(review)
  }
  try {
    review.record = parseRecord(recordText.content, file.path)
  } catch (error) {
    if (!(error instanceof FileProblemsError)) throw error
    add('record is valid', false, error.message)
    return finish(review)
  }
  // A broken record before this pull request must not block the one that repairs it; without a readable previous
  // record, `promote` takes the starting point from the registry instead.
  review.previousRecord = previousText && readableRecord(previousText.content, file.path)
  const record = review.record
  const expectedPath = recordPath(folder, record.model)
  review.entry = findModelPolicy(policy, record.model)
  add(
    'record is valid',
    expectedPath === file.path && review.entry !== undefined,
    expectedPath !== file.path
      ? `the record names model "${record.model}", whose record file is ${expectedPath}, not ${file.path}`
      : review.entry === undefined
        ? `the policy has no entry for model "${record.model}"`
        : `model ${record.model}: production ${record.production.map(e => `v${e.version}${e.traffic === undefined ? '' : ` (${e.traffic}%)`}`).join(', ')}`
  )
  if (review.entry === undefined || expectedPath !== file.path) return finish(review)
  const entry = review.entry

  // Approvals decide at merge; on an open pull request their count is shown for information.
  const production = entry.policy.production
  review.approvals = await countReviews(repo, pull, {
    required: production?.approvals ?? 1,
    approvers: production?.approvers,
    allowAuthorApproval: production?.allow_author_approval ?? false
  })
  if (options.mode === 'promote') {
    add('approvals', approvalsSatisfied(review.approvals), describeApprovals(review.approvals))
  }

  const strategy = entry.policy.production?.strategy ?? 'replace'
  add(
    'matches the policy’s strategy',
    strategy === 'ab' || record.production.length === 1,
    strategy === 'ab' || record.production.length === 1
      ? `strategy ${strategy}`
      : `the policy's strategy is replace, but the record lists ${record.production.length} production versions`
  )

  review.lifecycle = lifecycleFromPolicy(registry, policy)
  const before = new Set((review.previousRecord?.production ?? []).map(e => e.version))
  const entering = record.production.map(e => e.version).filter(v => !before.has(v))
  for (const version of entering) {
    checks.push(
      await checkEvidence(registry, review.lifecycle, record.model, version, entry.policy, options.now)
    )
  }
  return finish(review)
}

function finish(review: PullRequestReview): PullRequestReview {
  review.passed = review.checks.every(check => check.passed)
  return review
}

async function countReviews(
  repo: PromotionRepository,
  pull: PullRequestFacts,
  policy: { required: number; approvers?: string[]; allowAuthorApproval: boolean }
): Promise<ApprovalCount> {
  const [reviews, committers] = await Promise.all([
    repo.reviews(pull.number),
    repo.commitAuthors(pull.number)
  ])
  const candidates = approversToLookUp(reviews, pull.headSha)
  const teams = allowedTeams(policy.approvers)
  const inAllowedTeam = new Set<string>()
  const writers = new Set<string>()
  await Promise.all(
    candidates.map(async login => {
      const [permission, memberships] = await Promise.all([
        repo.permission(login),
        isListedApprover(login, policy.approvers)
          ? Promise.resolve([])
          : Promise.all(teams.map(({ org, team }) => repo.isTeamMember(org, team, login)))
      ])
      if (permission === 'admin' || permission === 'write' || permission === 'maintain')
        writers.add(login.toLowerCase())
      if (memberships.some(Boolean)) inAllowedTeam.add(login.toLowerCase())
    })
  )
  return countApprovals(reviews, pull.headSha, policy, {
    authors: [pull.author, ...committers],
    inAllowedTeam,
    writers
  })
}

/**
 * A version entering production must still deserve it: it exists and is READY, and either it was in production
 * before (a rollback returns to a known version) or the staging rules pass on today's evidence.
 */
async function checkEvidence(
  registry: MlflowClient,
  lifecycle: Lifecycle,
  model: string,
  version: string,
  policy: ModelPolicy,
  now: Date
): Promise<CheckResult> {
  const check = `evidence for v${version}`
  let modelVersion
  try {
    modelVersion = await registry.getModelVersion(model, version)
  } catch (error) {
    if (isNotFound(error))
      return { check, passed: false, detail: `${model} v${version} does not exist in the registry` }
    throw error
  }
  if (modelVersion.status !== undefined && modelVersion.status !== 'READY') {
    return { check, passed: false, detail: `registration is ${modelVersion.status}, not READY` }
  }
  if (tagValue(modelVersion.tags, PROMOTE_TAGS.promotedAt) !== undefined) {
    return {
      check,
      passed: true,
      detail: `v${version} was in production before (${PROMOTE_TAGS.promotedAt} is set)`
    }
  }
  const evidence = await gatherEvidence(registry, lifecycle, model, modelVersion, evidenceOptionsFor(policy))
  const verdict = evaluatePolicy(policy, evidence, now)
  const failed = verdict.results.filter(result => result.verdict === 'fail')
  const decision = tagValue(modelVersion.tags, TAGS.decision)
  return {
    check,
    passed: verdict.passed,
    detail: verdict.passed
      ? `the staging rules pass on today's evidence (evaluated earlier: ${decision ?? 'never'})`
      : `the staging rules fail on today's evidence: ${failed.map(result => result.reason).join('; ')}`
  }
}
