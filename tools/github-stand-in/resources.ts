import { blobSha, lineStats, treeSha, type Commit, type FileChange } from './git.js'
import { specExample } from './openapi.js'
import {
  type Activity,
  type Deployment,
  type DeploymentStatus,
  type Issue,
  type IssueComment,
  type Label,
  type PullRequest,
  type Repository,
  type Review,
  type WorkflowRun,
  type World
} from './state.js'

type Json = Record<string, unknown>

const EXAMPLE_API = 'https://api.github.com'
const EXAMPLE_HTML = 'https://github.com'

/** Rewrites every string in a copied example, replacing the example's URL prefixes with ours (first match wins). */
function rewrite<T>(value: T, replacements: [string, string][]): T {
  if (typeof value === 'string') {
    for (const [from, to] of replacements) {
      if (value.startsWith(from)) return (to + value.slice(from.length)) as T
    }
    return value
  }
  if (Array.isArray(value)) return value.map(item => rewrite(item, replacements)) as T
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([name, item]) => [name, rewrite(item, replacements)])
    ) as T
  }
  return value
}

const nodeId = (kind: string, id: number | string) => Buffer.from(`${kind}${id}`).toString('base64')

/**
 * Turns stand-in state into the JSON objects GitHub's REST API answers with. Each object starts from the
 * description's own example for its schema, so fields the stand-in does not model still have valid values,
 * and every field the stand-in does model is overwritten from state.
 */
export class Resources {
  constructor(
    private readonly world: World,
    readonly apiUrl: string,
    readonly htmlUrl: string
  ) {}

  private repoApi(repository: Repository): string {
    return `${this.apiUrl}/repos/${repository.fullName}`
  }

  private repoHtml(repository: Repository): string {
    return `${this.htmlUrl}/${repository.fullName}`
  }

