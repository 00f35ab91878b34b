import { randomBytes } from 'node:crypto'
import {
  applyChanges,
  CommitStore,
  diffTrees,
  type Commit,
  type FileChange,
  type GitIdentity
} from './git.js'

export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read'
export type MergeMethod = 'merge' | 'squash' | 'rebase'

export interface User {
  login: string
  id: number
  type: 'User' | 'Bot'
  token: string
  /** Verified e-mail addresses: commits under one of them are shown as this user's. */
  emails: string[]
}

/**
 * One entry of the repository activity API (https://docs.github.com/rest/repos/repos#list-repository-activities):
 * every change of a branch with the account that made it, whatever the commits inside say about their authors.
 */
export interface Activity {
  id: number
  ref: string
  before: string
  after: string
  type: 'push' | 'force_push' | 'branch_creation' | 'branch_deletion' | 'pr_merge' | 'merge_queue_merge'
  actor: string
  timestamp: string
}

export const NO_COMMIT = '0000000000000000000000000000000000000000'

export interface Organization {
  login: string
  id: number
}

export interface Team {
  id: number
  org: string
  slug: string
  members: Set<string>
  maintainers: Set<string>
}

export interface Label {
  id: number
  name: string
  color: string
  description: string | null
}

export interface PullRequest {
  id: number
  number: number
  title: string
  body: string | null
  state: 'open' | 'closed'
  author: string
  headRepo: string
  headRef: string
  baseRef: string
  /** Head and base as they were when the pull request was last closed; open ones follow their branches. */
  closedHeadSha?: string
  closedBaseSha?: string
  /**
   * The base branch's tip when the pull request was opened or its head last moved: what GitHub reports as
   * `base.sha`. GitHub does not update it when only the base branch moves (github/docs#431 shows a `base.sha`
   * older than the first commit's parent), so it can be far behind the base branch at merge time.
   */
  reportedBaseSha: string
  createdAt: string
  updatedAt: string
  closedAt: string | null
  mergedAt: string | null
  mergedBy: string | null
  mergeCommitSha: string | null
  requestedUsers: string[]
  requestedTeams: string[]
}

export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED'

export interface Review {
  id: number
  pull: number
  author: string
  state: ReviewState
  body: string
  commitId: string
  submittedAt: string
}

export type IssueStateReason = 'completed' | 'not_planned' | 'duplicate' | 'reopened'

/** A plain issue; pull requests are issues too on GitHub, but the stand-in keeps them in `pulls`. */
export interface Issue {
  id: number
  number: number
  title: string
  body: string | null
  state: 'open' | 'closed'
  stateReason: IssueStateReason | null
  author: string
  assignees: string[]
  createdAt: string
  updatedAt: string
  closedAt: string | null
  closedBy: string | null
}

export interface WorkflowRun {
  id: number
  runNumber: number
  workflowId: number
  checkSuiteId: number
  name: string
  path: string
  event: string
  actor: string
  triggeringActor: string
  /** The repository the head branch lives in (a fork for pull requests from forks). */
  headRepo: string
  headBranch: string | null
  headSha: string
  runAttempt: number
  createdAt: string
}

export interface IssueComment {
  id: number
  issue: number
  author: string
  body: string
  createdAt: string
  updatedAt: string
}

export interface DeploymentStatus {
  id: number
  state: string
  description: string
  environment: string
  environmentUrl: string
  logUrl: string
  creator: string
  createdAt: string
}

export interface Deployment {
  id: number
  sha: string
  ref: string
  task: string
  environment: string
  originalEnvironment: string
  payload: unknown
  description: string | null
  productionEnvironment: boolean
  transientEnvironment: boolean
  creator: string
  createdAt: string
  updatedAt: string
  statuses: DeploymentStatus[]
}

