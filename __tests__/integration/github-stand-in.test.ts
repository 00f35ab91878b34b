import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { getOctokit } from '@actions/github'
import { GitHubStandIn } from '../../tools/github-stand-in/index.js'

const REPO = 'acme/models'
const [OWNER, NAME] = REPO.split('/')

let standIn: GitHubStandIn

beforeAll(async () => {
  standIn = await GitHubStandIn.start()
  standIn.addUser('acme')
  standIn.addUser('alice')
  standIn.addUser('bob')
  standIn.addUser('carol')
  standIn.addUser('outsider')
  standIn.addUser('promotion-bot', { type: 'Bot' })
  standIn.addTeam('acme', 'ml-reviewers', ['bob', 'carol'], { maintainers: ['carol'] })
  standIn.createRepo(REPO, {
    files: { 'README.md': '# Models\n', 'promotion/policy.yaml': 'version: 1\nmodels: []\n' },
    collaborators: { alice: 'write', bob: 'maintain', carol: 'triage', 'promotion-bot': 'write' }
  })
})

afterAll(() => standIn.stop())

// Every test but the one that provokes a violation on purpose must leave none behind.
afterEach(() => {
  try {
    standIn.assertNoViolations()
  } finally {
    standIn.takeViolations()
  }
})

describe('authentication and repositories', () => {
  it('answers 401 Bad credentials without a known token', async () => {
    const anonymous = getOctokit('not-a-token', { baseUrl: standIn.url })
    await expect(anonymous.rest.repos.get({ owner: OWNER, repo: NAME })).rejects.toMatchObject({
      status: 401,
      response: { data: { message: 'Bad credentials' } }
    })
  })

  it('gets a repository with the caller permissions', async () => {
    const { data, headers } = await standIn.as('alice').rest.repos.get({ owner: OWNER, repo: NAME })
    expect(headers['content-type']).toBe('application/json; charset=utf-8')
    expect(data).toMatchObject({ full_name: REPO, default_branch: 'main', private: false, fork: false })
    expect(data.permissions).toMatchObject({ push: true, admin: false })
    expect(data.html_url).toBe(`${standIn.htmlUrl}/${REPO}`)
  })
})

describe('git references and contents', () => {
  it('creates and updates a branch, refusing non-fast-forward updates without force', async () => {
    const octokit = standIn.as('alice')
    const main = await octokit.rest.git.getRef({ owner: OWNER, repo: NAME, ref: 'heads/main' })
    expect(main.data.object.sha).toBe(standIn.branchSha(REPO, 'main'))
    const created = await octokit.rest.git.createRef({
      owner: OWNER,
      repo: NAME,
      ref: 'refs/heads/scratch',
      sha: main.data.object.sha
    })
    expect(created.status).toBe(201)
    await expect(
      octokit.rest.git.createRef({
        owner: OWNER,
        repo: NAME,
        ref: 'refs/heads/scratch',
        sha: main.data.object.sha
      })
    ).rejects.toMatchObject({ status: 422, response: { data: { message: 'Reference already exists' } } })

    const advanced = await standIn.pushFiles('alice', REPO, 'scratch', { 'notes.txt': 'one\n' })
    await expect(
      octokit.rest.git.updateRef({
        owner: OWNER,
        repo: NAME,
        ref: 'heads/scratch',
        sha: main.data.object.sha
      })
    ).rejects.toMatchObject({ status: 422 })
    const forced = await octokit.rest.git.updateRef({
      owner: OWNER,
      repo: NAME,
      ref: 'heads/scratch',
      sha: main.data.object.sha,
      force: true
    })
    expect(forced.data.object.sha).toBe(main.data.object.sha)
    await octokit.rest.git.updateRef({ owner: OWNER, repo: NAME, ref: 'heads/scratch', sha: advanced })
    expect(standIn.branchSha(REPO, 'scratch')).toBe(advanced)
  })

  it('reads and writes files, requiring the current blob sha to update', async () => {
    const octokit = standIn.as('alice')
    const put = await octokit.rest.repos.createOrUpdateFileContents({
      owner: OWNER,
      repo: NAME,
      path: 'configs/a.json',
      branch: 'scratch',
      message: 'Add a',
      content: Buffer.from('{"a":1}\n').toString('base64')
    })
    expect(put.status).toBe(201)
    const got = await octokit.rest.repos.getContent({
      owner: OWNER,
      repo: NAME,
      path: 'configs/a.json',
      ref: 'scratch'
    })
    const file = got.data as { content: string; sha: string; encoding: string }
    expect(Buffer.from(file.content, 'base64').toString('utf8')).toBe('{"a":1}\n')
    expect(file.sha).toBe(put.data.content?.sha)

    await expect(
      octokit.rest.repos.createOrUpdateFileContents({
        owner: OWNER,
        repo: NAME,
        path: 'configs/a.json',
        branch: 'scratch',
        message: 'Wrong sha',
        content: Buffer.from('{"a":2}\n').toString('base64'),
        sha: 'f'.repeat(40)
      })
    ).rejects.toMatchObject({ status: 409 })

    const updated = await octokit.rest.repos.createOrUpdateFileContents({
      owner: OWNER,
      repo: NAME,
      path: 'configs/a.json',
      branch: 'scratch',
      message: 'Update a',
      content: Buffer.from('{"a":2}\n').toString('base64'),
      sha: file.sha
    })
    expect(updated.status).toBe(200)
    expect(updated.data.commit.author?.name).toBe('alice')
    expect(standIn.readFile(REPO, 'scratch', 'configs/a.json')).toBe('{"a":2}\n')
    expect(standIn.readFile(REPO, 'main', 'configs/a.json')).toBeUndefined()
    await expect(
      octokit.rest.repos.getContent({ owner: OWNER, repo: NAME, path: 'configs/a.json' })
    ).rejects.toMatchObject({ status: 404 })

    const history = await octokit.rest.repos.listCommits({
      owner: OWNER,
      repo: NAME,
      sha: 'scratch',
      path: 'configs'
    })
    expect(history.data.map(commit => commit.commit.message)).toEqual(['Update a', 'Add a'])
  })

  it('refuses writes from users without push access', async () => {
    await expect(
      standIn.as('outsider').rest.git.createRef({
        owner: OWNER,
        repo: NAME,
        ref: 'refs/heads/intruder',
        sha: standIn.branchSha(REPO, 'main') as string
      })
    ).rejects.toMatchObject({ status: 403 })
    expect(standIn.branchSha(REPO, 'intruder')).toBeUndefined()
  })

  it('keeps the merge queue’s branches to the queue: a writer can neither create nor push one', async () => {
    const main = standIn.branchSha(REPO, 'main') as string
    const forged = `gh-readonly-queue/main/pr-1-${main}`
    const alice = standIn.as('alice')
    await expect(
      alice.rest.git.createRef({ owner: OWNER, repo: NAME, ref: `refs/heads/${forged}`, sha: main })
    ).rejects.toMatchObject({ status: 422 })
    await expect(
      alice.rest.repos.createOrUpdateFileContents({
        owner: OWNER,
        repo: NAME,
        path: 'forged.txt',
        message: 'forged',
        content: Buffer.from('x').toString('base64'),
        branch: forged
      })
    ).rejects.toMatchObject({ status: 422 })
    expect(standIn.branchSha(REPO, forged)).toBeUndefined()
  })
})

