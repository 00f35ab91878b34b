import { blobSha } from '../git.js'
import {
  errorBody,
  type Handler,
  HttpError,
  notFound,
  paginate,
  repositoryOf,
  requireWrite,
  stringOption,
  validationFailed
} from '../http.js'

/** `heads/<branch>` (the only kind of reference the stand-in keeps) → the branch name. */
function branchOfRef(ref: string): string | undefined {
  const match = /^(?:refs\/)?heads\/(.+)$/.exec(ref)
  return match?.[1]
}

/**
 * A merge queue's branches (`gh-readonly-queue/<base>/…`) are the queue's: GitHub creates, updates and deletes them
 * itself ("Managing a merge queue", docs.github.com), and refuses anyone else's write to them, as the stand-in does
 * (its queue writes through World.enqueue, not through this API).
 */
function refuseQueueBranch(branch: string): void {
  if (branch.startsWith('gh-readonly-queue/')) {
    throw validationFailed(`Cannot write ${branch}: merge queue branches are written by the merge queue only`)
  }
}

const getRef: Handler = context => {
  const repository = repositoryOf(context)
  const branch = branchOfRef(context.pathParams.ref)
  const sha = branch === undefined ? undefined : repository.branches.get(branch)
  if (branch === undefined || sha === undefined) throw notFound()
  return { status: 200, body: context.resources.gitRef(repository, branch, sha) }
}

const createRef: Handler = context => {
  const repository = repositoryOf(context)
  requireWrite(context, repository)
  const ref = String(context.body.ref)
  const sha = String(context.body.sha)
  const branch = /^refs\/heads\/(.+)$/.exec(ref)?.[1]
  if (branch === undefined)
    throw validationFailed('Reference name must be refs/heads/<branch> in the stand-in')
  refuseQueueBranch(branch)
  if (context.world.git.get(sha) === undefined) throw validationFailed('Object does not exist')
  if (repository.branches.has(branch)) throw validationFailed('Reference already exists')
  context.world.moveBranch(repository, branch, sha, context.user.login)
  return { status: 201, body: context.resources.gitRef(repository, branch, sha) }
}

const updateRef: Handler = context => {
  const repository = repositoryOf(context)
  requireWrite(context, repository)
  const branch = branchOfRef(context.pathParams.ref)
  const current = branch === undefined ? undefined : repository.branches.get(branch)
  if (branch === undefined || current === undefined) throw validationFailed('Reference does not exist')
  refuseQueueBranch(branch)
  const sha = String(context.body.sha)
  if (context.world.git.get(sha) === undefined) throw validationFailed('Object does not exist')
  const fastForward = context.world.git.history(sha).some(commit => commit.sha === current)
  if (!fastForward && context.body.force !== true) throw validationFailed('Update is not a fast forward')
  context.world.moveBranch(repository, branch, sha, context.user.login)
  return { status: 200, body: context.resources.gitRef(repository, branch, sha) }
}

const getContent: Handler = context => {
  const repository = repositoryOf(context)
  const ref = stringOption(context.query.ref) ?? repository.defaultBranch
  const sha = context.world.resolve(repository, ref)
  const content = sha === undefined ? undefined : context.world.commit(sha).tree.get(context.pathParams.path)
  if (content === undefined) throw notFound()
  return {
    status: 200,
    body: context.resources.contentFile(repository, context.pathParams.path, ref, content)
  }
}

/** PUT contents: a commit by the caller on the branch; updating needs the sha of the blob being replaced. */
const putContent: Handler = context => {
  const repository = repositoryOf(context)
  requireWrite(context, repository)
  const path = context.pathParams.path
  const branch = stringOption(context.body.branch) ?? repository.defaultBranch
  refuseQueueBranch(branch)
  const tip = repository.branches.get(branch)
  if (tip === undefined) throw new HttpError(404, errorBody(`Branch ${branch} not found`))
  const existing = context.world.commit(tip).tree.get(path)
  const givenSha = stringOption(context.body.sha)
  if (existing !== undefined && givenSha === undefined) {
    throw validationFailed(`Invalid request.\n\n"sha" wasn't supplied.`)
  }
  if (existing !== undefined && givenSha !== blobSha(existing)) {
    throw new HttpError(409, errorBody(`${path} does not match ${givenSha}`))
  }
  const content = Buffer.from(String(context.body.content), 'base64').toString('utf8')
  const commit = context.world.commitFiles(
    repository,
    branch,
    [[path, content]],
    String(context.body.message),
    context.user.login,
    givenIdentity(context.body.author) ?? givenIdentity(context.body.committer)
  )
  return {
    status: existing === undefined ? 201 : 200,
    body: context.resources.fileCommit(repository, path, branch, content, commit)
  }
}

/** DELETE contents: a commit by the caller removing the file; the sha of the blob being removed is required. */
const deleteContent: Handler = context => {
  const repository = repositoryOf(context)
  requireWrite(context, repository)
  const path = context.pathParams.path
  const branch = stringOption(context.body.branch) ?? repository.defaultBranch
  refuseQueueBranch(branch)
  const tip = repository.branches.get(branch)
  const existing = tip === undefined ? undefined : context.world.commit(tip).tree.get(path)
  if (existing === undefined) throw notFound()
  if (context.body.sha !== blobSha(existing)) {
    throw new HttpError(409, errorBody(`${path} does not match ${String(context.body.sha)}`))
  }
  const commit = context.world.commitFiles(
    repository,
    branch,
    [[path, undefined]],
    String(context.body.message),
    context.user.login
  )
  const fileCommit = context.resources.fileCommit(repository, path, branch, existing, commit)
  return { status: 200, body: { ...fileCommit, content: null } }
}

/**
 * The contents API commits under the `author`/`committer` it is given, whoever calls it
 * (https://docs.github.com/rest/repos/contents#create-or-update-file-contents): commit identities prove nothing.
 */
function givenIdentity(value: unknown): { name: string; email: string } | undefined {
  if (value === null || typeof value !== 'object') return undefined
  const { name, email } = value as { name?: unknown; email?: unknown }
  return typeof name === 'string' && typeof email === 'string' ? { name, email } : undefined
}

/** Newest first, from a branch or sha; with `path`, only commits that changed that path. */
const listCommits: Handler = context => {
  const repository = repositoryOf(context)
  const start = context.world.resolve(repository, stringOption(context.query.sha) ?? repository.defaultBranch)
  if (start === undefined) throw notFound()
  const path = stringOption(context.query.path)
  const commits = context.world.git.history(start).filter(commit => {
    if (path === undefined) return true
    const parent = commit.parents[0] === undefined ? undefined : context.world.commit(commit.parents[0])
    const touches = (tree: ReadonlyMap<string, string>) =>
      [...tree.keys()].filter(file => file === path || file.startsWith(`${path}/`))
    const before = parent === undefined ? [] : touches(parent.tree).map(file => [file, parent.tree.get(file)])
    const after = touches(commit.tree).map(file => [file, commit.tree.get(file)])
    return JSON.stringify(before) !== JSON.stringify(after)
  })
  return paginate(context, commits, commit => context.resources.commit(repository, commit))
}

export const gitHandlers: Record<string, Handler> = {
  'git/get-ref': getRef,
  'git/create-ref': createRef,
  'git/update-ref': updateRef,
  'repos/get-content': getContent,
  'repos/create-or-update-file-contents': putContent,
  'repos/delete-file': deleteContent,
  'repos/list-commits': listCommits
}