export interface Repository {
  id: number
  owner: string
  name: string
  fullName: string
  defaultBranch: string
  createdAt: string
  pushedAt: string
  /** The full name of the repository this one was forked from. */
  parent?: string
  branches: Map<string, string>
  collaborators: Map<string, Permission>
  /** Issues and pull requests share one sequence of numbers, as on GitHub. */
  nextIssueNumber: number
  pulls: Map<number, PullRequest>
  issues: Map<number, Issue>
  reviews: Review[]
  comments: IssueComment[]
  labels: Map<string, Label>
  issueLabels: Map<number, string[]>
  deployments: Deployment[]
  workflowRuns: Map<number, WorkflowRun>
  activities: Activity[]
  dispatches: RepositoryDispatch[]
  /** The merge queue of the default branch, first in line first. */
  mergeQueue: MergeGroup[]
}

/** The account GitHub's merge queue acts as. */
export const MERGE_QUEUE_BOT = 'github-merge-queue[bot]'

/** One entry of a merge queue: the commit GitHub made for a pull request on top of the entries ahead of it. */
export interface MergeGroup {
  pullNumber: number
  /** The branch holding the group's commit, without `refs/heads/`. */
  ref: string
  baseRef: string
  baseSha: string
  headSha: string
}

/** A `repository_dispatch` event sent through the API, as the workflows it starts would see it. */
export interface RepositoryDispatch {
  eventType: string
  clientPayload: Record<string, unknown>
  sender: string
}

export interface RepositoryOptions {
  files?: Record<string, string>
  defaultBranch?: string
  collaborators?: Record<string, Permission>
}

/** GitHub's timestamps: ISO 8601 in UTC without milliseconds. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

const key = (name: string) => name.toLowerCase()

/** Everything the stand-in knows: accounts, repositories, their Git history and their pull requests. */
export class World {
  readonly git = new CommitStore()
  /**
   * Authenticated requests still to be refused by a rate limit, as GitHub refuses them
   * (docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit): `primary`
   * answers 403 with `x-ratelimit-remaining: 0` and the reset time, `secondary` 403 with `retry-after` and the
   * message "You have exceeded a secondary rate limit".
   */
  readonly rateLimited: { kind: 'primary' | 'secondary'; remaining: number } = {
    kind: 'secondary',
    remaining: 0
  }
  /** Run (once) before the first request it matches is served: what another client did in the meantime. */
  interleave?: { matches: (method: string, path: string) => boolean; act: () => Promise<void> }
  readonly users = new Map<string, User>()
  readonly organizations = new Map<string, Organization>()
  readonly teams = new Map<string, Team>()
  readonly repositories = new Map<string, Repository>()
  private lastId = 1000

  newId(): number {
    this.lastId += 1
    return this.lastId
  }

  addUser(login: string, type: 'User' | 'Bot' = 'User'): User {
    const existing = this.users.get(key(login))
    if (existing !== undefined) return existing
    const user = {
      login,
      id: this.newId(),
      type,
      token: `ghs_${randomBytes(18).toString('hex')}`,
      emails: [noreplyEmail(login)]
    }
    this.users.set(key(login), user)
    return user
  }

  user(login: string): User | undefined {
    return this.users.get(key(login))
  }

  /** The user GitHub links a commit e-mail to; none for an e-mail no account has verified. */
  userByEmail(email: string): User | undefined {
    return [...this.users.values()].find(user => user.emails.includes(email.toLowerCase()))
  }

  /** The identity a commit made for a user through the API carries. */
  identityOf(login: string): GitIdentity {
    return { name: login, email: noreplyEmail(login) }
  }

  userByToken(token: string): User | undefined {
    return [...this.users.values()].find(user => user.token === token)
  }

  /** The account type GitHub reports for a login: a user, a bot or an organization. */
  accountType(login: string): 'User' | 'Bot' | 'Organization' {
    if (this.organizations.has(key(login))) return 'Organization'
    return this.user(login)?.type ?? 'User'
  }

  accountId(login: string): number {
    return this.organizations.get(key(login))?.id ?? this.addUser(login).id
  }