describe('pull requests', () => {
  let number: number

  it('opens, lists (filtered by head), updates and closes a pull request', async () => {
    const opened = await standIn.openPullRequest('alice', REPO, {
      branch: 'promote-iris',
      files: {
        'promotion/policy.yaml': 'version: 1\nmodels: [iris]\n',
        'promotion/iris.yaml': 'stage: prod\n'
      },
      title: 'Promote iris',
      body: 'Please review'
    })
    number = opened.number
    const octokit = standIn.as('alice')
    const got = await octokit.rest.pulls.get({ owner: OWNER, repo: NAME, pull_number: number })
    expect(got.data).toMatchObject({
      number,
      state: 'open',
      title: 'Promote iris',
      user: { login: 'alice' },
      head: { ref: 'promote-iris', sha: opened.headSha, repo: { full_name: REPO } },
      base: { ref: 'main', sha: standIn.branchSha(REPO, 'main') },
      mergeable: true,
      changed_files: 2,
      html_url: `${standIn.htmlUrl}/${REPO}/pull/${number}`
    })

    const byHead = await octokit.rest.pulls.list({ owner: OWNER, repo: NAME, head: `${OWNER}:promote-iris` })
    expect(byHead.data.map(pull => pull.number)).toEqual([number])
    const otherHead = await octokit.rest.pulls.list({ owner: OWNER, repo: NAME, head: `${OWNER}:nothing` })
    expect(otherHead.data).toEqual([])

    await expect(
      octokit.rest.pulls.create({
        owner: OWNER,
        repo: NAME,
        head: 'promote-iris',
        base: 'main',
        title: 'Again'
      })
    ).rejects.toMatchObject({ status: 422 })

    const updated = await octokit.rest.pulls.update({
      owner: OWNER,
      repo: NAME,
      pull_number: number,
      title: 'Promote iris to production'
    })
    expect(updated.data.title).toBe('Promote iris to production')

    const files = await octokit.rest.pulls.listFiles({ owner: OWNER, repo: NAME, pull_number: number })
    expect(files.data.map(file => [file.filename, file.status])).toEqual([
      ['promotion/iris.yaml', 'added'],
      ['promotion/policy.yaml', 'modified']
    ])
    expect(files.data[1]).toMatchObject({ additions: 1, deletions: 1, changes: 2 })

    const commits = await octokit.rest.pulls.listCommits({ owner: OWNER, repo: NAME, pull_number: number })
    expect(commits.data).toHaveLength(2)
    expect(commits.data.at(-1)?.sha).toBe(opened.headSha)
    expect(commits.data[0].author?.login).toBe('alice')
  })

  it('closes and reopens a pull request', async () => {
    await standIn.closePullRequest('alice', REPO, number)
    expect(standIn.pullRequest(REPO, number)).toMatchObject({ state: 'closed', merged: false })
    const closed = await standIn.as('alice').rest.pulls.list({ owner: OWNER, repo: NAME, state: 'closed' })
    expect(closed.data.map(pull => pull.number)).toContain(number)
    await standIn
      .as('alice')
      .rest.pulls.update({ owner: OWNER, repo: NAME, pull_number: number, state: 'open' })
    expect(standIn.pullRequest(REPO, number)).toMatchObject({ state: 'open', closed_at: null })
  })

  it('reviews: approval, self-approval refused, changes requested, dismissal', async () => {
    await expect(standIn.review('alice', REPO, number, 'APPROVE')).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: ['Can not approve your own pull request'] } }
    })
    await expect(standIn.review('alice', REPO, number, 'REQUEST_CHANGES')).rejects.toMatchObject({
      status: 422
    })

    const approval = await standIn.review('bob', REPO, number, 'APPROVE')
    const changes = await standIn.review('carol', REPO, number, 'REQUEST_CHANGES', { body: 'Not yet' })
    await standIn.review('outsider', REPO, number, 'COMMENT', { body: 'Looks fine' })

    await expect(standIn.dismissReview('outsider', REPO, number, changes.id, 'no')).rejects.toMatchObject({
      status: 404
    })
    await standIn.dismissReview('bob', REPO, number, changes.id, 'Addressed')

    const reviews = await standIn
      .as('alice')
      .rest.pulls.listReviews({ owner: OWNER, repo: NAME, pull_number: number })
    expect(reviews.data.map(review => [review.user?.login, review.state, review.author_association])).toEqual(
      [
        ['bob', 'APPROVED', 'COLLABORATOR'],
        ['carol', 'DISMISSED', 'COLLABORATOR'],
        ['outsider', 'COMMENTED', 'NONE']
      ]
    )
    expect(reviews.data[0]).toMatchObject({
      id: approval.id,
      commit_id: standIn.branchSha(REPO, 'promote-iris')
    })
  })

  it('requests reviewers (users and teams) but never the author', async () => {
    const octokit = standIn.as('alice')
    await octokit.rest.pulls.requestReviewers({
      owner: OWNER,
      repo: NAME,
      pull_number: number,
      reviewers: ['carol'],
      team_reviewers: ['ml-reviewers']
    })
    expect(standIn.requestedReviewers(REPO, number)).toEqual({ users: ['carol'], teams: ['ml-reviewers'] })
    await expect(
      octokit.rest.pulls.requestReviewers({
        owner: OWNER,
        repo: NAME,
        pull_number: number,
        reviewers: ['alice']
      })
    ).rejects.toMatchObject({ status: 422 })
    const pull = await octokit.rest.pulls.get({ owner: OWNER, repo: NAME, pull_number: number })
    expect(pull.data.requested_teams?.map(team => team.slug)).toEqual(['ml-reviewers'])
  })

  it('merges with a merge commit whose tree applies the changes, and finds the pull request by commit', async () => {
    const octokit = standIn.as('bob')
    const before = standIn.branchSha(REPO, 'main') as string
    await expect(
      octokit.rest.pulls.merge({ owner: OWNER, repo: NAME, pull_number: number, sha: 'a'.repeat(40) })
    ).rejects.toMatchObject({ status: 409 })
    const { sha } = await standIn.merge('bob', REPO, number, 'merge')
    expect(standIn.branchSha(REPO, 'main')).toBe(sha)
    expect(standIn.readFile(REPO, 'main', 'promotion/policy.yaml')).toBe('version: 1\nmodels: [iris]\n')
    expect(standIn.readFile(REPO, 'main', 'promotion/iris.yaml')).toBe('stage: prod\n')
    expect(standIn.readFile(REPO, 'main', 'README.md')).toBe('# Models\n')

    const commit = await octokit.rest.repos.listCommits({ owner: OWNER, repo: NAME, sha, per_page: 1 })
    expect(commit.data[0].parents.map(parent => parent.sha)).toEqual([
      before,
      standIn.branchSha(REPO, 'promote-iris')
    ])

    expect(standIn.pullRequest(REPO, number)).toMatchObject({
      state: 'closed',
      merged: true,
      merge_commit_sha: sha,
      merged_by: { login: 'bob' }
    })
    await expect(
      octokit.rest.pulls.checkIfMerged({ owner: OWNER, repo: NAME, pull_number: number })
    ).resolves.toMatchObject({
      status: 204
    })
    await expect(
      octokit.rest.pulls.merge({ owner: OWNER, repo: NAME, pull_number: number })
    ).rejects.toMatchObject({ status: 405 })

    const associated = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      owner: OWNER,
      repo: NAME,
      commit_sha: sha
    })
    expect(associated.data.map(pull => pull.number)).toEqual([number])
  })

  it('reverts a merged pull request like the Revert button', async () => {
    const revert = await standIn.revertPullRequest('alice', REPO, number)
    const pull = standIn.pullRequest(REPO, revert.number) as { title: string; head: { ref: string } }
    expect(pull.title).toBe('Revert "Promote iris to production"')
    expect(pull.head.ref).toBe(`revert-${number}-promote-iris`)
    const { sha } = await standIn.merge('bob', REPO, revert.number, 'squash')
    const merged = await standIn
      .as('bob')
      .rest.repos.listCommits({ owner: OWNER, repo: NAME, sha, per_page: 1 })
    expect(merged.data[0].parents).toHaveLength(1)
    expect(standIn.readFile(REPO, 'main', 'promotion/policy.yaml')).toBe('version: 1\nmodels: []\n')
    expect(standIn.readFile(REPO, 'main', 'promotion/iris.yaml')).toBeUndefined()
  })

  it('opens a pull request from a fork and squash-merges it', async () => {
    const opened = await standIn.openPullRequest('outsider', REPO, {
      branch: 'typo',
      files: { 'README.md': '# Models!\n' },
      title: 'Fix typo',
      fromFork: true
    })
    const pull = await standIn
      .as('outsider')
      .rest.pulls.get({ owner: OWNER, repo: NAME, pull_number: opened.number })
    expect(pull.data.head).toMatchObject({
      label: 'outsider:typo',
      repo: { full_name: 'outsider/models', fork: true }
    })
    const fork = await standIn.as('outsider').rest.repos.get({ owner: 'outsider', repo: 'models' })
    expect(fork.data).toMatchObject({ fork: true, parent: { full_name: REPO }, source: { full_name: REPO } })
    await expect(standIn.merge('outsider', REPO, opened.number)).rejects.toMatchObject({ status: 403 })
    await standIn.merge('alice', REPO, opened.number, 'squash')
    expect(standIn.readFile(REPO, 'main', 'README.md')).toBe('# Models!\n')
  })
})

