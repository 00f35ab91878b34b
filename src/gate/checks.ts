import { evaluatePolicy } from '../domain/policy/evaluate.js'
import { parsePolicy } from '../domain/policy/load.js'
import { findModelPolicy } from '../domain/policy/models.js'
import { evidenceOptionsFor } from '../domain/policy/rules.js'
import type { ModelPolicy, Policy } from '../domain/policy/schema.js'
import type { MlflowClient } from '../registry/client.js'
import { gatherEvidence } from '../registry/evidence.js'
import { isNotFound } from '../registry/errors.js'
import { lifecycleFromPolicy } from '../registry/lifecycle/from-policy.js'
import type { Lifecycle } from '../registry/lifecycle/index.js'
import { TAGS, tagValue } from '../domain/tags.js'
import { FileProblemsError } from '../domain/yaml-file.js'
import {
  allowedTeams,
  approvalsSatisfied,
  countApprovals,
  describeApprovals,
  isListedApprover,
  reviewersToLookUp,
  reviewsBefore,
  type ApprovalCount
} from './approvals.js'
import { checkAutomatedPushes } from './gate-writes.js'
import { pushersOf } from '../domain/pushers.js'
import { DEFAULT_RECORDS_FOLDER, parseRecord, recordPath, type PromotionRecord } from '../domain/record.js'
import type { PromotionRepository, PullRequestFacts } from '../github/repository.js'
import {
  mergedRecordCheck,
  originCheck,
  recordValidityCheck,
  strategyCheck,
  targetCheck,
  type CheckResult
} from '../domain/checks.js'

type ChangedFile = Awaited<ReturnType<PromotionRepository['changedFiles']>>[number]

/** What reviewing a promotion pull request established, check by check. */
export interface PullRequestReview {
  checks: CheckResult[]
  passed: boolean
  defaultBranch: string
  policy?: Policy
  recordFile?: string
  /** The files the pull request changes, as GitHub lists them (read once, for every check that needs them). */
  changedFiles?: ChangedFile[]
  record?: PromotionRecord
  entry?: { key: string; policy: ModelPolicy }
  lifecycle?: Lifecycle
  approvals?: ApprovalCount
  /** Set when a newer record change than this merge is on the default branch: promote then does nothing. */
  superseded?: string
}

export interface ReviewOptions {
  policyPath: string
  /**
   * `promote` checks a merge and its approvals; `verify` an open pull request; `history` an earlier merge (its
   * origin, change, policy and approvals, not today's evidence), to prove what was in production through the gate.
   */
  mode: 'verify' | 'promote' | 'history'
  now: Date
  /** Whether a version was in production through the gate before (the record file's Git history), in words. */
  provenBefore?: (recordFile: string, version: string) => Promise<string | undefined>
  /**
   * For `verify` of a merge queue's group: the queue merges without anyone acting again, so the approvals must
   * already be enough (counted as of now) rather than shown for information.
   */
  requireApprovals?: boolean
}