  addOrganization(login: string): Organization {
    let organization = this.organizations.get(key(login))
    if (organization === undefined) {
      organization = { login, id: this.newId() }
      this.organizations.set(key(login), organization)
    }
    return organization
  }

  addTeam(org: string, slug: string, members: string[], maintainers: string[] = []): Team {
    this.addOrganization(org)
    for (const login of [...members, ...maintainers]) this.addUser(login)
    const team: Team = {
      id: this.newId(),
      org,
      slug,
      members: new Set(members.map(key)),
      maintainers: new Set(maintainers.map(key))
    }
    this.teams.set(`${key(org)}/${key(slug)}`, team)
    return team
  }

  team(org: string, slug: string): Team | undefined {
    return this.teams.get(`${key(org)}/${key(slug)}`)
  }

  createRepo(fullName: string, options: RepositoryOptions = {}): Repository {
    const [owner, name] = splitFullName(fullName)
    if (this.repositories.has(key(fullName))) throw new Error(`Repository ${fullName} already exists`)
    if (!this.organizations.has(key(owner))) this.addUser(owner)
    const defaultBranch = options.defaultBranch ?? 'main'
    const initial = this.git.create({
      parents: [],
      tree: new Map(Object.entries(options.files ?? {})),
      message: 'Initial commit',
      author: owner,
      identity: this.identityOf(owner),
      date: timestamp()
    })
    const repository = this.newRepository(owner, name, defaultBranch)
    this.moveBranch(repository, defaultBranch, initial.sha, owner)
    for (const [login, permission] of Object.entries(options.collaborators ?? {})) {
      this.addUser(login)
      repository.collaborators.set(key(login), permission)
    }
    return repository
  }

  /** Forks `source` into `owner`'s account, or returns the fork that already exists, as GitHub does. */
  fork(source: Repository, owner: string): Repository {
    const existing = this.repository(`${owner}/${source.name}`)
    if (existing !== undefined && existing.parent === source.fullName) return existing
    const fork = this.newRepository(owner, source.name, source.defaultBranch)
    fork.parent = source.fullName
    for (const [branch, sha] of source.branches) fork.branches.set(branch, sha)
    return fork
  }

  repository(fullName: string): Repository | undefined {
    return this.repositories.get(key(fullName))
  }

  requireRepository(fullName: string): Repository {
    const repository = this.repository(fullName)
    if (repository === undefined) throw new Error(`No repository ${fullName}`)
    return repository
  }

  /** The highest repository role of a login; everyone may read, since every repository is public. */
  permission(repository: Repository, login: string): Permission {
    if (key(login) === key(repository.owner)) return 'admin'
    return repository.collaborators.get(key(login)) ?? 'read'
  }

  canWrite(repository: Repository, login: string): boolean {
    return ['admin', 'maintain', 'write'].includes(this.permission(repository, login))
  }

