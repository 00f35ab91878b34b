import { getOctokit } from '@actions/github'
import { blobSha, diffTrees } from './git.js'
import type { Json } from './http.js'
import { Resources } from './resources.js'
import { StandInServer, type RequestRecord, type Violation } from './server.js'
import {
  MERGE_QUEUE_BOT,
  NO_COMMIT,
  noreplyEmail,
  splitFullName,
  World,
  type MergeMethod,
  type Permission,
  type Repository,
  type RepositoryDispatch
} from './state.js'
import { assertWebhookPayload, WebhookPayloads } from './webhooks.js'

export type Octokit = ReturnType<typeof getOctokit>
export type ReviewEvent = 'APPROVE' | 'REQUEST_CHANGES' | 'COMMENT'
export type PullRequestAction = 'opened' | 'synchronize' | 'closed' | 'reopened'

export interface RepoOptions {
  files?: Record<string, string>
  defaultBranch?: string
  collaborators?: Record<string, Permission>
}

export interface OpenPullRequestOptions {
  branch: string
  /** New file contents; `null` deletes the file. */
  files: Record<string, string | null>
  title: string
  body?: string
  base?: string
  /** Push the branch to the author's fork (created on demand) and open the pull request from there. */
  fromFork?: boolean
}

export interface WorkflowRunOptions {
  /** Defaults to a fresh id; run ids are unique across repositories. */
  id?: number
  event: string
  actor: string
  /** Who started this attempt (differs from `actor` on re-runs); defaults to `actor`. */
  triggeringActor?: string
  /** Defaults to the default branch. */
  headBranch?: string
  /** Defaults to the tip of `headBranch` (so the default branch's tip when neither is given). */
  headSha?: string
  runAttempt?: number
  /** The repository `headBranch` lives in, for runs of pull requests from forks; defaults to `repo`. */
  headRepository?: string
}

/**
 * A stateful GitHub REST API on loopback for tests. Every request and response is checked against GitHub's
 * OpenAPI description; departures are collected in `violations`, which `assertNoViolations` turns into a failure.
 * World building and inspection act on state directly; the acting-as-a-person helpers go through the HTTP API.
 */
export class GitHubStandIn {
  readonly requests: RequestRecord[] = []
  readonly violations: Violation[] = []
  readonly htmlUrl = 'http://github.test'
  private readonly world = new World()
  private readonly clients = new Map<string, Octokit>()
  private resources!: Resources
  private server!: StandInServer
  private baseUrl = ''

  private constructor() {}

  static async start(): Promise<GitHubStandIn> {
    const standIn = new GitHubStandIn()
    standIn.server = new StandInServer(standIn.world, () => standIn.resources, standIn)
    const port = await standIn.server.listen()
    standIn.baseUrl = `http://127.0.0.1:${port}`
    standIn.resources = new Resources(standIn.world, standIn.baseUrl, standIn.htmlUrl)
    return standIn
  }

  /** What GITHUB_API_URL is set to. */
  get url(): string {
    return this.baseUrl
  }

  stop(): Promise<void> {
    return this.server.close()
  }

  // ---- world building --------------------------------------------------------------------------------

  addUser(
    login: string,
    options: { type?: 'User' | 'Bot' } = {}
  ): { login: string; id: number; token: string } {
    const { id, token } = this.world.addUser(login, options.type)
    return { login, id, token }
  }

  addTeam(org: string, slug: string, members: string[], options: { maintainers?: string[] } = {}): void {
    this.world.addTeam(org, slug, members, options.maintainers)
  }

  createRepo(fullName: string, options: RepoOptions = {}): void {
    this.world.createRepo(fullName, options)
  }

