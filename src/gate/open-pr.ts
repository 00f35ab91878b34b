import { escapeMarkdown, fitMarkdown } from '../report/markdown.js'
import {
  productionEntries,
  proposeRecord,
  readableRecord,
  recordPath,
  renderRecord,
  sameVersions,
  type ProductionEntry
} from '../domain/record.js'
import { MARKERS, promotionBranch, versionOfBranch } from '../domain/names.js'
import { checkAutomatedPushes } from './gate-writes.js'
import { pushersOf } from '../domain/pushers.js'
import { GitHubApiError, isGitHubStatus } from '../github/api-error.js'
import type { PromotionRepository, PullRequestFacts } from '../github/repository.js'
import { compareVersions } from '../registry/lifecycle/index.js'

export interface PromotionRequest {
  model: string
  version: string
  recordsFolder: string
  strategy: 'replace' | 'ab'
  /** The registry's production set, used when the model has no record file yet. */
  registryProduction: ProductionEntry[]
  /** Whether an existing pull request's body is rewritten (a fresh evaluation) or left as it is (a re-run). */
  refreshBody: boolean
  reviewers: string[]
  labels: string[]
}

export interface OpenedPullRequest {
  number: number
  url: string
  created: boolean
  recordPath: string
  superseded: number[]
  /** What went wrong after the pull request existed and did not stop it (a reviewer who could not be requested). */
  warnings: string[]
}

// GitHub refuses pull-request bodies longer than 65,536 characters.
const MAX_BODY = 60_000

/** A pull request that changes one model's record file; what differs between promotion and rollback. */
export interface RecordChange {
  model: string
  recordsFolder: string
  branch: string
  title: string
  /** The new record, given the one on the default branch (undefined when the model has none yet). */
  entries: (current: ProductionEntry[] | undefined) => ProductionEntry[]
  /** Whether an existing pull request's body is rewritten or left as it is (a re-run). */
  refreshBody: boolean
  reviewers: string[]
  labels: string[]
  /** Open pull requests this one replaces: they are closed with a comment. */
  supersedes: (pull: PullRequestFacts) => boolean
  strategy: 'replace' | 'ab'
  /** The registry's production versions, to recognise the gate's own proposal on an existing branch. */
  registryProduction: () => Promise<string[]>
}

/**
 * A record pull request whose every read and check is done, and nothing written yet: `open` makes the writes. The
 * body (Markdown) is needed only when the pull request is created or its body refreshed (`needsBody`), so a re-run
 * that finds its pull request gathers nothing to write one.
 */
export interface PreparedPullRequest {
  readonly needsBody: boolean
  open(body: string | undefined): Promise<OpenedPullRequest>
}

interface RepositoryState {
  defaultBranch: string
  baseSha: string
  currentFile: { content: string; sha: string } | undefined
  branchSha: string | undefined
  open: PullRequestFacts[]
  mine: PullRequestFacts | undefined
}

/**
 * Reads what a record pull request needs and refuses a branch or pull request the gate did not write, before the
 * caller writes anything anywhere (the registry included): a refusal then leaves everything as it was.
 */
export async function prepareRecordPullRequest(
  repo: PromotionRepository,
  change: RecordChange
): Promise<PreparedPullRequest> {
  const path = recordPath(change.recordsFolder, change.model)
  const state = await readRepositoryState(repo, change, path)
  return {
    needsBody: state.mine === undefined || change.refreshBody,
    open: body => writeRecordPullRequest(repo, change, path, state, body)
  }
}

async function readRepositoryState(
  repo: PromotionRepository,
  change: RecordChange,
  path: string
): Promise<RepositoryState> {
  const defaultBranch = await repo.defaultBranch()
  const [baseSha, currentFile, branchSha, open] = await Promise.all([
    repo.branchSha(defaultBranch),
    repo.readFile(path, defaultBranch),
    repo.branchSha(change.branch),
    repo.openPullRequests()
  ])
  if (baseSha === undefined)
    throw new Error(`The default branch ${defaultBranch} has no commit to branch from.`)
  const mine = open.find(pull => pull.headRef === change.branch && pull.headRepo === repo.fullName)
  if (branchSha !== undefined) await refuseForeignBranch(repo, change, path, branchSha, mine)
  return { defaultBranch, baseSha, currentFile, branchSha, open, mine }
}

