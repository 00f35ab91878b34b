import { isGitHubStatus } from './api-error.js'
import type { Octokit } from './github.js'
import type { GitHubSettings } from './settings.js'
import type { PushFacts } from '../domain/pushers.js'

export interface FileAtRef {
  content: string
  /** The blob sha GitHub needs to update the file. */
  sha: string
}

export interface PullRequestFacts {
  number: number
  url: string
  title: string
  body: string
  state: string
  /** When GitHub created the pull request (a fact of GitHub's, unlike any date in a commit). */
  createdAt: string
  merged: boolean
  mergedAt?: string
  mergedBy?: string
  mergeCommitSha?: string
  author: string
  authorIsBot: boolean
  headRef: string
  headSha: string
  /** owner/name of the head branch's repository; undefined when that repository was deleted. */
  headRepo?: string
  baseRef: string
  /** GitHub's `base.sha`: the base branch's tip at the pull request's last update, not at its merge. */
  baseSha: string
  baseRepo: string
  /** How many commits the pull request has. */
  commits?: number
}

export interface ReviewFacts {
  id: number
  login?: string
  isBot: boolean
  state: string
  commitId?: string
  submittedAt?: string
}

const BOT = (login: string | undefined, type: string | undefined) =>
  type === 'Bot' || /\[bot\]$/.test(login ?? '')

/** The GitHub operations of the gate on one repository, with answers reduced to the facts it decides on. */
export class PromotionRepository {
  readonly owner: string
  readonly repo: string

  constructor(
    readonly octokit: Octokit,
    readonly settings: GitHubSettings
  ) {
    this.owner = settings.owner
    this.repo = settings.repo
  }

  private get base() {
    return { owner: this.owner, repo: this.repo }
  }

  get fullName(): string {
    return `${this.owner}/${this.repo}`
  }

  async defaultBranch(): Promise<string> {
    return (await this.octokit.rest.repos.get(this.base)).data.default_branch
  }

  async branchSha(branch: string): Promise<string | undefined> {
    try {
      return (await this.octokit.rest.git.getRef({ ...this.base, ref: `heads/${branch}` })).data.object.sha
    } catch (error) {
      if (isGitHubStatus(error, 404)) return undefined
      throw error
    }
  }

  async createBranch(branch: string, sha: string): Promise<void> {
    await this.octokit.rest.git.createRef({ ...this.base, ref: `refs/heads/${branch}`, sha })
  }