describe('issues, teams and permissions', () => {
  let number: number

  beforeAll(async () => {
    ;({ number } = await standIn.openPullRequest('alice', REPO, {
      branch: 'promote-wine',
      files: { 'promotion/wine.yaml': 'stage: staging\n' },
      title: 'Promote wine'
    }))
  })

  it('creates, lists and updates comments', async () => {
    const bot = standIn.as('promotion-bot')
    const created = await bot.rest.issues.createComment({
      owner: OWNER,
      repo: NAME,
      issue_number: number,
      body: 'Report v1'
    })
    expect(created.status).toBe(201)
    expect(created.data.user?.type).toBe('Bot')
    await bot.rest.issues.updateComment({
      owner: OWNER,
      repo: NAME,
      comment_id: created.data.id,
      body: 'Report v2'
    })
    const listed = await bot.rest.issues.listComments({ owner: OWNER, repo: NAME, issue_number: number })
    expect(listed.data.map(comment => comment.body)).toEqual(['Report v2'])
    expect(standIn.comments(REPO, number)).toHaveLength(1)
    await expect(
      standIn
        .as('outsider')
        .rest.issues.updateComment({ owner: OWNER, repo: NAME, comment_id: created.data.id, body: 'x' })
    ).rejects.toMatchObject({ status: 403 })
  })

  it('adds labels, creating them on the fly and keeping each once', async () => {
    const octokit = standIn.as('promotion-bot')
    await octokit.rest.issues.addLabels({
      owner: OWNER,
      repo: NAME,
      issue_number: number,
      labels: ['promotion']
    })
    const { data } = await octokit.rest.issues.addLabels({
      owner: OWNER,
      repo: NAME,
      issue_number: number,
      labels: ['needs-approval', 'promotion']
    })
    expect(data.map(label => label.name)).toEqual(['promotion', 'needs-approval'])
    expect(standIn.labels(REPO, number)).toEqual(['promotion', 'needs-approval'])
    await expect(
      standIn
        .as('outsider')
        .rest.issues.addLabels({ owner: OWNER, repo: NAME, issue_number: number, labels: ['x'] })
    ).rejects.toMatchObject({ status: 404 })
  })

  it('answers team membership and collaborator permission', async () => {
    const octokit = standIn.as('promotion-bot')
    const member = await octokit.rest.teams.getMembershipForUserInOrg({
      org: 'acme',
      team_slug: 'ml-reviewers',
      username: 'bob'
    })
    expect(member.data).toMatchObject({ state: 'active', role: 'member' })
    const maintainer = await octokit.rest.teams.getMembershipForUserInOrg({
      org: 'acme',
      team_slug: 'ml-reviewers',
      username: 'carol'
    })
    expect(maintainer.data.role).toBe('maintainer')
    await expect(
      octokit.rest.teams.getMembershipForUserInOrg({
        org: 'acme',
        team_slug: 'ml-reviewers',
        username: 'alice'
      })
    ).rejects.toMatchObject({ status: 404 })

    const permission = async (username: string) =>
      (await octokit.rest.repos.getCollaboratorPermissionLevel({ owner: OWNER, repo: NAME, username })).data
    expect(await permission('acme')).toMatchObject({
      permission: 'admin',
      role_name: 'admin',
      user: { login: 'acme' }
    })
    expect(await permission('bob')).toMatchObject({ permission: 'write', role_name: 'maintain' })
    expect(await permission('carol')).toMatchObject({ permission: 'read', role_name: 'triage' })
    expect(await permission('outsider')).toMatchObject({ permission: 'read' })
  })

  it('paginates with a Link header', async () => {
    const octokit = standIn.as('promotion-bot')
    for (let i = 0; i < 119; i++) {
      await octokit.rest.issues.createComment({
        owner: OWNER,
        repo: NAME,
        issue_number: number,
        body: `comment ${i}`
      })
    }
    const first = await octokit.rest.issues.listComments({
      owner: OWNER,
      repo: NAME,
      issue_number: number,
      per_page: 100
    })
    expect(first.data).toHaveLength(100)
    expect(first.headers.link).toMatch(/[?&]page=2>; rel="next"/)
    expect(first.headers.link).toMatch(/[?&]page=2>; rel="last"/)
    const all = await octokit.paginate(octokit.rest.issues.listComments, {
      owner: OWNER,
      repo: NAME,
      issue_number: number,
      per_page: 100
    })
    expect(all).toHaveLength(120)
    expect(new Set(all.map(comment => comment.id)).size).toBe(120)
  })
})