/**
 * Re-reads everything about a promotion pull request through the APIs and checks it: where it comes from, what
 * it changes, the policy in force when it was decided, the record it asks for, who wrote it, the approvals (at
 * merge) and the evidence of every version it brings into production. Nothing is taken from the event payload,
 * the checkout, commit identities or registry tags.
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
  const merged = options.mode !== 'verify'

  checks.push(targetCheck(pull, defaultBranch, merged))
  checks.push(originCheck(pull, repo.fullName))

  const base = merged
    ? await defaultBranchBeforeMerge(repo, pull, defaultBranch)
    : await headOf(repo, defaultBranch)
  if ('unknown' in base) {
    add('policy before the merge', false, base.unknown)
    return finish(review)
  }
  const where = merged
    ? `${defaultBranch} just before the merge (${base.sha.slice(0, 7)})`
    : `the head of ${defaultBranch} (${base.sha.slice(0, 7)})`
  const policyFile = await repo.readFile(options.policyPath, base.sha)
  if (policyFile === undefined) {
    add('policy in force', false, `${options.policyPath} does not exist at ${where}`)
    return finish(review)
  }
  try {
    review.policy = parsePolicy(policyFile.content, options.policyPath)
    add('policy in force', true, `${options.policyPath} at ${where}`)
  } catch (error) {
    if (!(error instanceof FileProblemsError)) throw error
    add('policy in force', false, `${options.policyPath} at ${where}: ${error.message}`)
    return finish(review)
  }
  const policy = review.policy
  const folder = (policy.records ?? DEFAULT_RECORDS_FOLDER).replace(/\/+$/, '')

  const changed = await onlyRecordCheck(repo, pull, folder)
  review.changedFiles = changed.files
  checks.push(changed.check)
  if (changed.file === undefined) return finish(review)
  const file = changed.file
  review.recordFile = file

  const recordRef = merged ? pull.mergeCommitSha : pull.headSha
  const [recordText, headText, latestText] = await Promise.all([
    recordRef ? repo.readFile(file, recordRef) : Promise.resolve(undefined),
    merged ? repo.readFile(file, pull.headSha) : Promise.resolve(undefined),
    options.mode === 'promote' ? repo.readFile(file, defaultBranch) : Promise.resolve(undefined)
  ])
  if (recordText === undefined) {
    add('record is valid', false, `${file} cannot be read at ${recordRef ?? 'the merge commit'}`)
    return finish(review)
  }
  if (merged && recordRef !== undefined) {
    checks.push(
      mergedRecordCheck(
        file,
        { sha: recordRef, content: recordText.content },
        { sha: pull.headSha, content: headText?.content }
      )
    )
  }
  if (options.mode === 'promote' && latestText?.content !== recordText.content) {
    review.superseded = `${file} has changed on ${defaultBranch} since this merge: a newer decision about the model is in force, so this promote changes nothing`
  }
  try {
    review.record = parseRecord(recordText.content, file)
  } catch (error) {
    if (!(error instanceof FileProblemsError)) throw error
    add('record is valid', false, error.message)
    return finish(review)
  }
  const record = review.record
  const expectedPath = recordPath(folder, record.model)
  review.entry = findModelPolicy(policy, record.model)
  checks.push(recordValidityCheck(record, file, expectedPath, review.entry !== undefined))
  if (review.entry === undefined || expectedPath !== file) return finish(review)
  const entry = review.entry
  const strategy = entry.policy.production?.strategy ?? 'replace'
  review.lifecycle = lifecycleFromPolicy(registry, policy)
  const lifecycle = review.lifecycle

  // One read of the registry's production serves the gate-write check and the entering versions below.
  let productionRead: Promise<string[]> | undefined
  const registryProduction = () => (productionRead ??= lifecycle.productionVersions(record.model))
  if (options.mode !== 'history') registryProduction().catch(() => undefined) // awaited below; started early
  const authorship = await establishAuthors(repo, pull, {
    model: record.model,
    recordFile: file,
    strategy,
    registryProduction
  })
  checks.push(authorship.check)
  if (authorship.authors === undefined) return finish(review)

  // Approvals decide at merge (and before a merge queue merges); otherwise their count is shown for information.
  const production = entry.policy.production
  review.approvals = await countReviews(repo, pull, authorship.authors, merged ? pull.mergedAt : undefined, {
    required: production?.approvals ?? 1,
    approvers: production?.approvers,
    allowAuthorApproval: production?.allow_author_approval ?? false
  })
  if (merged || options.requireApprovals === true) {
    add('approvals', approvalsSatisfied(review.approvals), describeApprovals(review.approvals))
  }

  checks.push(strategyCheck(strategy, record.production.length))
  if (options.mode === 'history') return finish(review)

  // Entering production is judged against the registry, never against an earlier record: a version whose
  // promotion was refused may still sit in the record on the default branch.
  const inProduction = new Set(await registryProduction())
  const entering = record.production.map(e => e.version).filter(v => !inProduction.has(v))
  for (const version of entering) {
    checks.push(
      await checkEvidence(
        registry,
        lifecycle,
        { model: record.model, recordFile: file },
        version,
        entry.policy,
        options
      )
    )
  }
  return finish(review)
}

function finish(review: PullRequestReview): PullRequestReview {
  review.passed = review.checks.every(check => check.passed)
  return review
}

async function headOf(
  repo: PromotionRepository,
  branch: string
): Promise<{ sha: string } | { unknown: string }> {
  const sha = await repo.branchSha(branch)
  return sha === undefined ? { unknown: `the default branch ${branch} has no commit` } : { sha }
}

/**
 * The default branch just before the merge: the policy and the previous record in force when the pull request was
 * merged. Not the pull request's `base.sha`, which GitHub leaves as it was at the pull request's last update. The
 * repository activity names it (`before` of the `pr_merge`); without that, a merge commit's first parent, or the
 * parent of a single squashed or rebased commit. Anything else cannot be told, and the promotion is refused.
 */