  user(login: string): Json {
    const canonical =
      this.world.user(login)?.login ?? this.world.organizations.get(login.toLowerCase())?.login
    const name = canonical ?? login
    // Logins such as `github-actions[bot]` hold characters a URI may not: GitHub percent-encodes them.
    const path = encodeURIComponent(name)
    const api = `${this.apiUrl}/users/${path}`
    return {
      login: name,
      id: this.world.accountId(name),
      node_id: nodeId('User', name),
      avatar_url: `${this.htmlUrl}/avatars/${path}.png`,
      gravatar_id: '',
      url: api,
      html_url: `${this.htmlUrl}/${path}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: this.world.accountType(name),
      site_admin: false,
      user_view_type: 'public'
    }
  }

  /** The `full-repository` shape (also valid where the smaller `repository` shape is expected). */
  repository(repository: Repository, viewer?: string, withParent = true): Json {
    const example = specExample('full-repository')
    for (const field of [
      'organization',
      'parent',
      'source',
      'template_repository',
      'security_and_analysis'
    ]) {
      delete example[field]
    }
    const host = new URL(this.htmlUrl).host
    const object = rewrite(example, [
      [`${EXAMPLE_API}/repos/octocat/Hello-World`, this.repoApi(repository)],
      [`${EXAMPLE_HTML}/octocat/Hello-World`, this.repoHtml(repository)],
      [`git:github.com/octocat/Hello-World.git`, `git://${host}/${repository.fullName}.git`],
      [`git@github.com:octocat/Hello-World.git`, `git@${host}:${repository.fullName}.git`],
      [`https://svn.github.com/octocat/Hello-World`, this.repoHtml(repository)],
      [EXAMPLE_API, this.apiUrl]
    ])
    const permission = viewer === undefined ? undefined : this.world.permission(repository, viewer)
    // GitHub counts open pull requests among the open issues.
    const openIssues = [...repository.pulls.values(), ...repository.issues.values()].filter(
      item => item.state === 'open'
    ).length
    Object.assign(object, {
      id: repository.id,
      node_id: nodeId('Repository', repository.id),
      name: repository.name,
      full_name: repository.fullName,
      owner: this.user(repository.owner),
      private: false,
      visibility: 'public',
      description: null,
      fork: repository.parent !== undefined,
      homepage: null,
      mirror_url: null,
      language: null,
      topics: [],
      default_branch: repository.defaultBranch,
      forks_count: this.forksOf(repository).length,
      forks: this.forksOf(repository).length,
      stargazers_count: 0,
      watchers_count: 0,
      watchers: 0,
      subscribers_count: 0,
      network_count: 0,
      size: 0,
      open_issues_count: openIssues,
      open_issues: openIssues,
      has_discussions: false,
      is_template: false,
      license: null,
      pushed_at: repository.pushedAt,
      created_at: repository.createdAt,
      updated_at: repository.pushedAt
    })
    delete object.temp_clone_token
    if (permission !== undefined) {
      object.permissions = {
        admin: permission === 'admin',
        maintain: ['admin', 'maintain'].includes(permission),
        push: ['admin', 'maintain', 'write'].includes(permission),
        triage: permission !== 'read',
        pull: true
      }
    } else {
      delete object.permissions
    }
    if (withParent && repository.parent !== undefined) {
      const parent = this.world.requireRepository(repository.parent)
      let source = parent
      while (source.parent !== undefined) source = this.world.requireRepository(source.parent)
      object.parent = this.repository(parent, undefined, false)
      object.source = this.repository(source, undefined, false)
    }
    return object
  }

  private forksOf(repository: Repository): Repository[] {
    return [...this.world.repositories.values()].filter(other => other.parent === repository.fullName)
  }

  authorAssociation(repository: Repository, login: string): string {
    if (login.toLowerCase() === repository.owner.toLowerCase()) return 'OWNER'
    if (repository.collaborators.has(login.toLowerCase())) return 'COLLABORATOR'
    const inOwnerOrganization = [...this.world.teams.values()].some(
      team =>
        team.org.toLowerCase() === repository.owner.toLowerCase() &&
        (team.members.has(login.toLowerCase()) || team.maintainers.has(login.toLowerCase()))
    )
    return inOwnerOrganization ? 'MEMBER' : 'NONE'
  }

  label(repository: Repository, label: Label): Json {
    return {
      id: label.id,
      node_id: nodeId('Label', label.id),
      url: `${this.repoApi(repository)}/labels/${encodeURIComponent(label.name)}`,
      name: label.name,
      description: label.description,
      color: label.color,
      default: false
    }
  }

  private team(org: string, slug: string): Json {
    const team = this.world.team(org, slug)
    const id = team?.id ?? 0
    return {
      id,
      node_id: nodeId('Team', id),
      url: `${this.apiUrl}/organizations/${this.world.accountId(org)}/team/${id}`,
      html_url: `${this.htmlUrl}/orgs/${org}/teams/${slug}`,
      name: slug,
      slug,
      description: null,
      privacy: 'closed',
      notification_setting: 'notifications_enabled',
      permission: 'pull',
      members_url: `${this.apiUrl}/organizations/${this.world.accountId(org)}/team/${id}/members{/member}`,
      repositories_url: `${this.apiUrl}/organizations/${this.world.accountId(org)}/team/${id}/repos`,
      type: 'organization',
      organization_id: this.world.accountId(org),
      parent: null
    }
  }

  private branchEnd(repository: Repository, ref: string, sha: string): Json {
    return {
      label: `${repository.owner}:${ref}`,
      ref,
      sha,
      user: this.user(repository.owner),
      repo: this.repository(repository)
    }
  }

  /** The `pull-request` shape pulls/get, pulls/create and pulls/update answer with. */
  pullRequest(repository: Repository, pull: PullRequest): Json {
    const api = `${this.repoApi(repository)}/pulls/${pull.number}`
    const issue = `${this.repoApi(repository)}/issues/${pull.number}`
    const html = `${this.repoHtml(repository)}/pull/${pull.number}`
    const headSha = this.world.headSha(pull)
    const changes = this.world.changes(repository, pull)
    const stats = changes.map(change => lineStats(change.before, change.after))
    const conflicts = pull.state === 'open' ? this.world.conflicts(repository, pull) : []
    const commits = this.world.git.commitsSince(this.world.mergeBase(repository, pull).sha, headSha)
    const statuses = `${this.repoApi(repository)}/statuses/${headSha}`
    const object = specExample('pull-request')
    delete object.milestone
    return Object.assign(object, {
      url: api,
      id: pull.id,
      node_id: nodeId('PullRequest', pull.id),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: issue,
      commits_url: `${api}/commits`,
      review_comments_url: `${api}/comments`,
      review_comment_url: `${this.repoApi(repository)}/pulls/comments{/number}`,
      comments_url: `${issue}/comments`,
      statuses_url: statuses,
      number: pull.number,
      state: pull.state,
      locked: false,
      active_lock_reason: null,
      title: pull.title,
      user: this.user(pull.author),
      body: pull.body,
      labels: this.issueLabels(repository, pull.number),
      milestone: null,
      created_at: pull.createdAt,
      updated_at: pull.updatedAt,
      closed_at: pull.closedAt,
      merged_at: pull.mergedAt,
      merge_commit_sha: pull.mergeCommitSha,
      assignee: null,
      assignees: [],
      requested_reviewers: pull.requestedUsers.map(login => this.user(login)),
      requested_teams: pull.requestedTeams.map(slug => this.team(repository.owner, slug)),
      head: this.branchEnd(this.world.headRepository(pull), pull.headRef, headSha),
      // As of the pull request's last update, not the base branch's tip (see PullRequest.reportedBaseSha).
      base: this.branchEnd(repository, pull.baseRef, pull.reportedBaseSha),
      _links: {
        self: { href: api },
        html: { href: html },
        issue: { href: issue },
        comments: { href: `${issue}/comments` },
        review_comments: { href: `${api}/comments` },
        review_comment: { href: `${this.repoApi(repository)}/pulls/comments{/number}` },
        commits: { href: `${api}/commits` },
        statuses: { href: statuses }
      },
      author_association: this.authorAssociation(repository, pull.author),
      auto_merge: null,
      draft: false,
      merged: pull.mergedAt !== null,
      mergeable: pull.state === 'open' ? conflicts.length === 0 : null,
      rebaseable: pull.state === 'open' ? conflicts.length === 0 : null,
      mergeable_state: pull.state === 'open' ? (conflicts.length === 0 ? 'clean' : 'dirty') : 'unknown',
      merged_by: pull.mergedBy === null ? null : this.user(pull.mergedBy),
      comments: repository.comments.filter(comment => comment.issue === pull.number).length,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: commits.length,
      additions: stats.reduce((sum, stat) => sum + stat.additions, 0),
      deletions: stats.reduce((sum, stat) => sum + stat.deletions, 0),
      changed_files: changes.length
    })
  }

  /** The `pull-request-simple` shape lists answer with: the full shape without the computed counters. */
  pullRequestSimple(repository: Repository, pull: PullRequest): Json {
    const object = this.pullRequest(repository, pull)
    for (const field of [
      'merged',
      'mergeable',
      'rebaseable',
      'mergeable_state',
      'merged_by',
      'comments',
      'review_comments',
      'maintainer_can_modify',
      'commits',
      'additions',
      'deletions',
      'changed_files'
    ]) {
      delete object[field]
    }
    return object
  }

  private issueLabels(repository: Repository, number: number): Json[] {
    return (repository.issueLabels.get(number) ?? []).map(name =>
      this.label(repository, repository.labels.get(name.toLowerCase()) as Label)
    )
  }

  /** The fields the `issue` shape shares between plain issues and the issue side of pull requests. */
  private issueBase(repository: Repository, number: number, author: string): Json {
    const api = `${this.repoApi(repository)}/issues/${number}`
    const object = specExample('issue')
    for (const field of ['pull_request', 'pinned_comment', 'closed_by']) delete object[field]
    return Object.assign(object, {
      url: api,
      repository_url: this.repoApi(repository),
      labels_url: `${api}/labels{/name}`,
      comments_url: `${api}/comments`,
      events_url: `${api}/events`,
      timeline_url: `${api}/timeline`,
      number,
      user: this.user(author),
      labels: this.issueLabels(repository, number),
      milestone: null,
      locked: false,
      active_lock_reason: null,
      comments: repository.comments.filter(comment => comment.issue === number).length,
      author_association: this.authorAssociation(repository, author)
    })
  }

  /** The `issue` shape issues/get, issues/create, issues/update and issues/list-for-repo answer with. */
  issue(repository: Repository, issue: Issue): Json {
    return Object.assign(this.issueBase(repository, issue.number, issue.author), {
      id: issue.id,
      node_id: nodeId('Issue', issue.id),
      html_url: `${this.repoHtml(repository)}/issues/${issue.number}`,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      state_reason: issue.stateReason,
      assignee: issue.assignees.length === 0 ? null : this.user(issue.assignees[0]),
      assignees: issue.assignees.map(login => this.user(login)),
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      closed_by: issue.closedBy === null ? null : this.user(issue.closedBy)
    })
  }

  /** A pull request as the issues API shows it: an issue with a `pull_request` key. */
  pullRequestIssue(repository: Repository, pull: PullRequest): Json {
    const html = `${this.repoHtml(repository)}/pull/${pull.number}`
    return Object.assign(this.issueBase(repository, pull.number, pull.author), {
      id: pull.id,
      node_id: nodeId('PullRequest', pull.id),
      html_url: html,
      title: pull.title,
      body: pull.body,
      state: pull.state,
      state_reason: null,
      assignee: null,
      assignees: [],
      created_at: pull.createdAt,
      updated_at: pull.updatedAt,
      closed_at: pull.closedAt,
      closed_by: pull.mergedBy === null ? null : this.user(pull.mergedBy),
      draft: false,
      pull_request: {
        url: `${this.repoApi(repository)}/pulls/${pull.number}`,
        html_url: html,
        diff_url: `${html}.diff`,
        patch_url: `${html}.patch`,
        merged_at: pull.mergedAt
      }
    })
  }

  /** The `workflow-run` shape actions/get-workflow-run answers with. */
  workflowRun(repository: Repository, run: WorkflowRun, withPullRequests = true): Json {
    const api = `${this.repoApi(repository)}/actions/runs/${run.id}`
    const headRepository = this.world.requireRepository(run.headRepo)
    const commit = this.world.git.get(run.headSha)
    const identity = (login: string) => ({ name: login, email: `${login}@users.noreply.github.test` })
    const pulls = [...repository.pulls.values()].filter(
      pull =>
        pull.state === 'open' &&
        pull.headRepo === repository.fullName &&
        run.headRepo === repository.fullName &&
        (pull.headRef === run.headBranch || this.world.headSha(pull) === run.headSha)
    )
    const object = specExample('workflow-run')
    return Object.assign(object, {
      id: run.id,
      name: run.name,
      node_id: nodeId('WorkflowRun', run.id),
      check_suite_id: run.checkSuiteId,
      check_suite_node_id: nodeId('CheckSuite', run.checkSuiteId),
      head_branch: run.headBranch,
      head_sha: run.headSha,
      path: run.path,
      run_number: run.runNumber,
      event: run.event,
      display_title: commit?.message.split('\n')[0] ?? run.name,
      status: 'in_progress',
      conclusion: null,
      workflow_id: run.workflowId,
      url: api,
      html_url: `${this.repoHtml(repository)}/actions/runs/${run.id}`,
      pull_requests: withPullRequests ? pulls.map(pull => this.pullRequestMinimal(repository, pull)) : [],
      created_at: run.createdAt,
      updated_at: run.createdAt,
      actor: this.user(run.actor),
      run_attempt: run.runAttempt,
      referenced_workflows: [],
      run_started_at: run.createdAt,
      triggering_actor: this.user(run.triggeringActor),
      jobs_url: `${api}/jobs`,
      logs_url: `${api}/logs`,
      check_suite_url: `${this.repoApi(repository)}/check-suites/${run.checkSuiteId}`,
      artifacts_url: `${api}/artifacts`,
      cancel_url: `${api}/cancel`,
      rerun_url: `${api}/rerun`,
      previous_attempt_url: run.runAttempt > 1 ? `${api}/attempts/${run.runAttempt - 1}` : null,
      workflow_url: `${this.repoApi(repository)}/actions/workflows/${run.workflowId}`,
      head_commit:
        commit === undefined
          ? null
          : {
              id: commit.sha,
              tree_id: treeSha(commit.tree),
              message: commit.message,
              timestamp: commit.date,
              author: identity(commit.author),
              committer: identity(commit.author)
            },
      repository: this.minimalRepository(repository),
      head_repository: this.minimalRepository(headRepository),
      head_repository_id: headRepository.id
    })
  }

  /** Without a viewer the repository shape carries no `permissions`, as the `minimal-repository` of runs. */
  private minimalRepository(repository: Repository): Json {
    return this.repository(repository, undefined, false)
  }

  private pullRequestMinimal(repository: Repository, pull: PullRequest): Json {
    const end = (owner: Repository, ref: string, sha: string) => ({
      ref,
      sha,
      repo: { id: owner.id, url: this.repoApi(owner), name: owner.name }
    })
    return {
      id: pull.id,
      number: pull.number,
      url: `${this.repoApi(repository)}/pulls/${pull.number}`,
      head: end(this.world.headRepository(pull), pull.headRef, this.world.headSha(pull)),
      base: end(repository, pull.baseRef, this.world.baseSha(repository, pull))
    }
  }

  review(repository: Repository, review: Review): Json {
    const pull = `${this.repoApi(repository)}/pulls/${review.pull}`
    const html = `${this.repoHtml(repository)}/pull/${review.pull}#pullrequestreview-${review.id}`
    return {
      id: review.id,
      node_id: nodeId('PullRequestReview', review.id),
      user: this.user(review.author),
      body: review.body,
      state: review.state,
      html_url: html,
      pull_request_url: pull,
      _links: { html: { href: html }, pull_request: { href: pull } },
      submitted_at: review.submittedAt,
      commit_id: review.commitId,
      author_association: this.authorAssociation(repository, review.author)
    }
  }

  diffEntry(repository: Repository, headSha: string, change: FileChange): Json {
    const content = change.after ?? change.before ?? ''
    return {
      sha: blobSha(content),
      filename: change.path,
      status: change.status,
      ...(change.previousPath === undefined ? {} : { previous_filename: change.previousPath }),
      ...lineStats(change.status === 'renamed' ? change.after : change.before, change.after),
      blob_url: `${this.repoHtml(repository)}/blob/${headSha}/${change.path}`,
      raw_url: `${this.repoHtml(repository)}/raw/${headSha}/${change.path}`,
      contents_url: `${this.repoApi(repository)}/contents/${change.path}?ref=${headSha}`
    }
  }

  private commitUser(commit: Commit): Json | null {
    const user = this.world.userByEmail(commit.identity.email)
    return user === undefined ? null : this.user(user.login)
  }

  /** The `activity` shape of repos/list-activities. */
  activity(activity: Activity): Json {
    return {
      id: activity.id,
      node_id: nodeId('Activity', activity.id),
      before: activity.before,
      after: activity.after,
      ref: activity.ref,
      timestamp: activity.timestamp,
      activity_type: activity.type,
      actor: this.user(activity.actor)
    }
  }

  /** The `commit` shape of commit lists (no `files`, `stats`). */
  commit(repository: Repository, commit: Commit): Json {
    const api = `${this.repoApi(repository)}/commits/${commit.sha}`
    return {
      url: api,
      sha: commit.sha,
      node_id: nodeId('Commit', commit.sha),
      html_url: `${this.repoHtml(repository)}/commit/${commit.sha}`,
      comments_url: `${api}/comments`,
      commit: {
        url: `${this.repoApi(repository)}/git/commits/${commit.sha}`,
        author: { ...commit.identity, date: commit.date },
        committer: { ...commit.identity, date: commit.date },
        message: commit.message,
        tree: {
          url: `${this.repoApi(repository)}/git/trees/${treeSha(commit.tree)}`,
          sha: treeSha(commit.tree)
        },
        comment_count: 0,
        verification: {
          verified: false,
          reason: 'unsigned',
          signature: null,
          payload: null,
          verified_at: null
        }
      },
      // GitHub links a commit to an account only through a verified e-mail; an unknown one gives null
      // (https://docs.github.com/pull-requests/committing-changes-to-your-project/troubleshooting-commits/why-are-my-commits-linked-to-the-wrong-user).
      author: this.commitUser(commit),
      committer: this.commitUser(commit),
      parents: commit.parents.map(sha => ({
        url: `${this.repoApi(repository)}/commits/${sha}`,
        html_url: `${this.repoHtml(repository)}/commit/${sha}`,
        sha
      }))
    }
  }

  comment(repository: Repository, comment: IssueComment): Json {
    return {
      id: comment.id,
      node_id: nodeId('IssueComment', comment.id),
      url: `${this.repoApi(repository)}/issues/comments/${comment.id}`,
      html_url: `${this.repoHtml(repository)}/issues/${comment.issue}#issuecomment-${comment.id}`,
      body: comment.body,
      user: this.user(comment.author),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      issue_url: `${this.repoApi(repository)}/issues/${comment.issue}`,
      author_association: this.authorAssociation(repository, comment.author)
    }
  }

  gitRef(repository: Repository, branch: string, sha: string): Json {
    return {
      ref: `refs/heads/${branch}`,
      node_id: nodeId('Ref', `${repository.fullName}:${branch}`),
      url: `${this.repoApi(repository)}/git/refs/heads/${branch}`,
      object: { type: 'commit', sha, url: `${this.repoApi(repository)}/git/commits/${sha}` }
    }
  }

  private fileLinks(repository: Repository, path: string, ref: string, content: string) {
    const sha = blobSha(content)
    const self = `${this.repoApi(repository)}/contents/${path}?ref=${ref}`
    const git = `${this.repoApi(repository)}/git/blobs/${sha}`
    const html = `${this.repoHtml(repository)}/blob/${ref}/${path}`
    return {
      name: path.split('/').pop() as string,
      path,
      sha,
      size: Buffer.byteLength(content),
      url: self,
      html_url: html,
      git_url: git,
      download_url: `${this.htmlUrl}/raw/${repository.fullName}/${ref}/${path}`,
      type: 'file',
      _links: { self, git, html }
    }
  }

  contentFile(repository: Repository, path: string, ref: string, content: string): Json {
    return {
      ...this.fileLinks(repository, path, ref, content),
      encoding: 'base64',
      // GitHub wraps base64 content at 60 characters.
      content:
        (
          Buffer.from(content)
            .toString('base64')
            .match(/.{1,60}/g) ?? []
        ).join('\n') + '\n'
    }
  }

  fileCommit(repository: Repository, path: string, branch: string, content: string, commit: Commit): Json {
    const gitCommit = `${this.repoApi(repository)}/git/commits/${commit.sha}`
    return {
      content: this.fileLinks(repository, path, branch, content),
      commit: {
        sha: commit.sha,
        node_id: nodeId('Commit', commit.sha),
        url: gitCommit,
        html_url: `${this.repoHtml(repository)}/commit/${commit.sha}`,
        author: { ...commit.identity, date: commit.date },
        committer: { ...commit.identity, date: commit.date },
        message: commit.message,
        tree: {
          url: `${this.repoApi(repository)}/git/trees/${treeSha(commit.tree)}`,
          sha: treeSha(commit.tree)
        },
        parents: commit.parents.map(sha => ({
          url: `${this.repoApi(repository)}/git/commits/${sha}`,
          html_url: `${this.repoHtml(repository)}/commit/${sha}`,
          sha
        })),
        verification: {
          verified: false,
          reason: 'unsigned',
          signature: null,
          payload: null,
          verified_at: null
        }
      }
    }
  }

  deployment(repository: Repository, deployment: Deployment): Json {
    const api = `${this.repoApi(repository)}/deployments/${deployment.id}`
    return {
      url: api,
      id: deployment.id,
      node_id: nodeId('Deployment', deployment.id),
      sha: deployment.sha,
      ref: deployment.ref,
      task: deployment.task,
      payload: deployment.payload,
      original_environment: deployment.originalEnvironment,
      environment: deployment.environment,
      description: deployment.description,
      creator: this.user(deployment.creator),
      created_at: deployment.createdAt,
      updated_at: deployment.updatedAt,
      statuses_url: `${api}/statuses`,
      repository_url: this.repoApi(repository),
      transient_environment: deployment.transientEnvironment,
      production_environment: deployment.productionEnvironment
    }
  }

  deploymentStatus(repository: Repository, deployment: Deployment, status: DeploymentStatus): Json {
    const api = `${this.repoApi(repository)}/deployments/${deployment.id}`
    return {
      url: `${api}/statuses/${status.id}`,
      id: status.id,
      node_id: nodeId('DeploymentStatus', status.id),
      state: status.state,
      creator: this.user(status.creator),
      description: status.description,
      environment: status.environment,
      target_url: status.logUrl,
      created_at: status.createdAt,
      updated_at: status.createdAt,
      deployment_url: api,
      repository_url: this.repoApi(repository),
      environment_url: status.environmentUrl,
      log_url: status.logUrl
    }
  }

  collaboratorPermission(repository: Repository, login: string): Json {
    const role = this.world.permission(repository, login)
    const legacy = { admin: 'admin', maintain: 'write', write: 'write', triage: 'read', read: 'read' }[role]
    return {
      permission: legacy,
      role_name: role,
      user: {
        ...this.user(login),
        permissions: {
          admin: role === 'admin',
          maintain: ['admin', 'maintain'].includes(role),
          push: ['admin', 'maintain', 'write'].includes(role),
          triage: role !== 'read',
          pull: true
        },
        role_name: role
      }
    }
  }

  teamMembership(org: string, slug: string, login: string, role: 'member' | 'maintainer'): Json {
    const team = this.world.team(org, slug)
    return {
      url: `${this.apiUrl}/organizations/${this.world.accountId(org)}/team/${team?.id ?? 0}/memberships/${encodeURIComponent(login)}`,
      role,
      state: 'active'
    }
  }
}