  /**
   * Records a run of the workflow `.github/workflows/ci.yml` (named `CI`), `in_progress`, as
   * actions/get-workflow-run will answer it.
   */
  addWorkflowRun(repo: string, options: WorkflowRunOptions): { id: number } {
    const repository = this.world.requireRepository(repo)
    const headRepository =
      options.headRepository === undefined ? repository : this.world.requireRepository(options.headRepository)
    const headBranch = options.headBranch ?? repository.defaultBranch
    const headSha =
      options.headSha ??
      headRepository.branches.get(headBranch) ??
      (repository.branches.get(repository.defaultBranch) as string)
    for (const login of [options.actor, options.triggeringActor ?? options.actor]) this.world.addUser(login)
    const run = this.world.addWorkflowRun(repository, {
      id: options.id,
      name: 'CI',
      path: '.github/workflows/ci.yml',
      event: options.event,
      actor: options.actor,
      triggeringActor: options.triggeringActor ?? options.actor,
      headRepo: headRepository.fullName,
      headBranch,
      headSha,
      runAttempt: options.runAttempt ?? 1
    })
    return { id: run.id }
  }

  // ---- people acting through the HTTP API -----------------------------------------------------------

  as(login: string): Octokit {
    let client = this.clients.get(login.toLowerCase())
    if (client === undefined) {
      const user = this.world.user(login)
      if (user === undefined) throw new Error(`No user ${login}: call addUser first`)
      client = getOctokit(user.token, { baseUrl: this.url })
      this.clients.set(login.toLowerCase(), client)
    }
    return client
  }

  async openPullRequest(
    login: string,
    repo: string,
    options: OpenPullRequestOptions
  ): Promise<{ number: number; headSha: string }> {
    const [owner, name] = splitFullName(repo)
    const octokit = this.as(login)
    const base = options.base ?? (await octokit.rest.repos.get({ owner, repo: name })).data.default_branch
    const baseSha = (await octokit.rest.git.getRef({ owner, repo: name, ref: `heads/${base}` })).data.object
      .sha
    const target = options.fromFork
      ? (await octokit.rest.repos.createFork({ owner, repo: name })).data.full_name
      : repo
    const [targetOwner, targetName] = splitFullName(target)
    await octokit.rest.git.createRef({
      owner: targetOwner,
      repo: targetName,
      ref: `refs/heads/${options.branch}`,
      sha: baseSha
    })
    await this.pushFiles(login, target, options.branch, options.files, options.title)
    const { data } = await octokit.rest.pulls.create({
      owner,
      repo: name,
      head: options.fromFork ? `${targetOwner}:${options.branch}` : options.branch,
      base,
      title: options.title,
      ...(options.body === undefined ? {} : { body: options.body })
    })
    return { number: data.number, headSha: data.head.sha }
  }

  /**
   * Commits each file (one commit per file, as the contents API does) on a branch of `repo` as `login`; returns the
   * new tip. `identity` is the commit author and committer to claim (any e-mail, as with `git config user.email`).
   */
  async pushFiles(
    login: string,
    repo: string,
    branch: string,
    files: Record<string, string | null>,
    message = 'Update files',
    options: { identity?: { name: string; email: string } } = {}
  ): Promise<string> {
    const [owner, name] = splitFullName(repo)
    const octokit = this.as(login)
    for (const [path, content] of Object.entries(files)) {
      const current = this.readFile(repo, branch, path)
      const sha = current === undefined ? undefined : blobSha(current)
      if (content === null) {
        if (sha === undefined) continue
        await octokit.rest.repos.deleteFile({ owner, repo: name, path, branch, message, sha })
      } else {
        await octokit.rest.repos.createOrUpdateFileContents({
          owner,
          repo: name,
          path,
          branch,
          message,
          content: Buffer.from(content).toString('base64'),
          ...(sha === undefined ? {} : { sha }),
          ...(options.identity === undefined ? {} : { author: options.identity, committer: options.identity })
        })
      }
    }
    return this.branchSha(repo, branch) as string
  }

