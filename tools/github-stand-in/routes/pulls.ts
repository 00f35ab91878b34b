import {
  errorBody,
  forbidden,
  type Handler,
  HttpError,
  integerParam,
  notFound,
  paginate,
  type RequestContext,
  repositoryOf,
  requireWrite,
  stringOption,
  validationFailed
} from '../http.js'
import { timestamp, type MergeMethod, type PullRequest, type Repository } from '../state.js'

export function pullOf(context: RequestContext, repository: Repository, number: number): PullRequest {
  const pull = repository.pulls.get(number)
  if (pull === undefined) throw notFound()
  return pull
}

/** `owner:branch` or `branch`, resolved within the base repository's fork network. */
function headOf(
  context: RequestContext,
  base: Repository,
  head: string
): { repository?: Repository; ref: string } {
  const separator = head.indexOf(':')
  if (separator < 0) return { repository: base, ref: head }
  const owner = head.slice(0, separator)
  const ref = head.slice(separator + 1)
  if (owner.toLowerCase() === base.owner.toLowerCase()) return { repository: base, ref }
  const network = [...context.world.repositories.values()].filter(
    candidate => candidate.owner.toLowerCase() === owner.toLowerCase() && inNetwork(context, candidate, base)
  )
  return { repository: network[0], ref }
}

function inNetwork(context: RequestContext, candidate: Repository, base: Repository): boolean {
  let current: Repository | undefined = candidate
  while (current !== undefined) {
    if (current === base) return true
    current = current.parent === undefined ? undefined : context.world.repository(current.parent)
  }
  return false
}

const listPulls: Handler = context => {
  const repository = repositoryOf(context)
  const state = stringOption(context.query.state) ?? 'open'
  const head = stringOption(context.query.head)
  const base = stringOption(context.query.base)
  const headFilter = head === undefined ? undefined : headOf(context, repository, head)
  const sort = stringOption(context.query.sort) ?? 'created'
  const direction = stringOption(context.query.direction) ?? (sort === 'created' ? 'desc' : 'asc')
  const pulls = [...repository.pulls.values()]
    .filter(pull => state === 'all' || pull.state === state)
    .filter(pull => base === undefined || pull.baseRef === base)
    .filter(
      pull =>
        headFilter === undefined ||
        (headFilter.repository?.fullName === pull.headRepo && headFilter.ref === pull.headRef)
    )
    .sort((a, b) => {
      const key = (pull: PullRequest) => (sort === 'updated' ? pull.updatedAt : pull.createdAt) + pull.id
      const order = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.number - b.number
      return direction === 'asc' ? order : -order
    })
  return paginate(context, pulls, pull => context.resources.pullRequestSimple(repository, pull))
}

const createPull: Handler = context => {
  const repository = repositoryOf(context)
  const base = String(context.body.base)
  const head = headOf(context, repository, String(context.body.head))
  const headSha = head.repository?.branches.get(head.ref)
  if (headSha === undefined) {
    throw validationFailed('Validation Failed', [{ resource: 'PullRequest', field: 'head', code: 'invalid' }])
  }
  const baseSha = repository.branches.get(base)
  if (baseSha === undefined) {
    throw validationFailed('Validation Failed', [{ resource: 'PullRequest', field: 'base', code: 'invalid' }])
  }
  const headRepository = head.repository as Repository
  const label = `${headRepository.owner}:${head.ref}`
  const duplicate = [...repository.pulls.values()].some(
    pull =>
      pull.state === 'open' &&
      pull.headRepo === headRepository.fullName &&
      pull.headRef === head.ref &&
      pull.baseRef === base
  )
  if (duplicate) {
    throw validationFailed('Validation Failed', [
      { resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${label}.` }
    ])
  }
  if (context.world.git.commitsSince(baseSha, headSha).length === 0) {
    throw validationFailed('Validation Failed', [
      { resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${label}` }
    ])
  }
  const now = timestamp()
  const pull: PullRequest = {
    id: context.world.newId(),
    number: repository.nextIssueNumber++,
    title: stringOption(context.body.title) ?? head.ref,
    body: stringOption(context.body.body) ?? null,
    state: 'open',
    author: context.user.login,
    headRepo: headRepository.fullName,
    headRef: head.ref,
    baseRef: base,
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    mergedAt: null,
    mergedBy: null,
    mergeCommitSha: null,
    requestedUsers: [],
    requestedTeams: [],
    reportedBaseSha: baseSha
  }
  repository.pulls.set(pull.number, pull)
  return { status: 201, body: context.resources.pullRequest(repository, pull) }
}

const getPull: Handler = context => {
  const repository = repositoryOf(context)
  const pull = pullOf(context, repository, integerParam(context, 'pull_number'))
  return { status: 200, body: context.resources.pullRequest(repository, pull) }
}

const updatePull: Handler = context => {
  const repository = repositoryOf(context)
  const pull = pullOf(context, repository, integerParam(context, 'pull_number'))
  const isAuthor = pull.author.toLowerCase() === context.user.login.toLowerCase()
  if (!isAuthor && !context.world.canWrite(repository, context.user.login)) throw forbidden()
  const { title, body, state, base } = context.body
  if (typeof base === 'string') {
    if (!repository.branches.has(base)) {
      throw validationFailed('Validation Failed', [
        { resource: 'PullRequest', field: 'base', code: 'invalid' }
      ])
    }
    pull.baseRef = base
    pull.reportedBaseSha = repository.branches.get(base) as string
  }
  if (typeof title === 'string') pull.title = title
  if (typeof body === 'string') pull.body = body
  if (state === 'closed' && pull.state === 'open') context.world.close(repository, pull)
  if (state === 'open' && pull.state === 'closed') {
    if (pull.mergedAt !== null)
      throw validationFailed('Validation Failed: cannot reopen a merged pull request')
    context.world.reopen(pull)
  }
  pull.updatedAt = timestamp()
  return { status: 200, body: context.resources.pullRequest(repository, pull) }
}