async function writeRecordPullRequest(
  repo: PromotionRepository,
  change: RecordChange,
  path: string,
  prepared: RepositoryState,
  markdown: string | undefined
): Promise<OpenedPullRequest> {
  let state = prepared
  if (state.branchSha === undefined) {
    const created = await createBranchUnlessRaced(repo, change.branch, state.baseSha)
    // Another run created the branch between our read and our write: judge it as any existing branch.
    if (!created) state = await readRepositoryState(repo, change, path)
  }
  if (state.branchSha === undefined) {
    const current = state.currentFile ? recordEntries(state.currentFile.content, path) : undefined
    await repo.writeFile(
      path,
      change.branch,
      renderRecord(change.model, change.entries(current)),
      change.title,
      state.currentFile?.sha
    )
  }

  const body = async () => {
    if (markdown === undefined)
      throw new Error(`The pull request on ${change.branch} needs a body and was given none.`)
    return fitMarkdown(`${MARKERS.pullRequest}\n${markdown}`, MAX_BODY)
  }
  let mine = state.mine
  if (mine === undefined) {
    const created = await createPullRequestUnlessRaced(repo, change, path, state.defaultBranch, await body())
    if ('number' in created) {
      return finishPullRequest(repo, change, path, created, true)
    }
    // Another run opened it first (GitHub answers 422 "A pull request already exists"): update that one.
    mine = created.existing
  }
  if (change.refreshBody) {
    const fresh = await body()
    if (mine.title !== change.title || mine.body !== fresh) {
      await repo.updatePullRequest(mine.number, { title: change.title, body: fresh })
    }
  }
  return finishPullRequest(repo, change, path, mine, false)
}

async function createBranchUnlessRaced(
  repo: PromotionRepository,
  branch: string,
  sha: string
): Promise<boolean> {
  try {
    await repo.createBranch(branch, sha)
    return true
  } catch (error) {
    // GitHub: 422 "Reference already exists" (docs.github.com/rest/git/refs#create-a-reference).
    if (isGitHubStatus(error, 422) && /already exists/i.test((error as Error).message)) return false
    throw error
  }
}

async function createPullRequestUnlessRaced(
  repo: PromotionRepository,
  change: RecordChange,
  path: string,
  base: string,
  body: string
): Promise<PullRequestFacts | { existing: PullRequestFacts }> {
  try {
    return await repo.createPullRequest(change.branch, base, change.title, body)
  } catch (error) {
    // GitHub: 422 "A pull request already exists for owner:branch." (docs.github.com/rest/pulls/pulls#create-a-pull-request).
    if (!isGitHubStatus(error, 422) || !/already exists/i.test((error as Error).message)) throw error
    const open = await repo.openPullRequests()
    const existing = open.find(pull => pull.headRef === change.branch && pull.headRepo === repo.fullName)
    if (existing === undefined) throw error
    // Judged as any existing pull request: opened by the gate, on a branch only the gate pushed to since.
    const head = await repo.branchSha(change.branch)
    if (head === undefined) throw error
    await refuseForeignBranch(repo, change, path, head, existing)
    return { existing }
  }
}

async function finishPullRequest(
  repo: PromotionRepository,
  change: RecordChange,
  path: string,
  pull: { number: number; url: string },
  created: boolean
): Promise<OpenedPullRequest> {
  const teams = change.reviewers.filter(r => r.includes('/')).map(r => r.replace(/^@/, '').split('/')[1])
  const users = change.reviewers.filter(r => !r.includes('/')).map(r => r.replace(/^@/, ''))
  const warnings: string[] = []
  await Promise.all([
    repo.addLabels(pull.number, change.labels),
    // The pull request exists and is the gate: a reviewer GitHub will not request (not a collaborator, a team
    // without access) is for a person to fix, and approvals are checked at merge whatever was requested.
    repo.requestReviewers(pull.number, users, teams).catch((error: unknown) => {
      if (!(error instanceof GitHubApiError)) throw error
      warnings.push(
        `Pull request #${pull.number}: the reviewers ${change.reviewers.join(', ')} could not be requested (${error.message}); request them by hand, or fix production.reviewers in the policy.`
      )
    })
  ])

  // Read now, not when the run was planned: a pull request this same run opened a moment ago (an older version of
  // the model, when evaluate polls several) is superseded too.
  const open = await repo.openPullRequests()
  const superseded = open.filter(
    other => other.number !== pull.number && other.headRepo === repo.fullName && change.supersedes(other)
  )
  for (const old of superseded) {
    await repo.upsertComment(
      old.number,
      MARKERS.supersededComment,
      `Superseded by #${pull.number} (${change.title}). Closing this one.`
    )
    await repo.updatePullRequest(old.number, { state: 'closed' })
  }
  return {
    number: pull.number,
    url: pull.url,
    created,
    recordPath: path,
    superseded: superseded.map(old => old.number),
    warnings
  }
}

/** A branch (or a pull request on it) of the gate's name that someone else wrote: the gate will not adopt it. */
export class ForeignBranchError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ForeignBranchError'
  }
}