describe('deployments', () => {
  it('creates deployments and statuses and filters them', async () => {
    const octokit = standIn.as('promotion-bot')
    const main = standIn.branchSha(REPO, 'main') as string
    const staging = await octokit.rest.repos.createDeployment({
      owner: OWNER,
      repo: NAME,
      ref: 'main',
      environment: 'staging',
      task: 'promote',
      payload: { model: 'iris', version: '3' },
      description: 'Promote iris v3',
      required_contexts: [],
      auto_merge: false
    })
    expect(staging.status).toBe(201)
    const created = staging.data as {
      id: number
      sha: string
      payload: unknown
      production_environment?: boolean
    }
    expect(created).toMatchObject({
      sha: main,
      payload: { model: 'iris', version: '3' },
      production_environment: false
    })
    await octokit.rest.repos.createDeployment({
      owner: OWNER,
      repo: NAME,
      ref: main,
      environment: 'production',
      required_contexts: []
    })
    await octokit.rest.repos.createDeploymentStatus({
      owner: OWNER,
      repo: NAME,
      deployment_id: created.id,
      state: 'success',
      environment_url: 'http://mlflow.test/models/iris/3',
      log_url: 'http://ci.test/run/1',
      description: 'Promoted'
    })

    const byEnvironment = await octokit.rest.repos.listDeployments({
      owner: OWNER,
      repo: NAME,
      environment: 'staging'
    })
    expect(byEnvironment.data.map(deployment => deployment.id)).toEqual([created.id])
    const byTask = await octokit.rest.repos.listDeployments({ owner: OWNER, repo: NAME, task: 'deploy' })
    expect(byTask.data.map(deployment => deployment.environment)).toEqual(['production'])
    const bySha = await octokit.rest.repos.listDeployments({ owner: OWNER, repo: NAME, sha: main })
    expect(bySha.data).toHaveLength(2)

    const statuses = await octokit.rest.repos.listDeploymentStatuses({
      owner: OWNER,
      repo: NAME,
      deployment_id: created.id
    })
    expect(statuses.data).toMatchObject([
      { state: 'success', environment_url: 'http://mlflow.test/models/iris/3' }
    ])
    expect(standIn.deployments(REPO)[1].statuses).toHaveLength(1)

    await expect(
      octokit.rest.repos.createDeployment({ owner: OWNER, repo: NAME, ref: 'no-such-branch' })
    ).rejects.toMatchObject({ status: 422 })
  })
})