const listFiles: Handler = context => {
  const repository = repositoryOf(context)
  const pull = pullOf(context, repository, integerParam(context, 'pull_number'))
  const headSha = context.world.headSha(pull)
  const headRepository = context.world.headRepository(pull)
  return paginate(context, context.world.changes(repository, pull), change =>
    context.resources.diffEntry(headRepository, headSha, change)
  )
}

const listPullCommits: Handler = context => {
  const repository = repositoryOf(context)
  const pull = pullOf(context, repository, integerParam(context, 'pull_number'))
  const commits = context.world.git.commitsSince(
    context.world.mergeBase(repository, pull).sha,
    context.world.headSha(pull)
  )
  // "The list of commits in a pull request is limited to 250 commits" (GitHub's documentation of this endpoint,
  // https://docs.github.com/rest/pulls/pulls#list-commits-on-a-pull-request): later ones are never listed.
  return paginate(context, commits.slice(0, 250), commit => context.resources.commit(repository, commit))
}

const checkIfMerged: Handler = context => {
  const repository = repositoryOf(context)
  const pull = pullOf(context, repository, integerParam(context, 'pull_number'))
  if (pull.mergedAt === null) throw notFound()
  return { status: 204 }
}

function defaultMergeMessage(pull: PullRequest, method: MergeMethod, headOwner: string): string {
  if (method === 'merge')
    return `Merge pull request #${pull.number} from ${headOwner}/${pull.headRef}\n\n${pull.title}`
  return `${pull.title} (#${pull.number})`
}

const mergePull: Handler = context => {
  const repository = repositoryOf(context)
  requireWrite(context, repository)
  const pull = pullOf(context, repository, integerParam(context, 'pull_number'))
  if (pull.state !== 'open' || context.world.conflicts(repository, pull).length > 0) {
    throw new HttpError(405, errorBody('Pull Request is not mergeable'))
  }
  const expected = stringOption(context.body.sha)
  if (expected !== undefined && expected !== context.world.headSha(pull)) {
    throw new HttpError(409, errorBody('Head branch was modified. Review and try the merge again.'))
  }
  const method = (stringOption(context.body.merge_method) ?? 'merge') as MergeMethod
  const title = stringOption(context.body.commit_title)
  const details = stringOption(context.body.commit_message)
  const headOwner = context.world.headRepository(pull).owner
  const message =
    title === undefined && details === undefined
      ? defaultMergeMessage(pull, method, headOwner)
      : [title ?? defaultMergeMessage(pull, method, headOwner).split('\n')[0], details]
          .filter(Boolean)
          .join('\n\n')
  const commit = context.world.merge(repository, pull, method, context.user.login, message)
  return { status: 200, body: { sha: commit.sha, merged: true, message: 'Pull Request successfully merged' } }
}

const requestReviewers: Handler = context => {
  const repository = repositoryOf(context)
  const pull = pullOf(context, repository, integerParam(context, 'pull_number'))
  const isAuthor = pull.author.toLowerCase() === context.user.login.toLowerCase()
  if (!isAuthor && !context.world.canWrite(repository, context.user.login)) throw forbidden()
  const reviewers = (context.body.reviewers as string[] | undefined) ?? []
  const teams = (context.body.team_reviewers as string[] | undefined) ?? []
  if (reviewers.some(login => login.toLowerCase() === pull.author.toLowerCase())) {
    throw validationFailed('Review cannot be requested from pull request author.')
  }
  const unknownUser = reviewers.find(login => context.world.user(login) === undefined)
  if (unknownUser !== undefined) throw validationFailed(`Reviews may only be requested from collaborators.`)
  const unknownTeam = teams.find(slug => context.world.team(repository.owner, slug) === undefined)
  if (unknownTeam !== undefined) throw validationFailed(`Could not resolve to a team named ${unknownTeam}.`)
  for (const login of reviewers) {
    const canonical = context.world.user(login)?.login as string
    if (!pull.requestedUsers.includes(canonical)) pull.requestedUsers.push(canonical)
  }
  for (const slug of teams) {
    const canonical = context.world.team(repository.owner, slug)?.slug as string
    if (!pull.requestedTeams.includes(canonical)) pull.requestedTeams.push(canonical)
  }
  pull.updatedAt = timestamp()
  return { status: 201, body: context.resources.pullRequestSimple(repository, pull) }
}

/** Pull requests that merged the commit or contain it. */
const pullsForCommit: Handler = context => {
  const repository = repositoryOf(context)
  const sha = context.pathParams.commit_sha
  if (context.world.git.get(sha) === undefined)
    throw new HttpError(409, errorBody(`No commit found for SHA: ${sha}`))
  const pulls = [...repository.pulls.values()].filter(
    pull =>
      pull.mergeCommitSha === sha ||
      context.world.git
        .commitsSince(context.world.mergeBase(repository, pull).sha, context.world.headSha(pull))
        .some(commit => commit.sha === sha)
  )
  return paginate(context, pulls, pull => context.resources.pullRequestSimple(repository, pull))
}

export const pullHandlers: Record<string, Handler> = {
  'pulls/list': listPulls,
  'pulls/create': createPull,
  'pulls/get': getPull,
  'pulls/update': updatePull,
  'pulls/list-files': listFiles,
  'pulls/list-commits': listPullCommits,
  'pulls/check-if-merged': checkIfMerged,
  'pulls/merge': mergePull,
  'pulls/request-reviewers': requestReviewers,
  'repos/list-pull-requests-associated-with-commit': pullsForCommit
}