  async review(
    login: string,
    repo: string,
    pull: number,
    event: ReviewEvent,
    options: { commitId?: string; body?: string } = {}
  ): Promise<{ id: number }> {
    const [owner, name] = splitFullName(repo)
    const body = options.body ?? (event === 'APPROVE' ? undefined : `${event} by ${login}`)
    const { data } = await this.as(login).rest.pulls.createReview({
      owner,
      repo: name,
      pull_number: pull,
      event,
      ...(body === undefined ? {} : { body }),
      ...(options.commitId === undefined ? {} : { commit_id: options.commitId })
    })
    return { id: data.id }
  }

  async dismissReview(
    login: string,
    repo: string,
    pull: number,
    reviewId: number,
    message: string
  ): Promise<void> {
    const [owner, name] = splitFullName(repo)
    await this.as(login).rest.pulls.dismissReview({
      owner,
      repo: name,
      pull_number: pull,
      review_id: reviewId,
      message
    })
  }

  async merge(
    login: string,
    repo: string,
    pull: number,
    method: MergeMethod = 'merge'
  ): Promise<{ sha: string }> {
    const [owner, name] = splitFullName(repo)
    const { data } = await this.as(login).rest.pulls.merge({
      owner,
      repo: name,
      pull_number: pull,
      merge_method: method
    })
    return { sha: data.sha }
  }

  /**
   * Adds an open pull request to the merge queue (a person's click; GitHub checks nothing of the gate's here) and
   * returns the `merge_group` event (`checks_requested`) that the required checks run on.
   */
  enqueue(repo: string, number: number): Json {
    const repository = this.world.requireRepository(repo)
    const pull = repository.pulls.get(number)
    if (pull === undefined || pull.state !== 'open') throw new Error(`#${number} is not an open pull request`)
    this.world.addUser(MERGE_QUEUE_BOT, 'Bot')
    const group = this.world.enqueue(repository, pull)
    const payloads = this.webhooks()
    const commit = payloads.commit(repository, this.world.commit(group.headSha))
    const payload: Json = {
      action: 'checks_requested',
      merge_group: {
        head_sha: group.headSha,
        head_ref: `refs/heads/${group.ref}`,
        base_sha: group.baseSha,
        base_ref: `refs/heads/${group.baseRef}`,
        head_commit: {
          id: commit.id,
          tree_id: commit.tree_id,
          message: commit.message,
          timestamp: commit.timestamp,
          author: { name: MERGE_QUEUE_BOT, email: noreplyEmail(MERGE_QUEUE_BOT) },
          committer: { name: 'GitHub', email: 'noreply@github.com' }
        }
      },
      repository: payloads.repository(repository),
      sender: payloads.user(MERGE_QUEUE_BOT)
    }
    assertWebhookPayload('merge_group$checks_requested', payload)
    return payload
  }

  /** The merge queue merges its first group (its checks passed): see World.mergeFirstInQueue. */
  mergeFromQueue(repo: string): { number: number; sha: string } {
    const pull = this.world.mergeFirstInQueue(this.world.requireRepository(repo))
    return { number: pull.number, sha: pull.mergeCommitSha as string }
  }

  async closePullRequest(login: string, repo: string, pull: number): Promise<void> {
    const [owner, name] = splitFullName(repo)
    await this.as(login).rest.pulls.update({ owner, repo: name, pull_number: pull, state: 'closed' })
  }

  /**
   * Like GitHub's "Revert" button: branch `revert-<n>-<head branch>` off the default branch restores every file
   * the merged pull request changed to its content before the merge, and a pull request proposes it.
   */
  async revertPullRequest(
    login: string,
    repo: string,
    pull: number
  ): Promise<{ number: number; headSha: string }> {
    const repository = this.world.requireRepository(repo)
    const original = repository.pulls.get(pull)
    if (original?.mergeCommitSha == null) throw new Error(`${repo}#${pull} is not merged`)
    const merge = this.world.commit(original.mergeCommitSha)
    const before = this.world.commit(merge.parents[0]).tree
    const files = Object.fromEntries(
      diffTrees(before, merge.tree).map(change => [change.path, before.get(change.path) ?? null])
    )
    return this.openPullRequest(login, repo, {
      branch: `revert-${pull}-${original.headRef}`,
      base: repository.defaultBranch,
      files,
      title: `Revert "${original.title}"`,
      body: `Reverts ${repository.fullName}#${pull}`
    })
  }