async function defaultBranchBeforeMerge(
  repo: PromotionRepository,
  pull: PullRequestFacts,
  defaultBranch: string
): Promise<{ sha: string } | { unknown: string }> {
  const mergeSha = pull.mergeCommitSha
  if (mergeSha === undefined) return { unknown: 'the pull request has no merge commit' }
  const before = await repo.branchBeforeMerge(defaultBranch, mergeSha)
  if (before !== undefined) return { sha: before }
  const parents = await repo.commitParents(mergeSha)
  if (parents.length === 2 || (parents.length === 1 && pull.commits === 1)) return { sha: parents[0] }
  return {
    unknown: `GitHub lists no merge of ${mergeSha.slice(0, 7)} into ${defaultBranch}, and the commit does not say where ${defaultBranch} stood before it`
  }
}

async function onlyRecordCheck(
  repo: PromotionRepository,
  pull: PullRequestFacts,
  folder: string
): Promise<{ check: CheckResult; file?: string; files: ChangedFile[] }> {
  const files = await repo.changedFiles(pull.number)
  const [file] = files
  const onlyRecord =
    files.length === 1 &&
    file.status !== 'removed' &&
    file.previousPath === undefined &&
    file.path.startsWith(`${folder}/`) &&
    file.path.endsWith('.yml')
  const check = {
    check: 'changes only its record file',
    passed: onlyRecord,
    detail: onlyRecord
      ? file.path
      : `changes ${files.length} file${files.length === 1 ? '' : 's'} (${files.map(f => `${f.path} ${f.status}${f.previousPath ? ` from ${f.previousPath}` : ''}`).join(', ')}); a promotion pull request changes exactly one record file under ${folder}/`
  }
  return { check, file: onlyRecord ? file.path : undefined, files }
}

/**
 * The authors of a pull request: the person who opened it and everyone who pushed to its branch, as GitHub's
 * repository activity names them. Pushes by automation identities count only when they are the gate's own writes;
 * when the pushers cannot be told, there are no authors to exclude, so the review fails.
 */
async function establishAuthors(
  repo: PromotionRepository,
  pull: PullRequestFacts,
  context: Parameters<typeof checkAutomatedPushes>[2]
): Promise<{ check: CheckResult; authors?: string[] }> {
  const check = 'authors from pushes'
  const pushers = pushersOf(await repo.pushes(pull.headRef), pull.headRef, pull.headSha, {
    login: pull.author,
    isBot: pull.authorIsBot
  })
  if (!pushers.known) return { check: { check, passed: false, detail: pushers.why } }
  const foreign = await checkAutomatedPushes(repo, pull.headRef, context, pushers.automated)
  if (foreign !== undefined) return { check: { check, passed: false, detail: foreign } }
  const names = pushers.authors.length > 0 ? pushers.authors.join(', ') : 'none but the gate'
  return {
    check: { check, passed: true, detail: `opened by ${pull.author}; pushed by ${names}` },
    authors: pushers.authors
  }
}

async function countReviews(
  repo: PromotionRepository,
  pull: PullRequestFacts,
  authors: string[],
  decidedAt: string | undefined,
  policy: { required: number; approvers?: string[]; allowAuthorApproval: boolean }
): Promise<ApprovalCount> {
  const reviews = reviewsBefore(await repo.reviews(pull.number), decidedAt)
  const candidates = reviewersToLookUp(reviews, pull.headSha)
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
  return countApprovals(reviews, pull.headSha, policy, { authors, inAllowedTeam, writers })
}

/**
 * A version entering production must still deserve it: it exists and is READY, and either it was in production
 * before through the gate (proven from the record's Git history, never from a registry tag) or the staging rules
 * pass on today's evidence.
 */
async function checkEvidence(
  registry: MlflowClient,
  lifecycle: Lifecycle,
  { model, recordFile }: { model: string; recordFile: string },
  version: string,
  policy: ModelPolicy,
  options: ReviewOptions
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
  const evidence = await gatherEvidence(registry, lifecycle, model, modelVersion, evidenceOptionsFor(policy))
  const verdict = evaluatePolicy(policy, evidence, options.now)
  if (verdict.passed) {
    const decision = tagValue(modelVersion.tags, TAGS.decision)
    return {
      check,
      passed: true,
      detail: `the staging rules pass on today's evidence (evaluated earlier: ${decision ?? 'never'})`
    }
  }
  // An earlier champion coming back (a merged revert) may fail today's comparison with the current one.
  const proof = await options.provenBefore?.(recordFile, version)
  if (proof !== undefined)
    return { check, passed: true, detail: `v${version} was in production through the gate before: ${proof}` }
  const failed = verdict.results.filter(result => result.verdict === 'fail')
  return {
    check,
    passed: false,
    detail: `the staging rules fail on today's evidence: ${failed.map(result => result.reason).join('; ')}, and the record's history on the default branch shows no earlier promotion of v${version} through the gate`
  }
}
