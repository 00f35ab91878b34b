import { describe, expect, it } from '@jest/globals'
import { experimentBranch, MARKERS, promotionBranch, rollbackBranch } from '../../src/domain/names.js'
import { onlineCounts } from '../harness/experiment-specs.js'
import { POLICY, type Scenario } from '../harness/gate-world.js'
import { useGateWorld } from '../harness/gate-suite.js'
import { runBundle } from '../harness/runner.js'
import { testServers } from '../harness/servers.js'

const [[label, server]] = testServers()

/**
 * The gate against people with ordinary access trying to get around it (RELIABILITY.md, "Threat model and attacks
 * tried"): a repository writer (alice, bob, carol, dave), an outsider (outsider), and a registry user who can write
 * tags. Each test is the attack, run end to end on the committed bundle, a real MLflow server and the GitHub
 * stand-in; each must be refused with a reason that names the check, and nothing written to the registry.
 */
describe(`the gate against an adversary (${label})`, () => {
  const world = useGateWorld(server)
  const { weaker, stronger } = world.seeded
  const recordOf = (s: Scenario) => `.github/models/${s.model}.yml`
  const record = (s: Scenario, ...versions: string[]) =>
    `model: ${s.model}\nproduction:\n` +
    versions.map(v => `  - version: ${v}\n${versions.length > 1 ? '    traffic: 50\n' : ''}`).join('')

  async function expectRefused(s: Scenario, number: number, ...messages: string[]) {
    const before = await world.registryState(s)
    const result = await world.promote(s, number)
    for (const message of messages) expect(`${result.stdout}\n${result.summary}`).toContain(message)
    expect(result.status).toBe(1)
    expect(result.outputs.decision).toBe('refused')
    expect(await world.registryState(s)).toEqual(before)
    return result
  }

  /** Two approvals, then the merge: what every attack below needs before its promote. */
  async function approveAndMerge(s: Scenario, number: number, approvers: string[], merger: string) {
    for (const login of approvers) await world.github.review(login, s.repo, number, 'APPROVE')
    await world.github.merge(merger, s.repo, number)
  }

  /** The gate's own pull request for `version`, as evaluate opens it. */
  async function gatePullRequest(s: Scenario, version: string): Promise<number> {
    const evaluated = await world.evaluate(s, version)
    if (evaluated.status !== 0) throw new Error(`evaluate failed:\n${evaluated.stdout}`)
    return Number(evaluated.outputs['pr-number'])
  }

  describe('1. authorship comes from pushes, not from commit e-mail identities', () => {
    it('a writer who commits under an e-mail GitHub does not know is still an author', async () => {
      const s = await world.scenario([weaker, stronger], { champion: 0 })
      const number = await gatePullRequest(s, s.versions[1])
      const branch = promotionBranch(s.model, s.versions[1])
      await world.github.pushFiles(
        'alice',
        s.repo,
        branch,
        { [recordOf(s)]: `${record(s, s.versions[1])}# ok\n` },
        'tidy',
        {
          identity: { name: 'Ghost', email: 'ghost@nowhere.test' }
        }
      )
      const [commit] = (
        await world.github.as('alice').rest.repos.listCommits({
          owner: s.repo.split('/')[0],
          repo: s.repo.split('/')[1],
          sha: branch,
          per_page: 1
        })
      ).data
      expect(commit.author).toBeNull() // what made the old gate blind
      await approveAndMerge(s, number, ['alice', 'bob'], 'carol')
      await expectRefused(
        s,
        number,
        'approvals: 1 of 2 required approvals (bob)',
        'alice not counted: is an author'
      )
    })

    it("a writer who commits under another person's e-mail is the author, and that person's approval still counts", async () => {
      const s = await world.scenario([weaker, stronger], { champion: 0 })
      const number = await gatePullRequest(s, s.versions[1])
      await world.github.pushFiles(
        'alice',
        s.repo,
        promotionBranch(s.model, s.versions[1]),
        { [recordOf(s)]: `${record(s, s.versions[1])}# ok\n` },
        'tidy',
        { identity: { name: 'bob', email: 'bob@users.noreply.github.test' } }
      )
      await approveAndMerge(s, number, ['alice', 'bob'], 'carol')
      await expectRefused(
        s,
        number,
        '1 of 2 required approvals (bob)',
        'alice not counted: is an author',
        'pushed by alice'
      )
    })

    it("a writer who pushes the record with a workflow's GITHUB_TOKEN cannot pass it off as the gate's", async () => {
      const s = await world.scenario([weaker, stronger, stronger], { champion: 0, strategy: 'ab' })
      const [, v2, v3] = s.versions
      const number = await gatePullRequest(s, v2)
      // A workflow alice wrote pushes as github-actions[bot], the same identity the gate's default token has.
      await world.github.pushFiles('github-actions[bot]', s.repo, promotionBranch(s.model, v2), {
        [recordOf(s)]: record(s, v2, v3)
      })
      await approveAndMerge(s, number, ['alice', 'bob'], 'carol')
      await expectRefused(
        s,
        number,
        'authors from pushes: github-actions[bot] pushed',
        'a record the gate does not propose'
      )
    })
  })

  it('2. a version refused once is judged again when a later pull request carries it in; audit reports the drift', async () => {
    // v2 serves; v1 fails the staging rules against it.
    const s = await world.scenario([weaker, stronger], { champion: 1 })
    const [v1, v2] = s.versions
    const first = await world.github.openPullRequest('alice', s.repo, {
      branch: 'promote-v1',
      title: `Promote v${v1}`,
      files: { [recordOf(s)]: record(s, v1) }
    })
    await approveAndMerge(s, first.number, ['bob', 'carol'], 'dave')
    await expectRefused(s, first.number, `evidence for v${v1}: the staging rules fail`)

    const audit = await runBundle(world.inputs('audit', { model: s.model }), { env: world.env(s) })
    expect(audit.outputs.decision).toBe('drift')
    expect(audit.stdout).toContain(`v${v2} is in production but not in the record`)

    // A cosmetic edit of the record on the default branch would have carried v1 in without its evidence.
    const cosmetic = await world.github.openPullRequest('dave', s.repo, {
      branch: 'cosmetic',
      title: 'Spell out the traffic',
      files: { [recordOf(s)]: `model: ${s.model}\nproduction:\n  - version: ${v1}\n    traffic: 100\n` }
    })
    await approveAndMerge(s, cosmetic.number, ['alice', 'bob'], 'carol')
    await expectRefused(s, cosmetic.number, `evidence for v${v1}: the staging rules fail`)
    expect(await world.productionVersions(s)).toEqual([v2])
  })

  it('3. rollback to a version that was never in production through the gate is refused', async () => {
    const s = await world.scenario([weaker, stronger], { champion: 1 })
    const before = await world.registryState(s)
    const { id } = world.github.addWorkflowRun(s.repo, { event: 'workflow_dispatch', actor: 'dave' })
    const result = await runBundle(
      world.inputs('rollback', { model: s.model, version: s.versions[0], reason: 'trust me' }),
      { env: world.env(s, { GITHUB_RUN_ID: String(id) }) }
    )
    expect(result.status).toBe(1)
    expect(result.stdout).toContain(`v${s.versions[0]} was never in production through the gate`)
    expect(await world.registryState(s)).toEqual(before)
    expect(world.github.pullRequests(s.repo)).toHaveLength(0)
  })

  it('4. a promotion.promoted_at tag written by a registry user exempts nothing from the staging rules', async () => {
    const s = await world.scenario([weaker, stronger], { champion: 1 })
    const [v1] = s.versions
    await world.client.setModelVersionTag(s.model, v1, 'promotion.promoted_at', '2020-01-01T00:00:00Z')
    await world.client.setModelVersionTag(s.model, v1, 'promotion.merge_sha', 'f'.repeat(40))
    const pull = await world.github.openPullRequest('alice', s.repo, {
      branch: 'bring-back-v1',
      title: `Bring back v${v1}`,
      files: { [recordOf(s)]: record(s, v1) }
    })
    await approveAndMerge(s, pull.number, ['bob', 'carol'], 'dave')
    await expectRefused(
      s,
      pull.number,
      `evidence for v${v1}: the staging rules fail`,
      'shows no earlier promotion'
    )
  })

  it('5. re-running an old promote after an emergency rollback does not undo the rollback', async () => {
    const s = await world.scenario([weaker, stronger])
    const [v1, v2] = s.versions
    await world.promoteThroughGate(s, v1)
    const second = await world.promoteThroughGate(s, v2)
    await new Promise(resolve => setTimeout(resolve, 1100)) // the rollback comes in a later second than the merge
    const { id } = world.github.addWorkflowRun(s.repo, { event: 'workflow_dispatch', actor: 'dave' })
    const rolledBack = await runBundle(
      world.inputs('rollback', { model: s.model, reason: 'errors', 'open-pr': 'false' }),
      {
        env: world.env(s, { GITHUB_RUN_ID: String(id) })
      }
    )
    expect(rolledBack.status).toBe(0)
    expect(await world.productionVersions(s)).toEqual([v1])
    const before = await world.registryState(s)
    const rerun = await world.promote(s, second.number)
    expect(rerun.status).toBe(0)
    expect(rerun.outputs.decision).toBe('noop')
    expect(rerun.stdout).toContain(`was rolled back to v${v1}`)
    expect(rerun.stdout).toContain('that rollback is the newer decision')
    expect(await world.registryState(s)).toEqual(before)
  })

  it('6. reviews submitted after the merge are not counted when the promote is re-run', async () => {
    const s = await world.scenario([weaker, stronger], { champion: 0 })
    const number = await gatePullRequest(s, s.versions[1])
    await world.github.review('alice', s.repo, number, 'APPROVE')
    await world.github.merge('carol', s.repo, number)
    await expectRefused(s, number, '1 of 2 required approvals (alice)')
    await new Promise(resolve => setTimeout(resolve, 1100)) // GitHub's timestamps have whole seconds
    await world.github.review('bob', s.repo, number, 'APPROVE')
    await expectRefused(s, number, '1 of 2 required approvals (alice)')
  })

  it('7. a request for changes from someone without write access blocks nothing', async () => {
    const s = await world.scenario([weaker, stronger], { champion: 0 })
    const number = await gatePullRequest(s, s.versions[1])
    await world.github.review('alice', s.repo, number, 'APPROVE')
    await world.github.review('bob', s.repo, number, 'APPROVE')
    await world.github.review('outsider', s.repo, number, 'REQUEST_CHANGES', { body: 'no' })
    await world.github.merge('carol', s.repo, number)
    const result = await world.promote(s, number)
    expect(result.status).toBe(0)
    expect(result.outputs.decision).toBe('promoted')
    expect(result.summary).toContain(
      'outsider not counted: has no write access, so their request for changes does not block'
    )
  })

  it('8. the policy tightened after a pull request was opened is the one that decides at merge', async () => {
    const s = await world.scenario([weaker, stronger], { champion: 0 })
    const number = await gatePullRequest(s, s.versions[1])
    const reportedBase = (world.github.pullRequest(s.repo, number) as { base: { sha: string } }).base.sha
    await world.github.pushFiles('carol', s.repo, 'main', {
      [POLICY]: s.policy.replace('approvals: 2', 'approvals: 3')
    })
    // GitHub leaves base.sha where it was when the pull request was last updated.
    expect((world.github.pullRequest(s.repo, number) as { base: { sha: string } }).base.sha).toBe(
      reportedBase
    )
    await approveAndMerge(s, number, ['alice', 'bob'], 'carol')
    await expectRefused(
      s,
      number,
      'policy in force | .github/model-promotion.yml at main just before the merge',
      '2 of 3 required approvals'
    )
  })

  describe('9. A/B experiments', () => {
    /** Equal conversion on both versions over two windows: enough to step v2 from 10 % to 25 %. */
    async function notWorseWindows(s: Scenario) {
      const [v1, v2] = s.versions
      for (const window of [1, 2]) {
        await world.client.logOnlineWindow(s.model, v1, window, onlineCounts(90_000, 0.1))
        await world.client.logOnlineWindow(s.model, v2, window, onlineCounts(10_000, 0.1))
      }
    }

    it('9a. promotion.traffic tags written by a registry user do not move the experiment: the traffic in force comes from the gate’s merges', async () => {
      const s = await world.experimentScenario()
      const [v1, v2] = s.versions
      // Someone who can write registry tags claims v2 already has half the traffic, hoping for a jump past 25.
      await world.client.setModelVersionTag(s.model, v2, 'promotion.traffic', '50')
      await world.client.setModelVersionTag(s.model, v1, 'promotion.traffic', '50')
      await notWorseWindows(s)
      const stepped = await world.experiment(s)
      expect(stepped.outputs.decision).toBe('step')
      expect(JSON.parse(stepped.outputs.result).models[0]).toMatchObject({
        traffic: [
          { version: v1, traffic: 90 },
          { version: v2, traffic: 10 }
        ],
        action: { version: v2, traffic: 25 }
      })
    })

    it('9b. a writer’s workflow pushing another record to an experiment branch cannot pass it off as the gate’s', async () => {
      const s = await world.experimentScenario()
      const v2 = s.versions[1]
      await notWorseWindows(s)
      const stepped = await world.experiment(s)
      expect(stepped.outputs.decision).toBe('step')
      const number = Number(stepped.outputs['pr-number'])
      // Any workflow pushes as github-actions[bot]: this one rewrites the branch to give v2 all the traffic.
      await world.github.pushFiles('github-actions[bot]', s.repo, experimentBranch(s.model, v2, 25), {
        [recordOf(s)]: record(s, v2)
      })
      const verified = await world.verify(s, number)
      expect(verified.status).toBe(1)
      expect(verified.stdout).toContain('with a record the gate does not propose for it')
      // Approved and merged anyway (an admin bypassing the rule): promote refuses it the same way.
      await approveAndMerge(s, number, ['alice', 'bob'], 'carol')
      await expectRefused(s, number, 'with a record the gate does not propose for it')
    })
  })

  describe('weaker spots', () => {
    it("an outsider's comment carrying the gate's marker is never edited by the gate", async () => {
      const s = await world.scenario([weaker, stronger], { champion: 0 })
      const number = await gatePullRequest(s, s.versions[1])
      const [owner, repo] = s.repo.split('/')
      const bait = `${MARKERS.promoteComment}\nLGTM`
      await world.github
        .as('outsider')
        .rest.issues.createComment({ owner, repo, issue_number: number, body: bait })
      await approveAndMerge(s, number, ['alice', 'bob'], 'carol')
      expect((await world.promote(s, number)).status).toBe(0)
      const comments = world.github.comments(s.repo, number) as { body: string; user: { login: string } }[]
      expect(comments.find(c => c.user.login === 'outsider')?.body).toBe(bait)
      expect(comments.find(c => c.user.login === 'github-actions[bot]')?.body).toContain('Promoted')
    })

    it('evaluate does not adopt a promotion branch that someone else created', async () => {
      const s = await world.scenario([weaker, stronger], { champion: 0 })
      const v2 = s.versions[1]
      const branch = promotionBranch(s.model, v2)
      const [owner, repo] = s.repo.split('/')
      const octokit = world.github.as('alice')
      await octokit.rest.git.createRef({
        owner,
        repo,
        ref: `refs/heads/${branch}`,
        sha: world.github.branchSha(s.repo, 'main')!
      })
      await world.github.pushFiles('alice', s.repo, branch, { [recordOf(s)]: record(s, v2) })
      const evaluated = await world.evaluate(s, v2)
      expect(evaluated.status).toBe(1)
      expect(evaluated.stdout).toContain(
        `The branch ${branch} already exists and the gate did not write it alone (alice pushed to it)`
      )
      expect(world.github.pullRequests(s.repo)).toHaveLength(0)
    })

    it('a writer who creates the rollback branch first does not block an emergency rollback', async () => {
      const s = await world.scenario([weaker, stronger])
      const [v1, v2] = s.versions
      await world.promoteThroughGate(s, v1)
      await world.promoteThroughGate(s, v2)
      // The branch an emergency rollback to v1 would use, taken in advance, with a pull request on it.
      const squatted = rollbackBranch(s.model, v1)
      const squat = await world.github.openPullRequest('alice', s.repo, {
        branch: squatted,
        title: 'Not a rollback',
        files: { [recordOf(s)]: record(s, v2) }
      })
      const { id } = world.github.addWorkflowRun(s.repo, { event: 'workflow_dispatch', actor: 'dave' })
      const result = await runBundle(
        world.inputs('rollback', { model: s.model, reason: 'errors in production' }),
        {
          env: world.env(s, { GITHUB_RUN_ID: String(id) })
        }
      )
      expect(result.stdout).not.toContain('::error::')
      expect(result.status).toBe(0)
      expect(await world.productionVersions(s)).toEqual([v1])
      expect(result.stdout).toContain(
        `The pull request #${squat.number} on ${squatted} was opened by alice, not by the gate`
      )
      expect(result.stdout).toContain(`The pull request goes on ${squatted}-run-${id} instead.`)
      const opened = world.github.pullRequest(s.repo, Number(result.outputs['pr-number'])) as {
        head: { ref: string }
        user: { login: string }
      }
      expect(opened.head.ref).toBe(`${squatted}-run-${id}`)
      expect(opened.user.login).toBe('github-actions[bot]')
      expect(world.github.pullRequest(s.repo, squat.number)).toMatchObject({
        state: 'open',
        title: 'Not a rollback'
      })

      // A re-run of the same workflow run finds its own pull request rather than opening another.
      const rerun = await runBundle(
        world.inputs('rollback', { model: s.model, reason: 'errors in production' }),
        {
          env: world.env(s, { GITHUB_RUN_ID: String(id) })
        }
      )
      expect(rerun.status).toBe(0)
      expect(rerun.outputs['pr-number']).toBe(result.outputs['pr-number'])
      // The audit recognises the rollback's pull request on the branch it fell back to.
      const audit = await runBundle(world.inputs('audit', { model: s.model }), { env: world.env(s) })
      expect(`${audit.stdout}\n${audit.summary}`).toContain(
        `the record follows when its pull request #${result.outputs['pr-number']} is merged`
      )
    })
  })
})