  /** A branch name (`main`, `heads/main`, `refs/heads/main`) or a commit sha, as a commit sha. */
  resolve(repository: Repository, ref: string): string | undefined {
    const branch = ref.replace(/^refs\//, '').replace(/^heads\//, '')
    const tip = repository.branches.get(branch)
    if (tip !== undefined) return tip
    return this.git.get(ref) === undefined ? undefined : ref
  }

  commit(sha: string): Commit {
    const commit = this.git.get(sha)
    if (commit === undefined) throw new Error(`No commit ${sha}`)
    return commit
  }

  /**
   * Commits file changes (`undefined` deletes) on top of a branch and moves the branch to the new commit, as a
   * push by `pusher`. The commit carries `identity` (the contents API takes any `author`/`committer`), which need
   * not be the pusher's.
   */
  commitFiles(
    repository: Repository,
    branch: string,
    files: Iterable<[string, string | undefined]>,
    message: string,
    pusher: string,
    identity: GitIdentity = this.identityOf(pusher)
  ): Commit {
    const tip = repository.branches.get(branch)
    if (tip === undefined) throw new Error(`No branch ${branch} in ${repository.fullName}`)
    const commit = this.git.create({
      parents: [tip],
      tree: applyChanges(this.commit(tip).tree, files),
      message,
      author: identity.name,
      identity,
      date: timestamp()
    })
    this.moveBranch(repository, branch, commit.sha, pusher)
    return commit
  }

  /**
   * Moves (or creates) a branch as `actor` did it, and records the activity GitHub lists for it. A move of a pull
   * request's head branch is an update of that pull request: its reported `base.sha` becomes the base's tip.
   */
  moveBranch(
    repository: Repository,
    branch: string,
    sha: string,
    actor: string,
    type?: Activity['type']
  ): void {
    const before = repository.branches.get(branch)
    const kind =
      type ??
      (before === undefined
        ? 'branch_creation'
        : this.git.history(sha).some(commit => commit.sha === before)
          ? 'push'
          : 'force_push')
    repository.branches.set(branch, sha)
    repository.pushedAt = timestamp()
    repository.activities.push({
      id: this.newId(),
      ref: `refs/heads/${branch}`,
      before: before ?? NO_COMMIT,
      after: sha,
      type: kind,
      actor,
      timestamp: repository.pushedAt
    })
    for (const other of this.repositories.values()) {
      for (const pull of other.pulls.values()) {
        if (pull.state === 'open' && pull.headRepo === repository.fullName && pull.headRef === branch) {
          pull.reportedBaseSha = other.branches.get(pull.baseRef) ?? pull.reportedBaseSha
          pull.updatedAt = repository.pushedAt
        }
      }
    }
  }

  headRepository(pull: PullRequest): Repository {
    return this.requireRepository(pull.headRepo)
  }

  headSha(pull: PullRequest): string {
    if (pull.state === 'closed' && pull.closedHeadSha !== undefined) return pull.closedHeadSha
    return this.headRepository(pull).branches.get(pull.headRef) ?? (pull.closedHeadSha as string)
  }

  baseSha(repository: Repository, pull: PullRequest): string {
    if (pull.state === 'closed' && pull.closedBaseSha !== undefined) return pull.closedBaseSha
    return repository.branches.get(pull.baseRef) ?? (pull.closedBaseSha as string)
  }

  mergeBase(repository: Repository, pull: PullRequest): Commit {
    const base = this.baseSha(repository, pull)
    return this.git.mergeBase(base, this.headSha(pull)) ?? this.commit(base)
  }

  /** What the pull request changes: the head compared with its merge base, as GitHub's "Files changed". */
  changes(repository: Repository, pull: PullRequest): FileChange[] {
    if (pull.mergedAt !== null && pull.mergeCommitSha !== null) {
      const merge = this.commit(pull.mergeCommitSha)
      return diffTrees(this.commit(merge.parents[0]).tree, merge.tree)
    }
    return diffTrees(this.mergeBase(repository, pull).tree, this.commit(this.headSha(pull)).tree)
  }

  /** Paths changed differently on both sides since the merge base. */
  conflicts(repository: Repository, pull: PullRequest): string[] {
    const mergeBase = this.mergeBase(repository, pull)
    const baseTree = this.commit(this.baseSha(repository, pull)).tree
    const headTree = this.commit(this.headSha(pull)).tree
    const changedOnBase = new Set(diffTrees(mergeBase.tree, baseTree).map(change => change.path))
    return diffTrees(mergeBase.tree, headTree)
      .filter(change => changedOnBase.has(change.path) && baseTree.get(change.path) !== change.after)
      .map(change => change.path)
  }

  close(repository: Repository, pull: PullRequest): void {
    pull.closedHeadSha = this.headSha(pull)
    pull.closedBaseSha = this.baseSha(repository, pull)
    pull.state = 'closed'
    pull.closedAt = timestamp()
    pull.updatedAt = pull.closedAt
  }

  reopen(pull: PullRequest): void {
    pull.state = 'open'
    pull.closedAt = null
    pull.updatedAt = timestamp()
  }

  /**
   * Merges like GitHub's button: the base tip's tree with the head's changes since the merge base applied,
   * committed on the base branch with two parents for `merge` and one for `squash` and `rebase`.
   */
  merge(
    repository: Repository,
    pull: PullRequest,
    method: MergeMethod,
    login: string,
    message: string
  ): Commit {
    const baseTip = this.baseSha(repository, pull)
    const commit = this.mergeCommit(repository, pull, baseTip, method, login, message)
    this.moveBranch(repository, pull.baseRef, commit.sha, login, 'pr_merge')
    this.closeMerged(repository, pull, baseTip, login, commit.sha)
    return commit
  }

  /**
   * Adds a pull request to the merge queue of its base branch (docs.github.com, "Managing a merge queue"): GitHub
   * merges it onto the queue's tip (the base branch, or the group ahead of it) as a commit on a branch of its own,
   * `gh-readonly-queue/<base>/pr-<number>-<base sha>`, that no one else can push to, and runs the required checks
   * on that commit (`merge_group` events).
   */
  enqueue(repository: Repository, pull: PullRequest): MergeGroup {
    const queue = repository.mergeQueue
    const baseSha = queue.at(-1)?.headSha ?? (repository.branches.get(pull.baseRef) as string)
    const commit = this.mergeCommit(
      repository,
      pull,
      baseSha,
      'merge',
      MERGE_QUEUE_BOT,
      `Merge pull request #${pull.number} from ${this.headRepository(pull).owner}/${pull.headRef}\n\n${pull.title}`
    )
    const ref = `gh-readonly-queue/${pull.baseRef}/pr-${pull.number}-${baseSha}`
    this.moveBranch(repository, ref, commit.sha, MERGE_QUEUE_BOT, 'branch_creation')
    const group: MergeGroup = {
      pullNumber: pull.number,
      ref,
      baseRef: pull.baseRef,
      baseSha,
      headSha: commit.sha
    }
    queue.push(group)
    return group
  }

  /**
   * The queue merges its first group: the base branch moves to the group's commit (a `merge_queue_merge` by
   * github-merge-queue[bot]), the pull request is merged by the bot with that commit as its merge commit, and the
   * group's branch is deleted.
   */
  mergeFirstInQueue(repository: Repository): PullRequest {
    const group = repository.mergeQueue.shift()
    if (group === undefined) throw new Error(`The merge queue of ${repository.fullName} is empty`)
    const pull = repository.pulls.get(group.pullNumber) as PullRequest
    const baseTip = repository.branches.get(group.baseRef) as string
    if (baseTip !== group.baseSha) throw new Error(`${group.ref} is not on top of ${group.baseRef} any more`)
    this.moveBranch(repository, group.baseRef, group.headSha, MERGE_QUEUE_BOT, 'merge_queue_merge')
    this.closeMerged(repository, pull, baseTip, MERGE_QUEUE_BOT, group.headSha)
    this.deleteBranch(repository, group.ref, MERGE_QUEUE_BOT)
    return pull
  }

  deleteBranch(repository: Repository, branch: string, actor: string): void {
    const before = repository.branches.get(branch)
    if (before === undefined) return
    repository.branches.delete(branch)
    repository.activities.push({
      id: this.newId(),
      ref: `refs/heads/${branch}`,
      before,
      after: NO_COMMIT,
      actor,
      type: 'branch_deletion',
      timestamp: timestamp()
    })
  }

  private closeMerged(
    repository: Repository,
    pull: PullRequest,
    baseTip: string,
    login: string,
    mergeSha: string
  ): void {
    this.close(repository, pull)
    pull.closedBaseSha = baseTip
    pull.mergedAt = pull.closedAt
    pull.mergedBy = login
    pull.mergeCommitSha = mergeSha
  }

  /** The commit a merge of `pull` onto `baseTip` makes: the base's tree with the head's changes applied. */
  private mergeCommit(
    repository: Repository,
    pull: PullRequest,
    baseTip: string,
    method: MergeMethod,
    login: string,
    message: string
  ): Commit {
    const headSha = this.headSha(pull)
    const changes = diffTrees(this.mergeBase(repository, pull).tree, this.commit(headSha).tree)
    const author = method === 'merge' ? login : pull.author
    const commit = this.git.create({
      parents: method === 'merge' ? [baseTip, headSha] : [baseTip],
      tree: applyChanges(
        this.commit(baseTip).tree,
        changes.flatMap((change): [string, string | undefined][] =>
          change.previousPath === undefined
            ? [[change.path, change.after]]
            : [
                [change.previousPath, undefined],
                [change.path, change.after]
              ]
        )
      ),
      message,
      author,
      identity: this.identityOf(author),
      date: timestamp()
    })
    return commit
  }

  /** Whether an issue or a pull request holds the number. */
  hasIssueNumber(repository: Repository, number: number): boolean {
    return repository.issues.has(number) || repository.pulls.has(number)
  }

  closeIssue(issue: Issue, login: string, reason: IssueStateReason = 'completed'): void {
    issue.state = 'closed'
    issue.stateReason = reason
    issue.closedAt = timestamp()
    issue.closedBy = login
    issue.updatedAt = issue.closedAt
  }

  reopenIssue(issue: Issue): void {
    issue.state = 'open'
    issue.stateReason = 'reopened'
    issue.closedAt = null
    issue.closedBy = null
    issue.updatedAt = timestamp()
  }

  /** Workflow run ids are unique across repositories, as on GitHub. */
  workflowRunIdTaken(id: number): boolean {
    return [...this.repositories.values()].some(repository => repository.workflowRuns.has(id))
  }

  addWorkflowRun(
    repository: Repository,
    fields: Omit<WorkflowRun, 'id' | 'runNumber' | 'workflowId' | 'checkSuiteId' | 'createdAt'> & {
      id?: number
    }
  ): WorkflowRun {
    let id = fields.id
    if (id !== undefined && this.workflowRunIdTaken(id)) throw new Error(`Workflow run ${id} already exists`)
    while (id === undefined || this.workflowRunIdTaken(id)) id = this.newId()
    const sameWorkflow = [...repository.workflowRuns.values()].find(run => run.path === fields.path)
    const run: WorkflowRun = {
      ...fields,
      id,
      runNumber: [...repository.workflowRuns.values()].filter(other => other.path === fields.path).length + 1,
      workflowId: sameWorkflow?.workflowId ?? this.newId(),
      checkSuiteId: this.newId(),
      createdAt: timestamp()
    }
    repository.workflowRuns.set(id, run)
    return run
  }

  private newRepository(owner: string, name: string, defaultBranch: string): Repository {
    const now = timestamp()
    const repository: Repository = {
      id: this.newId(),
      owner,
      name,
      fullName: `${owner}/${name}`,
      defaultBranch,
      createdAt: now,
      pushedAt: now,
      branches: new Map(),
      collaborators: new Map(),
      nextIssueNumber: 1,
      pulls: new Map(),
      issues: new Map(),
      reviews: [],
      comments: [],
      labels: new Map(),
      issueLabels: new Map(),
      deployments: [],
      workflowRuns: new Map(),
      activities: [],
      dispatches: [],
      mergeQueue: []
    }
    this.repositories.set(key(repository.fullName), repository)
    return repository
  }
}

/** The no-reply address GitHub gives every account; the stand-in's users have verified it. */
export function noreplyEmail(login: string): string {
  return `${login}@users.noreply.github.test`.toLowerCase()
}

export function splitFullName(fullName: string): [string, string] {
  const [owner, name, ...rest] = fullName.split('/')
  if (!owner || !name || rest.length > 0) throw new Error(`Expected owner/name, got ${fullName}`)
  return [owner, name]
}
