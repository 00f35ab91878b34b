import { escapeMarkdown, fitMarkdown } from '../report/markdown.js'
import {
  productionEntries,
  proposeRecord,
  readableRecord,
  recordPath,
  renderRecord,
  sameVersions,
  type ProductionEntry
} from './record.js'
import { MARKERS, promotionBranch, versionOfBranch } from './names.js'
import { checkAutomatedPushes } from './gate-writes.js'
import { pushersOf } from './pushers.js'
import type { PromotionRepository, PullRequestFacts } from './repository.js'
import { compareVersions } from '../registry/lifecycle/index.js'

export interface PromotionRequest {
  model: string
  version: string
  recordsFolder: string
  strategy: 'replace' | 'ab'
  /** The registry's production set, used when the model has no record file yet. */
  registryProduction: ProductionEntry[]
  /** The evidence report (Markdown); produced only when the pull request body has to be written. */
  report: () => Promise<string>
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
  /** The pull request body (Markdown), produced only when it has to be written. */
  body: () => Promise<string>
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
 * Opens a pull request that changes a model's record file, or finds the one a previous run opened: a branch from
 * the default branch with one commit writing the record. An existing branch keeps its record, since reviewers may
 * have edited it (the weights of an A/B record).
 */
export async function openRecordPullRequest(
  repo: PromotionRepository,
  change: RecordChange
): Promise<OpenedPullRequest> {
  const defaultBranch = await repo.defaultBranch()
  const path = recordPath(change.recordsFolder, change.model)
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
  if (branchSha === undefined) {
    const current = currentFile ? recordEntries(currentFile.content, path) : undefined
    await repo.createBranch(change.branch, baseSha)
    await repo.writeFile(
      path,
      change.branch,
      renderRecord(change.model, change.entries(current)),
      change.title,
      currentFile?.sha
    )
  }

  let pull: { number: number; url: string }
  if (mine !== undefined) {
    if (change.refreshBody) {
      const body = fitMarkdown(`${MARKERS.pullRequest}\n${await change.body()}`, MAX_BODY)
      if (mine.title !== change.title || mine.body !== body) {
        await repo.updatePullRequest(mine.number, { title: change.title, body })
      }
    }
    pull = mine
  } else {
    const body = fitMarkdown(`${MARKERS.pullRequest}\n${await change.body()}`, MAX_BODY)
    pull = await repo.createPullRequest(change.branch, defaultBranch, change.title, body)
  }
  const teams = change.reviewers.filter(r => r.includes('/')).map(r => r.replace(/^@/, '').split('/')[1])
  const users = change.reviewers.filter(r => !r.includes('/')).map(r => r.replace(/^@/, ''))
  await Promise.all([
    repo.addLabels(pull.number, change.labels),
    repo.requestReviewers(pull.number, users, teams)
  ])

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
    created: mine === undefined,
    recordPath: path,
    superseded: superseded.map(old => old.number)
  }
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
    throw new Error(
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
    throw new Error(
      `The branch ${change.branch} already exists and the gate did not write it alone (${foreign}); the gate adopts only a branch whose every push is its own: ${fix}.`
    )
  }
}

/**
 * Opens (or updates) the promotion pull request of a passing version, on branch `promotion/<model>/v<version>`.
 * Older open promotion pull requests of the same model are closed as superseded.
 */
export function openPromotionPullRequest(
  repo: PromotionRepository,
  request: PromotionRequest
): Promise<OpenedPullRequest> {
  const path = recordPath(request.recordsFolder, request.model)
  return openRecordPullRequest(repo, {
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
    body: async () => promotionIntro(request, path) + (await request.report()),
    refreshBody: request.refreshBody,
    reviewers: request.reviewers,
    labels: request.labels,
    supersedes: pull => {
      const other = versionOfBranch(request.model, pull.headRef)
      return other !== undefined && compareVersions(other, request.version) < 0
    }
  })
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