describe('OpenAPI enforcement', () => {
  it('records a request that breaks the description as a violation', async () => {
    const octokit = standIn.as('alice')
    await expect(
      octokit.request({
        method: 'POST',
        url: '/repos/{owner}/{repo}/pulls',
        owner: OWNER,
        repo: NAME,
        base: 'main'
      })
    ).rejects.toMatchObject({ status: 422 })
    expect(standIn.violations).toHaveLength(1)
    expect(standIn.violations[0]).toMatchObject({
      where: 'request',
      method: 'POST',
      path: `/repos/${REPO}/pulls`
    })
    expect(standIn.violations[0].errors).toContain("must have required property 'head'")
    expect(() => standIn.assertNoViolations()).toThrow(/1 OpenAPI violation/)
    standIn.takeViolations()
  })

  it('records requests to paths GitHub does not have', async () => {
    await expect(standIn.as('alice').request('GET /no/such/endpoint')).rejects.toMatchObject({ status: 404 })
    expect(standIn.takeViolations()).toMatchObject([{ where: 'route', path: '/no/such/endpoint' }])
  })

  it('logs every request with its caller', () => {
    expect(standIn.requests.length).toBeGreaterThan(100)
    expect(standIn.requests).toContainEqual(
      expect.objectContaining({ method: 'GET', path: `/repos/${REPO}`, status: 200, login: 'alice' })
    )
  })
})