  /** A file's text at a branch or commit; undefined when it does not exist there. */
  async readFile(path: string, ref: string): Promise<FileAtRef | undefined> {
    try {
      const { data } = await this.octokit.rest.repos.getContent({ ...this.base, path, ref })
      if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) {
        throw new Error(`${path} at ${ref} is not a file`)
      }
      return { content: Buffer.from(data.content, 'base64').toString('utf8'), sha: data.sha }
    } catch (error) {
      if (isGitHubStatus(error, 404)) return undefined
      throw error
    }
  }

  /** Commits a file on a branch; returns the new commit's sha. */
  async writeFile(
    path: string,
    branch: string,
    content: string,
    message: string,
    sha?: string
  ): Promise<string> {
    const { data } = await this.octokit.rest.repos.createOrUpdateFileContents({
      ...this.base,
      path,
      branch,
      message,
      content: Buffer.from(content, 'utf8').toString('base64'),
      sha
    })
    return data.commit.sha!
  }

  async openPullRequests(): Promise<PullRequestFacts[]> {
    const pulls = await this.octokit.paginate(this.octokit.rest.pulls.list, {
      ...this.base,
      state: 'open',
      per_page: 100
    })
    return pulls.map(pull => pullFacts(pull))
  }

  async pullRequest(number: number): Promise<PullRequestFacts> {
    return pullFacts((await this.octokit.rest.pulls.get({ ...this.base, pull_number: number })).data)
  }

  async createPullRequest(
    head: string,
    base: string,
    title: string,
    body: string
  ): Promise<PullRequestFacts> {
    return pullFacts((await this.octokit.rest.pulls.create({ ...this.base, head, base, title, body })).data)
  }

  async updatePullRequest(
    number: number,
    changes: { title?: string; body?: string; state?: 'open' | 'closed' }
  ): Promise<void> {
    await this.octokit.rest.pulls.update({ ...this.base, pull_number: number, ...changes })
  }

  async changedFiles(number: number): Promise<{ path: string; status: string; previousPath?: string }[]> {
    const files = await this.octokit.paginate(this.octokit.rest.pulls.listFiles, {
      ...this.base,
      pull_number: number,
      per_page: 100
    })
    return files.map(file => ({
      path: file.filename,
      status: file.status,
      previousPath: file.previous_filename
    }))
  }

  async reviews(number: number): Promise<ReviewFacts[]> {
    const reviews = await this.octokit.paginate(this.octokit.rest.pulls.listReviews, {
      ...this.base,
      pull_number: number,
      per_page: 100
    })
    return reviews.map(review => ({
      id: review.id,
      login: review.user?.login,
      isBot: BOT(review.user?.login, review.user?.type),
      state: review.state,
      commitId: review.commit_id ?? undefined,
      submittedAt: review.submitted_at
    }))
  }

  /**
   * Every change GitHub recorded to a branch, oldest first, with the account that made it (the repository activity
   * API): the facts authorship is decided on.
   */
  async pushes(branch: string): Promise<PushFacts[]> {
    const activities = await this.octokit.paginate(this.octokit.rest.repos.listActivities, {
      ...this.base,
      ref: `refs/heads/${branch}`,
      direction: 'asc',
      per_page: 100
    })
    return activities.map(activity => ({
      type: activity.activity_type,
      actor: activity.actor?.login,
      actorIsBot: BOT(activity.actor?.login, activity.actor?.type),
      before: activity.before,
      after: activity.after,
      at: activity.timestamp
    }))
  }

  /**
   * Where a branch stood just before GitHub merged `mergeSha` into it: the `before` of that `pr_merge` (or merge
   * queue) activity, newest first, reading pages only until it is found; undefined when GitHub lists none.
   */
  async branchBeforeMerge(branch: string, mergeSha: string): Promise<string | undefined> {
    for (const type of ['pr_merge', 'merge_queue_merge'] as const) {
      const pages = this.octokit.paginate.iterator(this.octokit.rest.repos.listActivities, {
        ...this.base,
        ref: `refs/heads/${branch}`,
        activity_type: type,
        per_page: 100
      })
      for await (const page of pages) {
        const merge = page.data.find(activity => activity.after === mergeSha)
        if (merge !== undefined) return merge.before
      }
    }
    return undefined
  }

  /** The parents of a commit, first parent first. */
  async commitParents(sha: string): Promise<string[]> {
    const { data } = await this.octokit.rest.repos.listCommits({ ...this.base, sha, per_page: 1 })
    if (data[0]?.sha !== sha) throw new Error(`GitHub did not list commit ${sha} first when asked for it.`)
    return data[0].parents.map(parent => parent.sha)
  }

  async isTeamMember(org: string, team: string, login: string): Promise<boolean> {
    try {
      const { data } = await this.octokit.rest.teams.getMembershipForUserInOrg({
        org,
        team_slug: team,
        username: login
      })
      return data.state === 'active'
    } catch (error) {
      if (isGitHubStatus(error, 404)) return false
      throw error
    }
  }

  /** `admin`, `write`, `read` or `none` (GitHub maps maintain to write and triage to read). */
  async permission(login: string): Promise<string> {
    try {
      const { data } = await this.octokit.rest.repos.getCollaboratorPermissionLevel({
        ...this.base,
        username: login
      })
      return data.permission
    } catch (error) {
      if (isGitHubStatus(error, 404)) return 'none'
      throw error
    }
  }

  /** The latest commits that changed a file on a branch, newest first. */
  async fileCommits(
    path: string,
    branch: string,
    limit = 20
  ): Promise<{ sha: string; author?: string; date?: string; message: string }[]> {
    const { data } = await this.octokit.rest.repos.listCommits({
      ...this.base,
      path,
      sha: branch,
      per_page: limit
    })
    return data.map(commit => ({
      sha: commit.sha,
      author: commit.author?.login,
      date: commit.commit.committer?.date ?? commit.commit.author?.date,
      message: commit.commit.message.split('\n')[0]
    }))
  }

  /** The open issue carrying a label, created (or updated in place) with this title and body; closed when body is undefined. */
  async syncIssue(
    label: string,
    title: string,
    body: string | undefined
  ): Promise<{ number: number; url: string } | undefined> {
    const open = await this.octokit.rest.issues.listForRepo({
      ...this.base,
      state: 'open',
      labels: label,
      per_page: 100
    })
    const existing = open.data.find(issue => issue.pull_request === undefined)
    if (body === undefined) {
      if (existing !== undefined) {
        await this.octokit.rest.issues.update({
          ...this.base,
          issue_number: existing.number,
          state: 'closed',
          state_reason: 'completed'
        })
      }
      return undefined
    }
    if (existing !== undefined) {
      if (existing.body !== body || existing.title !== title) {
        await this.octokit.rest.issues.update({ ...this.base, issue_number: existing.number, title, body })
      }
      return { number: existing.number, url: existing.html_url }
    }
    const { data } = await this.octokit.rest.issues.create({ ...this.base, title, body, labels: [label] })
    return { number: data.number, url: data.html_url }
  }

  /** The person who started (or re-ran) a workflow run, as GitHub's API names them. */
  async runTriggeredBy(runId: number): Promise<string | undefined> {
    const { data } = await this.octokit.rest.actions.getWorkflowRun({ ...this.base, run_id: runId })
    return data.triggering_actor?.login ?? data.actor?.login
  }

  async requestReviewers(number: number, users: string[], teams: string[]): Promise<void> {
    if (users.length === 0 && teams.length === 0) return
    await this.octokit.rest.pulls.requestReviewers({
      ...this.base,
      pull_number: number,
      reviewers: users,
      team_reviewers: teams
    })
  }

  async addLabels(number: number, labels: string[]): Promise<void> {
    if (labels.length === 0) return
    await this.octokit.rest.issues.addLabels({ ...this.base, issue_number: number, labels })
  }

  /**
   * Creates the comment holding `marker`, or updates it in place when a previous run left one. Only comments made
   * by an automation identity (the gate's token is one) are taken for the gate's: anyone can post the marker, and
   * editing an outsider's comment would show the gate's report under their name.
   */
  async upsertComment(number: number, marker: string, body: string): Promise<string> {
    const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, {
      ...this.base,
      issue_number: number,
      per_page: 100
    })
    const existing = comments.find(
      comment => comment.body?.includes(marker) && BOT(comment.user?.login, comment.user?.type)
    )
    const text = `${marker}\n${body}`
    if (existing !== undefined) {
      if (existing.body !== text) {
        await this.octokit.rest.issues.updateComment({ ...this.base, comment_id: existing.id, body: text })
      }
      return existing.html_url
    }
    return (await this.octokit.rest.issues.createComment({ ...this.base, issue_number: number, body: text }))
      .data.html_url
  }

  async pullRequestsOfCommit(sha: string): Promise<PullRequestFacts[]> {
    const pulls = await this.octokit.paginate(this.octokit.rest.repos.listPullRequestsAssociatedWithCommit, {
      ...this.base,
      commit_sha: sha,
      per_page: 100
    })
    return pulls.map(pull => pullFacts(pull))
  }

  /**
   * The versions a successful production deployment of `sha` by the gate's promote lists (its payload), or
   * undefined when there is none: what says that a merged record was actually put in force.
   */
  async deployedVersions(sha: string, environment: string, task: string): Promise<string[] | undefined> {
    const { data } = await this.octokit.rest.repos.listDeployments({
      ...this.base,
      sha,
      environment,
      task,
      per_page: 100
    })
    for (const deployment of data) {
      const statuses = await this.octokit.rest.repos.listDeploymentStatuses({
        ...this.base,
        deployment_id: deployment.id,
        per_page: 1
      })
      if (statuses.data[0]?.state !== 'success') continue
      const production = (deployment.payload as { production?: unknown } | null)?.production
      if (!Array.isArray(production)) continue
      return production
        .map(entry => (entry as { version?: unknown }).version)
        .filter((version): version is string => typeof version === 'string')
    }
    return undefined
  }

  /** Records a production deployment of `sha` (reusing the one a previous run created) and its final status. */
  async recordDeployment(options: {
    sha: string
    environment: string
    task: string
    description: string
    payload: Record<string, unknown>
    state: 'success' | 'failure'
    environmentUrl?: string
    logUrl?: string
  }): Promise<number> {
    const existing = await this.octokit.rest.repos.listDeployments({
      ...this.base,
      sha: options.sha,
      environment: options.environment,
      task: options.task,
      per_page: 100
    })
    let id = existing.data.find(d => JSON.stringify(d.payload) === JSON.stringify(options.payload))?.id
    if (id !== undefined) {
      const statuses = await this.octokit.rest.repos.listDeploymentStatuses({
        ...this.base,
        deployment_id: id,
        per_page: 1
      })
      // A re-run finds the deployment of its first run; it adds a status only when the outcome differs.
      if (statuses.data[0]?.state === options.state) return id
    } else {
      const created = await this.octokit.rest.repos.createDeployment({
        ...this.base,
        ref: options.sha,
        environment: options.environment,
        task: options.task,
        description: options.description,
        payload: options.payload,
        auto_merge: false,
        required_contexts: [],
        production_environment: options.environment === 'production'
      })
      if (!('id' in created.data))
        throw new Error(`GitHub did not create the deployment: ${created.data.message}`)
      id = created.data.id
    }
    await this.octokit.rest.repos.createDeploymentStatus({
      ...this.base,
      deployment_id: id,
      state: options.state,
      environment_url: options.environmentUrl,
      log_url: options.logUrl,
      description: options.description.slice(0, 140)
    })
    return id
  }
}