/**
 * Like prepareRecordPullRequest, but a branch someone else wrote first does not stop it: each of `fallbacks` is
 * tried in turn, saying why in a warning. For a pull request that must not be blockable, such as the record of
 * an emergency rollback, which anyone with write access could otherwise hold up by creating its branch first.
 */
export async function prepareRecordPullRequestOnFreeBranch(
  repo: PromotionRepository,
  change: RecordChange,
  fallbacks: string[],
  warn: (message: string) => void
): Promise<PreparedPullRequest> {
  const branches = [change.branch, ...fallbacks]
  for (const [index, branch] of branches.entries()) {
    try {
      return await prepareRecordPullRequest(repo, { ...change, branch })
    } catch (error) {
      const next = branches[index + 1]
      if (!(error instanceof ForeignBranchError) || next === undefined) throw error
      warn(`${error.message} The pull request goes on ${next} instead.`)
    }
  }
  throw new Error('unreachable: the last branch either prepared or threw')
}

/**
 * An existing branch (or pull request) of the gate's name is adopted only when the gate alone wrote it: anyone
 * with write access can create `promotion/<model>/v<n>` first, and adopting it would present their record under
 * the gate's name. Throws why otherwise.
 */
async function refuseForeignBranch(
  repo: PromotionRepository,
  change: RecordChange,
  path: string,
  branchSha: string,
  mine: PullRequestFacts | undefined
): Promise<void> {
  const fix = `delete the branch${mine ? ` and close pull request #${mine.number}` : ''} to let the gate open a fresh one`
  if (mine !== undefined && !mine.authorIsBot) {
    throw new ForeignBranchError(
      `The pull request #${mine.number} on ${change.branch} was opened by ${mine.author}, not by the gate; the gate adopts only pull requests it opened: ${fix}.`
    )
  }
  const pushers = pushersOf(await repo.pushes(change.branch), change.branch, branchSha, {
    login: mine?.author ?? '',
    isBot: true
  })
  const foreign = !pushers.known
    ? pushers.why
    : pushers.authors.length > 0
      ? `${pushers.authors.join(', ')} pushed to it`
      : await checkAutomatedPushes(
          repo,
          change.branch,
          {
            model: change.model,
            recordFile: path,
            strategy: change.strategy,
            registryProduction: change.registryProduction
          },
          pushers.automated
        )
  if (foreign !== undefined) {
    throw new ForeignBranchError(
      `The branch ${change.branch} already exists and the gate did not write it alone (${foreign}); the gate adopts only a branch whose every push is its own: ${fix}.`
    )
  }
}

/**
 * Prepares the promotion pull request of a passing version (opened, or updated, by `open`), on branch `promotion/<model>/v<version>`.
 * Older open promotion pull requests of the same model are closed as superseded.
 */
export async function preparePromotionPullRequest(
  repo: PromotionRepository,
  request: PromotionRequest
): Promise<PreparedPullRequest> {
  const path = recordPath(request.recordsFolder, request.model)
  const prepared = await prepareRecordPullRequest(repo, {
    model: request.model,
    recordsFolder: request.recordsFolder,
    branch: promotionBranch(request.model, request.version),
    title: `Promote ${request.model} v${request.version} to production`,
    // The registry, not a record it disagrees with (a refused promotion leaves one), says what production is.
    entries: current =>
      proposeRecord(
        current !== undefined && sameVersions(current, request.registryProduction)
          ? current
          : request.registryProduction,
        request.version,
        request.strategy
      ),
    strategy: request.strategy,
    registryProduction: async () => request.registryProduction.map(entry => entry.version),
    refreshBody: request.refreshBody,
    reviewers: request.reviewers,
    labels: request.labels,
    supersedes: pull => {
      const other = versionOfBranch(request.model, pull.headRef)
      return other !== undefined && compareVersions(other, request.version) < 0
    }
  })
  // The promotion's body is the evidence report under a paragraph saying what merging does.
  return {
    needsBody: prepared.needsBody,
    open: report => prepared.open(report === undefined ? undefined : promotionIntro(request, path) + report)
  }
}

function recordEntries(content: string, path: string): ProductionEntry[] | undefined {
  const record = readableRecord(content, path)
  return record && productionEntries(record)
}

function promotionIntro(request: PromotionRequest, path: string): string {
  return [
    `Merging this pull request promotes **${escapeMarkdown(request.model)} v${request.version}** to production: the action re-verifies the merge, the approvals and the evidence through the APIs, then makes the registry match ${escapeMarkdown(path)}.`,
    '',
    'This pull request may change only that file. The evidence below was gathered when it was opened; `verify` re-checks it on every push.',
    '',
    ''
  ].join('\n')
}