describe('webhook payloads', () => {
  it('builds pull_request events that satisfy @octokit/webhooks-schemas', async () => {
    const opened = await standIn.openPullRequest('alice', REPO, {
      branch: 'promote-digits',
      files: { 'promotion/digits.yaml': 'stage: prod\n' },
      title: 'Promote digits'
    })
    const event = standIn.pullRequestEvent(REPO, opened.number, 'opened', 'alice') as {
      pull_request: { head: { sha: string } }
    }
    expect(event.pull_request.head.sha).toBe(opened.headSha)
    const after = await standIn.pushFiles('alice', REPO, 'promote-digits', {
      'promotion/digits.yaml': 'stage: staging\n'
    })
    expect(standIn.pullRequestEvent(REPO, opened.number, 'synchronize', 'alice')).toMatchObject({
      before: opened.headSha,
      after
    })
    const { sha } = await standIn.merge('bob', REPO, opened.number)
    expect(standIn.pullRequestEvent(REPO, opened.number, 'closed', 'bob')).toMatchObject({
      pull_request: { merged: true, merge_commit_sha: sha }
    })
  })

  it('builds push events and rejects a broken payload', () => {
    const main = standIn.branchSha(REPO, 'main') as string
    // The last pull request was merged from main's previous tip, which its base still records.
    const { base } = standIn.pullRequests(REPO).at(-1) as { base: { sha: string } }
    const push = standIn.pushEvent(REPO, 'main', base.sha, main, 'bob') as {
      commits: unknown[]
      head_commit: { id: string }
    }
    expect(push.head_commit.id).toBe(main)
    expect(push.commits.length).toBeGreaterThan(0)
    expect(() => standIn.pullRequestEvent(REPO, 1, 'opened', 'alice')).toThrow(/pull_request\$opened/)
  })
})

describe('workflow runs', () => {
  const TRACKER = 'acme/runs'
  const [RUNS_OWNER, RUNS_NAME] = TRACKER.split('/')

  beforeAll(() => {
    standIn.createRepo(TRACKER, { files: { 'README.md': '# Runs\n' }, collaborators: { alice: 'write' } })
  })

  it('gets a run with its actors, head and repository, defaulting to the default branch tip', async () => {
    const { id } = standIn.addWorkflowRun(TRACKER, { event: 'push', actor: 'alice' })
    const { data } = await standIn
      .as('bob')
      .rest.actions.getWorkflowRun({ owner: RUNS_OWNER, repo: RUNS_NAME, run_id: id })
    const main = standIn.branchSha(TRACKER, 'main')
    expect(data).toMatchObject({
      id,
      event: 'push',
      status: 'in_progress',
      conclusion: null,
      head_branch: 'main',
      head_sha: main,
      run_attempt: 1,
      previous_attempt_url: null,
      html_url: `${standIn.htmlUrl}/${TRACKER}/actions/runs/${id}`,
      actor: { login: 'alice', type: 'User' },
      triggering_actor: { login: 'alice' },
      head_commit: { id: main, message: 'Initial commit' },
      repository: { full_name: TRACKER },
      head_repository: { full_name: TRACKER },
      pull_requests: []
    })
  })

  it('keeps the given id, attempt and triggering actor and lists matching open pull requests', async () => {
    const opened = await standIn.openPullRequest('alice', TRACKER, {
      branch: 'feature',
      files: { 'feature.txt': 'on\n' },
      title: 'Feature'
    })
    const { id } = standIn.addWorkflowRun(TRACKER, {
      id: 4242,
      event: 'pull_request',
      actor: 'alice',
      triggeringActor: 'promotion-bot',
      headBranch: 'feature',
      runAttempt: 2
    })
    expect(id).toBe(4242)
    const octokit = standIn.as('alice')
    const { data } = await octokit.rest.actions.getWorkflowRun({
      owner: RUNS_OWNER,
      repo: RUNS_NAME,
      run_id: id
    })
    expect(data).toMatchObject({
      id: 4242,
      event: 'pull_request',
      head_branch: 'feature',
      head_sha: opened.headSha,
      run_attempt: 2,
      actor: { login: 'alice' },
      triggering_actor: { login: 'promotion-bot', type: 'Bot' }
    })
    expect(data.previous_attempt_url).toMatch(/\/actions\/runs\/4242\/attempts\/1$/)
    expect(data.pull_requests?.map(pull => [pull.number, pull.head.sha])).toEqual([
      [opened.number, opened.headSha]
    ])
    const excluded = await octokit.rest.actions.getWorkflowRun({
      owner: RUNS_OWNER,
      repo: RUNS_NAME,
      run_id: id,
      exclude_pull_requests: true
    })
    expect(excluded.data.pull_requests).toEqual([])
    expect(() => standIn.addWorkflowRun(TRACKER, { id: 4242, event: 'push', actor: 'alice' })).toThrow(
      /already exists/
    )
  })

  it('answers 404 for unknown runs and for runs of another repository', async () => {
    const octokit = standIn.as('alice')
    await expect(
      octokit.rest.actions.getWorkflowRun({ owner: RUNS_OWNER, repo: RUNS_NAME, run_id: 999999 })
    ).rejects.toMatchObject({ status: 404 })
    await expect(
      octokit.rest.actions.getWorkflowRun({ owner: OWNER, repo: NAME, run_id: 4242 })
    ).rejects.toMatchObject({ status: 404 })
  })
})