  // ---- inspection ----------------------------------------------------------------------------------

  /**
   * Before the first request matching `method` and `path` (a pattern on the path) is served, `act` runs to its end:
   * another client's work landing between a client's read and its write (a race, made deterministic).
   */
  interleave(method: string, path: RegExp, act: () => Promise<void>): void {
    this.world.interleave = { matches: (m, p) => m === method && path.test(p), act }
  }

  /** The next `count` authenticated requests are refused by GitHub's primary or secondary rate limit. */
  rateLimitNext(count: number, kind: 'primary' | 'secondary'): void {
    this.world.rateLimited.kind = kind
    this.world.rateLimited.remaining = count
  }

  readFile(repo: string, ref: string, path: string): string | undefined {
    const repository = this.world.requireRepository(repo)
    const sha = this.world.resolve(repository, ref)
    return sha === undefined ? undefined : this.world.commit(sha).tree.get(path)
  }

  /** The pushes GitHub's activity API lists for a branch, oldest first. */
  activities(repo: string, branch: string): { type: string; actor: string; before: string; after: string }[] {
    return this.world
      .requireRepository(repo)
      .activities.filter(activity => activity.ref === `refs/heads/${branch}`)
      .map(({ type, actor, before, after }) => ({ type, actor, before, after }))
  }

  branchSha(repo: string, branch: string): string | undefined {
    return this.world.requireRepository(repo).branches.get(branch)
  }

  pullRequest(repo: string, number: number): Json {
    const repository = this.world.requireRepository(repo)
    const pull = repository.pulls.get(number)
    if (pull === undefined) throw new Error(`No pull request ${repo}#${number}`)
    return this.resources.pullRequest(repository, pull)
  }

  pullRequests(repo: string): Json[] {
    const repository = this.world.requireRepository(repo)
    return [...repository.pulls.values()].map(pull => this.resources.pullRequest(repository, pull))
  }

  /** Plain issues (not pull requests) in number order, as issues/get answers them. */
  issues(repo: string): Json[] {
    const repository = this.world.requireRepository(repo)
    return [...repository.issues.values()]
      .sort((a, b) => a.number - b.number)
      .map(issue => this.resources.issue(repository, issue))
  }

  /** A plain issue as issues/get answers it. */
  issue(repo: string, number: number): Json {
    const repository = this.world.requireRepository(repo)
    const issue = repository.issues.get(number)
    if (issue === undefined) throw new Error(`No issue ${repo}#${number}`)
    return this.resources.issue(repository, issue)
  }

  comments(repo: string, issue: number): Json[] {
    const repository = this.world.requireRepository(repo)
    return repository.comments
      .filter(comment => comment.issue === issue)
      .map(comment => this.resources.comment(repository, comment))
  }

  labels(repo: string, issue: number): string[] {
    return [...(this.world.requireRepository(repo).issueLabels.get(issue) ?? [])]
  }

  requestedReviewers(repo: string, pull: number): { users: string[]; teams: string[] } {
    const found = this.world.requireRepository(repo).pulls.get(pull)
    return { users: [...(found?.requestedUsers ?? [])], teams: [...(found?.requestedTeams ?? [])] }
  }

  /** Deployments newest first, each with its statuses newest first (the order the API lists them in). */
  /** The repository_dispatch events sent to the repository, oldest first. */
  dispatches(repo: string): RepositoryDispatch[] {
    return [...this.world.requireRepository(repo).dispatches]
  }

  deployments(repo: string): (Json & { statuses: Json[] })[] {
    const repository = this.world.requireRepository(repo)
    return [...repository.deployments].reverse().map(deployment => ({
      ...this.resources.deployment(repository, deployment),
      statuses: [...deployment.statuses]
        .reverse()
        .map(status => this.resources.deploymentStatus(repository, deployment, status))
    }))
  }

