import { escapeMarkdown, fitMarkdown } from '../report/markdown.js'
import { parseRecord, proposeRecord, recordPath, renderRecord, type ProductionEntry } from './record.js'
import { MARKERS, promotionBranch, versionOfBranch } from './names.js'
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

/**
 * Opens the promotion pull request for a version, or updates the one a previous run opened: branch
 * `promotion/<model>/v<version>` from the default branch with one commit writing the record file. Older open
 * promotion pull requests of the same model are closed as superseded.
 */
export async function openPromotionPullRequest(
  repo: PromotionRepository,
  request: PromotionRequest
): Promise<OpenedPullRequest> {
  const defaultBranch = await repo.defaultBranch()
  const path = recordPath(request.recordsFolder, request.model)
  const branch = promotionBranch(request.model, request.version)
  const [baseSha, currentFile, branchSha, open] = await Promise.all([
    repo.branchSha(defaultBranch),
    repo.readFile(path, defaultBranch),
    repo.branchSha(branch),
    repo.openPullRequests()
  ])
  if (baseSha === undefined)
    throw new Error(`The default branch ${defaultBranch} has no commit to branch from.`)

  if (branchSha === undefined) {
    const current = currentFile ? recordEntries(currentFile.content, path) : request.registryProduction
    const content = renderRecord(request.model, proposeRecord(current, request.version, request.strategy))
    await repo.createBranch(branch, baseSha)
    await repo.writeFile(
      path,
      branch,
      content,
      `Promote ${request.model} v${request.version} to production`,
      currentFile?.sha
    )
  }
  // An existing branch keeps its record: reviewers may have edited the weights there.

  const title = `Promote ${request.model} v${request.version} to production`
  const mine = open.find(pull => pull.headRef === branch && pull.headRepo === repo.fullName)
  let pull: { number: number; url: string }
  if (mine !== undefined) {
    if (request.refreshBody) {
      const body = pullRequestBody(await request.report(), request, path)
      if (mine.title !== title || mine.body !== body)
        await repo.updatePullRequest(mine.number, { title, body })
    }
    pull = mine
  } else {
    const body = pullRequestBody(await request.report(), request, path)
    pull = await repo.createPullRequest(branch, defaultBranch, title, body)
  }
  const teams = request.reviewers.filter(r => r.includes('/')).map(r => r.replace(/^@/, '').split('/')[1])
  const users = request.reviewers.filter(r => !r.includes('/')).map(r => r.replace(/^@/, ''))
  await Promise.all([
    repo.addLabels(pull.number, request.labels),
    repo.requestReviewers(pull.number, users, teams)
  ])

  const superseded = olderPromotions(open, repo.fullName, request.model, request.version)
  for (const old of superseded) {
    await repo.upsertComment(
      old.number,
      MARKERS.supersededComment,
      `Superseded by #${pull.number}, which promotes ${request.model} v${request.version}. Closing this one.`
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

function recordEntries(content: string, path: string): ProductionEntry[] {
  return parseRecord(content, path).production.map(entry => ({
    version: entry.version,
    traffic: entry.traffic ?? 100
  }))
}

function olderPromotions(
  open: PullRequestFacts[],
  fullName: string,
  model: string,
  version: string
): PullRequestFacts[] {
  return open.filter(pull => {
    if (pull.headRepo !== fullName) return false
    const other = versionOfBranch(model, pull.headRef)
    return other !== undefined && compareVersions(other, version) < 0
  })
}

function pullRequestBody(report: string, request: PromotionRequest, path: string): string {
  const intro = [
    MARKERS.pullRequest,
    `Merging this pull request promotes **${escapeMarkdown(request.model)} v${request.version}** to production: the action re-verifies the merge, the approvals and the evidence through the APIs, then makes the registry match ${escapeMarkdown(path)}.`,
    '',
    'This pull request may change only that file. The evidence below was gathered when it was opened; `verify` re-checks it on every push.',
    ''
  ].join('\n')
  return fitMarkdown(`${intro}\n${report}`, MAX_BODY)
}