describe('issues', () => {
  const TRACKER = 'acme/tracker'
  const [T_OWNER, T_NAME] = TRACKER.split('/')
  let pull: number

  beforeAll(async () => {
    standIn.createRepo(TRACKER, {
      files: { 'README.md': '# Tracker\n' },
      collaborators: { alice: 'write', carol: 'triage' }
    })
    ;({ number: pull } = await standIn.openPullRequest('alice', TRACKER, {
      branch: 'docs',
      files: { 'docs.md': 'docs\n' },
      title: 'Docs'
    }))
  })

  it('creates issues numbered after pull requests, dropping labels and assignees from read-only users', async () => {
    const { data, status } = await standIn.as('alice').rest.issues.create({
      owner: T_OWNER,
      repo: T_NAME,
      title: 'Model drift',
      body: 'Accuracy dropped',
      labels: ['bug', { name: 'ml' }],
      assignees: ['bob', 'alice']
    })
    expect(status).toBe(201)
    expect(data).toMatchObject({
      number: pull + 1,
      title: 'Model drift',
      body: 'Accuracy dropped',
      state: 'open',
      state_reason: null,
      user: { login: 'alice' },
      assignee: { login: 'bob' },
      closed_by: null,
      author_association: 'COLLABORATOR',
      html_url: `${standIn.htmlUrl}/${TRACKER}/issues/${pull + 1}`
    })
    expect(data.labels.map(label => (typeof label === 'string' ? label : label.name))).toEqual(['bug', 'ml'])
    expect(data.assignees?.map(user => user.login)).toEqual(['bob', 'alice'])
    expect(data).not.toHaveProperty('pull_request')

    const outsider = await standIn.as('outsider').rest.issues.create({
      owner: T_OWNER,
      repo: T_NAME,
      title: 'Question',
      labels: ['bug'],
      assignees: ['alice']
    })
    expect(outsider.data).toMatchObject({ number: pull + 2, labels: [], assignees: [] })

    await expect(
      standIn
        .as('alice')
        .rest.issues.create({ owner: T_OWNER, repo: T_NAME, title: 'x', assignees: ['outsider'] })
    ).rejects.toMatchObject({ status: 422 })
    await expect(
      standIn.as('alice').rest.issues.create({ owner: T_OWNER, repo: T_NAME, title: ' ' })
    ).rejects.toMatchObject({ status: 422 })
    await expect(
      standIn.as('alice').rest.issues.create({ owner: T_OWNER, repo: 'missing', title: 'x' })
    ).rejects.toMatchObject({ status: 404 })

    expect(standIn.issues(TRACKER).map(issue => issue.number)).toEqual([pull + 1, pull + 2])
    expect(standIn.issue(TRACKER, pull + 1)).toMatchObject({ title: 'Model drift' })
    expect(() => standIn.issue(TRACKER, pull)).toThrow(/No issue/)
    const repository = await standIn.as('alice').rest.repos.get({ owner: T_OWNER, repo: T_NAME })
    expect(repository.data.open_issues_count).toBe(3)
  })

  it('gets issues, and pull requests as issues with a pull_request key; 404 for unknown numbers', async () => {
    const octokit = standIn.as('outsider')
    const issue = await octokit.rest.issues.get({ owner: T_OWNER, repo: T_NAME, issue_number: pull + 1 })
    expect(issue.data).toMatchObject({ number: pull + 1, title: 'Model drift' })
    expect(issue.data.pull_request).toBeUndefined()
    const asIssue = await octokit.rest.issues.get({ owner: T_OWNER, repo: T_NAME, issue_number: pull })
    expect(asIssue.data).toMatchObject({
      number: pull,
      title: 'Docs',
      pull_request: { html_url: `${standIn.htmlUrl}/${TRACKER}/pull/${pull}`, merged_at: null }
    })
    await expect(
      octokit.rest.issues.get({ owner: T_OWNER, repo: T_NAME, issue_number: 999 })
    ).rejects.toMatchObject({ status: 404 })
  })

  it('updates title, body and labels, closes with a reason and reopens', async () => {
    const number = pull + 1
    const octokit = standIn.as('carol')
    const updated = await octokit.rest.issues.update({
      owner: T_OWNER,
      repo: T_NAME,
      issue_number: number,
      title: 'Model drift on iris',
      body: null,
      labels: ['ml', 'triaged']
    })
    expect(updated.data).toMatchObject({ title: 'Model drift on iris', body: null, state: 'open' })
    expect(standIn.labels(TRACKER, number)).toEqual(['ml', 'triaged'])

    const closed = await octokit.rest.issues.update({
      owner: T_OWNER,
      repo: T_NAME,
      issue_number: number,
      state: 'closed',
      state_reason: 'not_planned'
    })
    expect(closed.data).toMatchObject({
      state: 'closed',
      state_reason: 'not_planned',
      closed_by: { login: 'carol' }
    })
    expect(closed.data.closed_at).not.toBeNull()
    const reopened = await octokit.rest.issues.update({
      owner: T_OWNER,
      repo: T_NAME,
      issue_number: number,
      state: 'open'
    })
    expect(reopened.data).toMatchObject({ state: 'open', state_reason: 'reopened', closed_at: null })

    await expect(
      standIn
        .as('outsider')
        .rest.issues.update({ owner: T_OWNER, repo: T_NAME, issue_number: number, title: 'Mine now' })
    ).rejects.toMatchObject({ status: 403 })
    // An author may close their own issue; without triage access the labels are silently dropped.
    const own = await standIn.as('outsider').rest.issues.update({
      owner: T_OWNER,
      repo: T_NAME,
      issue_number: pull + 2,
      state: 'closed',
      labels: ['bug']
    })
    expect(own.data).toMatchObject({ state: 'closed', state_reason: 'completed', labels: [] })
    await expect(
      octokit.rest.issues.update({ owner: T_OWNER, repo: T_NAME, issue_number: 999, title: 'x' })
    ).rejects.toMatchObject({ status: 404 })
  })

  it('comments on and labels plain issues', async () => {
    const octokit = standIn.as('alice')
    const number = pull + 1
    await octokit.rest.issues.createComment({
      owner: T_OWNER,
      repo: T_NAME,
      issue_number: number,
      body: 'Seen'
    })
    const comments = await octokit.rest.issues.listComments({
      owner: T_OWNER,
      repo: T_NAME,
      issue_number: number
    })
    expect(comments.data.map(comment => [comment.body, comment.issue_url])).toEqual([
      ['Seen', `${standIn.url}/repos/${TRACKER}/issues/${number}`]
    ])
    const labels = await octokit.rest.issues.addLabels({
      owner: T_OWNER,
      repo: T_NAME,
      issue_number: number,
      labels: ['urgent']
    })
    expect(labels.data.map(label => label.name)).toEqual(['ml', 'triaged', 'urgent'])
    const got = await octokit.rest.issues.get({ owner: T_OWNER, repo: T_NAME, issue_number: number })
    expect(got.data.comments).toBe(1)
    await expect(
      octokit.rest.issues.createComment({ owner: T_OWNER, repo: T_NAME, issue_number: 999, body: 'x' })
    ).rejects.toMatchObject({ status: 404 })
    await expect(
      octokit.rest.issues.listComments({ owner: T_OWNER, repo: T_NAME, issue_number: 999 })
    ).rejects.toMatchObject({ status: 404 })
  })

  it('lists issues and pull requests, filtered by state, labels, creator and assignee, sorted', async () => {
    const octokit = standIn.as('outsider')
    type Filters = Omit<NonNullable<Parameters<typeof octokit.rest.issues.listForRepo>[0]>, 'owner' | 'repo'>
    const list = async (filters: Filters = {}) =>
      (await octokit.rest.issues.listForRepo({ owner: T_OWNER, repo: T_NAME, ...filters })).data.map(
        issue => [issue.number, issue.pull_request === undefined ? 'issue' : 'pull']
      )
    expect(await list()).toEqual([
      [pull + 1, 'issue'],
      [pull, 'pull']
    ])
    expect(await list({ direction: 'asc' })).toEqual([
      [pull, 'pull'],
      [pull + 1, 'issue']
    ])
    expect(await list({ state: 'closed' })).toEqual([[pull + 2, 'issue']])
    expect((await list({ state: 'all' })).map(([number]) => number)).toEqual([pull + 2, pull + 1, pull])
    expect(await list({ labels: 'ml,urgent' })).toEqual([[pull + 1, 'issue']])
    expect(await list({ labels: 'ml,nothing' })).toEqual([])
    expect(await list({ state: 'all', creator: 'outsider' })).toEqual([[pull + 2, 'issue']])
    expect(await list({ assignee: 'bob' })).toEqual([[pull + 1, 'issue']])
    expect(await list({ assignee: 'none' })).toEqual([[pull, 'pull']])
    expect((await list({ state: 'all', sort: 'comments' }))[0]).toEqual([pull + 1, 'issue'])
    const page = await octokit.rest.issues.listForRepo({
      owner: T_OWNER,
      repo: T_NAME,
      state: 'all',
      per_page: 2
    })
    expect(page.data).toHaveLength(2)
    expect(page.headers.link).toMatch(/rel="next"/)
  })

  it('closes a pull request through the issues API', async () => {
    const { data } = await standIn
      .as('alice')
      .rest.issues.update({ owner: T_OWNER, repo: T_NAME, issue_number: pull, state: 'closed' })
    expect(data).toMatchObject({ state: 'closed', pull_request: { merged_at: null } })
    expect(standIn.pullRequest(TRACKER, pull)).toMatchObject({ state: 'closed', merged: false })
  })
})