  assertNoViolations(): void {
    if (this.violations.length === 0) return
    const listed = this.violations
      .map(
        v =>
          `- ${v.where} ${v.method} ${v.path}${v.status === undefined ? '' : ` (${v.status})`}:\n${v.errors}`
      )
      .join('\n')
    throw new Error(`The GitHub stand-in saw ${this.violations.length} OpenAPI violation(s):\n${listed}`)
  }

  /** Removes and returns the recorded violations (for tests that provoke one on purpose). */
  takeViolations(): Violation[] {
    return this.violations.splice(0, this.violations.length)
  }

  // ---- webhook payloads ----------------------------------------------------------------------------

  pullRequestEvent(
    repo: string,
    number: number,
    action: PullRequestAction,
    sender: string,
    options: { before?: string } = {}
  ): Json {
    const repository = this.world.requireRepository(repo)
    const pull = repository.pulls.get(number)
    if (pull === undefined) throw new Error(`No pull request ${repo}#${number}`)
    const payloads = this.webhooks()
    const payload: Json = { action, number }
    if (action === 'synchronize') {
      const after = this.world.headSha(pull)
      payload.before = options.before ?? this.world.commit(after).parents[0] ?? NO_COMMIT
      payload.after = after
    }
    Object.assign(payload, {
      pull_request: payloads.pullRequest(repository, pull),
      repository: payloads.repository(repository),
      sender: payloads.user(sender)
    })
    assertWebhookPayload(`pull_request$${action}`, payload)
    return payload
  }

  /**
   * The `repository_dispatch` payload a workflow receives for a dispatch sent through the API: `action` is the
   * event type, `branch` the default branch (only its copy of a workflow runs), `client_payload` as sent.
   */
  repositoryDispatchEvent(repo: string, dispatch: RepositoryDispatch): Json {
    const repository = this.world.requireRepository(repo)
    const payloads = this.webhooks()
    const payload: Json = {
      action: dispatch.eventType,
      branch: repository.defaultBranch,
      client_payload: dispatch.clientPayload,
      repository: payloads.repository(repository),
      sender: payloads.user(dispatch.sender),
      installation: { id: 1, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' }
    }
    assertWebhookPayload('repository_dispatch$event', payload)
    return payload
  }

  pushEvent(repo: string, branch: string, before: string, after: string, sender: string): Json {
    const repository = this.world.requireRepository(repo)
    const payloads = this.webhooks()
    const created = before === NO_COMMIT
    const deleted = after === NO_COMMIT
    const pushed = deleted ? [] : this.world.git.commitsSince(created ? after : before, after)
    const forced =
      !created && !deleted && !this.world.git.history(after).some(commit => commit.sha === before)
    const payload: Json = {
      ref: `refs/heads/${branch}`,
      before,
      after,
      created,
      deleted,
      forced,
      base_ref: null,
      compare: `${this.htmlUrl}/${repository.fullName}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
      commits: pushed.slice(-20).map(commit => payloads.commit(repository, commit)),
      head_commit: deleted ? null : payloads.commit(repository, this.world.commit(after)),
      repository: this.pushRepository(payloads, repository),
      pusher: { name: sender, email: `${sender}@users.noreply.github.test` },
      sender: payloads.user(sender)
    }
    assertWebhookPayload('push$event', payload)
    return payload
  }

  /** Push events carry repository timestamps as Unix seconds, unlike every other event. */
  private pushRepository(payloads: WebhookPayloads, repository: Repository): Json {
    const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000)
    return {
      ...payloads.repository(repository),
      created_at: seconds(repository.createdAt),
      pushed_at: seconds(repository.pushedAt)
    }
  }

  private webhooks(): WebhookPayloads {
    return new WebhookPayloads(this.world, this.resources)
  }
}