interface PullLike {
  number: number
  html_url: string
  title: string
  body?: string | null
  state: string
  created_at: string
  merged?: boolean
  merged_at?: string | null
  merged_by?: { login: string } | null
  merge_commit_sha?: string | null
  user: { login: string; type: string } | null
  head: { ref: string; sha: string; repo: { full_name: string } | null }
  base: { ref: string; sha: string; repo: { full_name: string } }
  commits?: number
}

function pullFacts(pull: PullLike): PullRequestFacts {
  return {
    number: pull.number,
    url: pull.html_url,
    title: pull.title,
    body: pull.body ?? '',
    state: pull.state,
    createdAt: pull.created_at,
    merged: pull.merged ?? pull.merged_at != null,
    mergedAt: pull.merged_at ?? undefined,
    mergedBy: pull.merged_by?.login,
    mergeCommitSha: pull.merge_commit_sha ?? undefined,
    author: pull.user?.login ?? '',
    authorIsBot: BOT(pull.user?.login, pull.user?.type),
    headRef: pull.head.ref,
    headSha: pull.head.sha,
    headRepo: pull.head.repo?.full_name,
    baseRef: pull.base.ref,
    baseSha: pull.base.sha,
    baseRepo: pull.base.repo.full_name,
    commits: pull.commits
  }
}
