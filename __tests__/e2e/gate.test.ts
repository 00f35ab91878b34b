import { describe, expect, it } from '@jest/globals'
import { promotionBranch } from '../../src/domain/names.js'
import { createLifecycle, type LifecycleKind } from '../../src/registry/lifecycle/index.js'
import { POLICY, type Scenario, type ScenarioOptions } from '../harness/gate-world.js'
import { useGateWorld } from '../harness/gate-suite.js'
import { runBundle } from '../harness/runner.js'
import { testServers, type TestServer } from '../harness/servers.js'

/**
 * The pull-request gate end to end: the committed bundle run as a runner runs it, against a real MLflow server and
 * the GitHub stand-in, with people acting through the stand-in's API.
 */
function gateSuite(server: TestServer) {
  const world = useGateWorld(server)
  const client = world.client
  const { weaker, stronger } = world.seeded

  const scenario = (sources: [string, string][], options: ScenarioOptions = {}) =>
    world.scenario(sources, { champion: 0, ...options })
  const env = (s: Scenario) => world.env(s)
  const inputs = (command: string, extra: Record<string, string> = {}) => world.inputs(command, extra)
  const evaluate = (s: Scenario, version: string) => world.evaluate(s, version)
  const promote = (s: Scenario, pull: number, sender = 'carol') => world.promote(s, pull, sender)
  const registryState = (s: Scenario) => world.registryState(s)
  const promotionTags = (s: Scenario, version: string) => world.promotionTags(s, version)

  /** A promotion pull request opened by a person (as reviewers would see one opened by the action). */
  async function openByHand(s: Scenario, version: string, files: Record<string, string> = {}) {
    return world.github.openPullRequest('alice', s.repo, {
      branch: `promotion/by-hand-v${version}`,
      title: `Promote v${version}`,
      files: {
        [`.github/models/${s.model}.yml`]: `model: ${s.model}\nproduction:\n  - version: ${version}\n`,
        ...files
      }
    })
  }

  it('evaluate → pull request → two approvals → merge → promote, recorded back to MLflow and GitHub', async () => {
    const s = await scenario([weaker, stronger])
    const [v1, v2] = s.versions
    const evaluated = await evaluate(s, v2)
    expect(evaluated.status).toBe(0)
    expect(evaluated.outputs.decision).toBe('passed')
    // The log is grouped by phase: the reads and verdicts, then the writes; the outcome outside any group.
    expect(evaluated.stdout.match(/^::(group|endgroup)::.*$/gm)).toEqual([
      '::group::Evidence and verdicts (nothing is written yet)',
      '::endgroup::',
      '::group::Writes: Staging, tags, pull requests',
      '::endgroup::'
    ])
    const number = Number(evaluated.outputs['pr-number'])
    expect(evaluated.outputs['pr-url']).toBe(`${world.github.htmlUrl}/${s.repo}/pull/${number}`)

    const pull = world.github.pullRequest(s.repo, number) as {
      title: string
      body: string
      head: { ref: string }
    }
    expect(pull.title).toBe(`Promote ${s.model} v${v2} to production`)
    expect(pull.head.ref).toBe(promotionBranch(s.model, v2))
    expect(pull.body).toContain(`### ✅ ${s.model} v${v2}: passed`)
    expect(pull.body).toContain('| ✅ | f1 vs champion')
    expect(world.github.readFile(s.repo, pull.head.ref, `.github/models/${s.model}.yml`)).toContain(
      `model: ${s.model}\nproduction:\n  - version: ${v2}\n`
    )
    expect(world.github.labels(s.repo, number)).toEqual(['model-promotion'])
    expect(world.github.requestedReviewers(s.repo, number)).toEqual({ users: ['alice'], teams: ['ml-leads'] })

    // Re-running evaluate is a no-op that keeps the same pull request.
    const again = await evaluate(s, v2)
    expect(again.outputs['pr-number']).toBe(String(number))
    expect(again.stdout).toContain('already evaluated with this policy')
    expect(world.github.pullRequests(s.repo)).toHaveLength(1)

    await world.github.review('alice', s.repo, number, 'APPROVE')
    await world.github.review('bob', s.repo, number, 'APPROVE') // allowed through the @acme/ml-leads team
    const { sha } = await world.github.merge('carol', s.repo, number)

    const promoted = await promote(s, number)
    expect(promoted.stdout).toContain(`${s.model}: production is now v${v2}`)
    expect(promoted.status).toBe(0)
    expect(promoted.outputs.decision).toBe('promoted')
    expect(JSON.parse(promoted.outputs['production-versions'])).toEqual([
      { version: v2, traffic: 100, alias: 'champion' }
    ])

    const registered = await client.getRegisteredModel(s.model)
    expect(registered.aliases).toEqual([{ alias: 'champion', version: v2 }])
    const tags = await promotionTags(s, v2)
    expect(tags).toMatchObject({
      'promotion.pr': `${world.github.htmlUrl}/${s.repo}/pull/${number}`,
      'promotion.approved_by': 'alice,bob',
      'promotion.merged_by': 'carol',
      'promotion.merge_sha': sha,
      'promotion.previous_production': v1,
      'promotion.decision': 'passed'
    })
    expect(Date.parse(tags['promotion.promoted_at'])).not.toBeNaN()
    expect((await promotionTags(s, v1))['promotion.archived_reason']).toBe(
      `replaced through ${world.github.htmlUrl}/${s.repo}/pull/${number}`
    )

    const comments = world.github.comments(s.repo, number) as { body: string }[]
    expect(comments).toHaveLength(1)
    expect(comments[0].body).toContain('<!-- mlflow-promotion-gate:promote -->')
    expect(comments[0].body).toContain(`### ✅ Promoted ${s.model}`)
    const [deployment] = world.github.deployments(s.repo) as {
      sha: string
      environment: string
      statuses: { state: string }[]
    }[]
    expect(deployment).toMatchObject({ sha, environment: 'production' })
    expect(deployment.statuses.map(status => status.state)).toEqual(['success'])

    // A second run of the same promote changes nothing and says so.
    const before = await registryState(s)
    const rerun = await promote(s, number)
    expect(rerun.status).toBe(0)
    expect(rerun.outputs.decision).toBe('unchanged')
    expect(await registryState(s)).toEqual(before)
    expect(world.github.comments(s.repo, number)).toHaveLength(1)
    expect(world.github.deployments(s.repo)).toHaveLength(1)
    expect(world.github.deployments(s.repo)[0].statuses).toHaveLength(1)
  })

  it('a reviewer GitHub will not request is a warning: the pull request is open and the step passes', async () => {
    const s = await scenario([weaker, stronger], { reviewers: '[alice, nobody-here]' })
    const evaluated = await evaluate(s, s.versions[1])
    expect(evaluated.status).toBe(0)
    expect(evaluated.stdout).toMatch(
      /::warning::Pull request #\d+: the reviewers alice, nobody-here could not be requested \(GitHub POST .* failed \(HTTP 422\): Reviews may only be requested from collaborators/
    )
    expect(evaluated.outputs['pr-number']).toMatch(/^\d+$/)
    expect(world.github.labels(s.repo, Number(evaluated.outputs['pr-number']))).toEqual(['model-promotion'])
  })

  it('polling several passing versions in one run leaves the newest one pull request open', async () => {
    const s = await scenario([weaker, stronger, stronger])
    const [, v2, v3] = s.versions
    const polled = await runBundle(inputs('evaluate', { model: s.model }), { env: env(s) })
    expect(polled.status).toBe(0)
    expect(polled.outputs.version).toBe(`${v2},${v3}`)
    const pulls = world.github.pullRequests(s.repo) as { state: string; head: { ref: string } }[]
    expect(pulls.filter(p => p.state === 'open').map(p => p.head.ref)).toEqual([promotionBranch(s.model, v3)])
    expect(pulls.filter(p => p.state === 'closed').map(p => p.head.ref)).toEqual([
      promotionBranch(s.model, v2)
    ])
  })

  it('a newer passing version supersedes the older open pull request', async () => {
    const s = await scenario([weaker, stronger, stronger])
    const [, v2, v3] = s.versions
    const first = Number((await evaluate(s, v2)).outputs['pr-number'])
    const second = await evaluate(s, v3)
    const number = Number(second.outputs['pr-number'])
    expect(number).not.toBe(first)
    expect((world.github.pullRequest(s.repo, first) as { state: string }).state).toBe('closed')
    expect((world.github.comments(s.repo, first) as { body: string }[])[0].body).toContain(
      `Superseded by #${number}`
    )
    expect((world.github.pullRequest(s.repo, number) as { state: string }).state).toBe('open')
  })

  async function expectRefused(s: Scenario, number: number, message: string, merge = true) {
    const before = await registryState(s)
    if (merge) await world.github.merge('carol', s.repo, number)
    const result = await promote(s, number)
    expect(result.status).toBe(1)
    expect(result.outputs.decision).toBe('refused')
    expect(result.stdout).toContain(message)
    expect(await registryState(s)).toEqual(before)
    const comments = world.github.comments(s.repo, number) as { body: string }[]
    expect(comments.at(-1)!.body).toContain('❌ Not promoted')
  }

  it('a broken record on the default branch does not block the pull request that repairs it', async () => {
    const s = await scenario([weaker, stronger], { champion: 0 })
    const [v1, v2] = s.versions
    await world.github.pushFiles('carol', s.repo, 'main', {
      [`.github/models/${s.model}.yml`]: 'model: [broken\n'
    })
    const { number, sha } = await world.promoteThroughGate(s, v2)
    expect(await world.productionVersions(s)).toEqual([v2])
    expect(await world.promotionTags(s, v2)).toMatchObject({
      'promotion.merge_sha': sha,
      'promotion.previous_production': v1
    })
    expect((await world.promotionTags(s, v1))['promotion.archived_reason']).toContain(`/pull/${number}`)
  })

  it('refuses when only an author of the pull request approved', async () => {
    const s = await scenario([weaker, stronger])
    const number = Number((await evaluate(s, s.versions[1])).outputs['pr-number'])
    const branch = promotionBranch(s.model, s.versions[1])
    // alice edits the record on the branch, which makes her an author; her approval then does not count.
    await world.github.pushFiles('alice', s.repo, branch, {
      [`.github/models/${s.model}.yml`]: `model: ${s.model}\nproduction:\n  - version: ${s.versions[1]}\n    traffic: 100\n`
    })
    await world.github.review('alice', s.repo, number, 'APPROVE')
    await expectRefused(s, number, 'alice not counted: is an author of the pull request')
  })

  it('refuses an approval given on an older head commit', async () => {
    const s = await scenario([weaker, stronger])
    const number = Number((await evaluate(s, s.versions[1])).outputs['pr-number'])
    await world.github.review('bob', s.repo, number, 'APPROVE')
    await world.github.pushFiles('dave', s.repo, promotionBranch(s.model, s.versions[1]), {
      [`.github/models/${s.model}.yml`]: `model: ${s.model}\nproduction:\n  - version: ${s.versions[1]}\n    traffic: 100\n`
    })
    await world.github.review('alice', s.repo, number, 'APPROVE')
    await expectRefused(s, number, 'bob not counted: approved an earlier commit')
  })

  it('refuses a dismissed approval', async () => {
    const s = await scenario([weaker, stronger])
    const number = Number((await evaluate(s, s.versions[1])).outputs['pr-number'])
    const { id } = await world.github.review('bob', s.repo, number, 'APPROVE')
    await world.github.review('alice', s.repo, number, 'APPROVE')
    await world.github.dismissReview('carol', s.repo, number, id, 'not yet')
    await expectRefused(s, number, 'bob not counted: their review was dismissed')
  })

  it('refuses when changes were requested after approving', async () => {
    const s = await scenario([weaker, stronger])
    const number = Number((await evaluate(s, s.versions[1])).outputs['pr-number'])
    await world.github.review('bob', s.repo, number, 'APPROVE')
    await world.github.review('alice', s.repo, number, 'APPROVE')
    await world.github.review('bob', s.repo, number, 'REQUEST_CHANGES', {
      body: 'latency regressed in shadow traffic'
    })
    await expectRefused(s, number, 'changes requested by bob')
  })

  it('refuses an approver outside the allow-list or without write access', async () => {
    const s = await scenario([weaker, stronger])
    const number = Number((await evaluate(s, s.versions[1])).outputs['pr-number'])
    await world.github.review('alice', s.repo, number, 'APPROVE')
    await world.github.review('mallory', s.repo, number, 'APPROVE')
    await expectRefused(s, number, 'mallory not counted: is not on the policy’s approver list')
  })

  it('refuses a pull request that also edits the policy', async () => {
    const s = await scenario([weaker, stronger])
    const { number } = await openByHand(s, s.versions[1], {
      [POLICY]: s.policy.replace('approvals: 2', 'approvals: 0')
    })
    await world.github.review('bob', s.repo, number, 'APPROVE')
    await world.github.review('carol', s.repo, number, 'APPROVE')
    await expectRefused(s, number, 'changes only its record file: changes 2 files')
  })

  it('refuses a pull request from a fork', async () => {
    const s = await scenario([weaker, stronger])
    const { number } = await world.github.openPullRequest('outsider', s.repo, {
      branch: 'promote',
      title: 'Promote',
      fromFork: true,
      files: {
        [`.github/models/${s.model}.yml`]: `model: ${s.model}\nproduction:\n  - version: ${s.versions[1]}\n`
      }
    })
    await world.github.review('bob', s.repo, number, 'APPROVE')
    await world.github.review('alice', s.repo, number, 'APPROVE')
    await expectRefused(s, number, 'comes from this repository: head branch lives in outsider/')
  })

  it('does nothing for an older merge once a newer record change has merged', async () => {
    const s = await scenario([weaker, stronger, stronger])
    const [, v2, v3] = s.versions
    const older = Number((await evaluate(s, v2)).outputs['pr-number'])
    await world.github.review('alice', s.repo, older, 'APPROVE')
    await world.github.review('bob', s.repo, older, 'APPROVE')
    await world.github.merge('carol', s.repo, older)
    const newer = await openByHand(s, v3)
    await world.github.review('bob', s.repo, newer.number, 'APPROVE')
    await world.github.review('carol', s.repo, newer.number, 'APPROVE')
    await world.github.merge('dave', s.repo, newer.number)
    // The promote of the newer merge runs first (queued runs need not keep their order).
    expect((await promote(s, newer.number)).status).toBe(0)
    expect(await world.productionVersions(s)).toEqual([v3])
    const before = await registryState(s)
    const stale = await promote(s, older)
    expect(stale.status).toBe(0)
    expect(stale.outputs.decision).toBe('noop')
    expect(stale.stdout).toContain(
      'has changed on main since this merge: a newer decision about the model is in force'
    )
    expect(await registryState(s)).toEqual(before)
    expect(await world.productionVersions(s)).toEqual([v3])
  })

  it('does nothing for a pull request closed without merging', async () => {
    const s = await scenario([weaker, stronger])
    const number = Number((await evaluate(s, s.versions[1])).outputs['pr-number'])
    await world.github.closePullRequest('alice', s.repo, number)
    const before = await registryState(s)
    const result = await promote(s, number, 'alice')
    expect(result.status).toBe(0)
    expect(result.outputs.decision).toBe('noop')
    expect(result.stdout).toContain('closed without merging; nothing to promote')
    expect(await registryState(s)).toEqual(before)
  })

  it('verify passes a well-formed promotion pull request and fails one that edits more than its record', async () => {
    const s = await scenario([weaker, stronger])
    const number = Number((await evaluate(s, s.versions[1])).outputs['pr-number'])
    const verify = (pull: number) =>
      runBundle(inputs('verify'), {
        env: env(s),
        event: {
          name: 'pull_request',
          payload: world.github.pullRequestEvent(s.repo, pull, 'opened', 'alice')
        }
      })
    const good = await verify(number)
    expect(good.status).toBe(0)
    expect(good.outputs.decision).toBe('verified')
    expect(good.summary).toContain('✅ Ready for approval')
    expect(good.summary).toContain(`| ✅ | evidence for v${s.versions[1]} |`)

    const bad = await openByHand(s, s.versions[1], { 'README.md': 'changed\n' })
    const stale = await verify(bad.number)
    expect(stale.status).toBe(1)
    expect(stale.outputs.decision).toBe('stale')
    expect(stale.stdout).toContain('changes only its record file: changes 2 files')
  })

  /** The `production-versions` output says what the registry holds: versions, weights and aliases. */
  async function expectOutputMatchesRegistry(s: Scenario, output: string) {
    const entries = JSON.parse(output) as { version: string; traffic: number; alias?: string }[]
    const production = await world.productionVersions(s)
    expect(new Set(production)).toEqual(new Set(entries.map(e => e.version)))
    const aliases = (await client.getRegisteredModel(s.model)).aliases
    for (const entry of entries) {
      expect((await promotionTags(s, entry.version))['promotion.traffic']).toBe(String(entry.traffic))
      if (entry.alias !== undefined)
        expect(aliases).toContainEqual({ alias: entry.alias, version: entry.version })
    }
  }

  describe.each<LifecycleKind>(['aliases', 'stages'])('A/B in the %s lifecycle', lifecycle => {
    it('a 90/10 record leaves two production versions with traffic tags, then 100/0; promote also runs on push', async () => {
      const s = await scenario([weaker, stronger], { lifecycle, strategy: 'ab' })
      const [v1, v2] = s.versions
      const number = Number((await evaluate(s, v2)).outputs['pr-number'])
      const branch = promotionBranch(s.model, v2)
      expect(world.github.readFile(s.repo, branch, `.github/models/${s.model}.yml`)).toContain(
        `production:\n  - version: ${v1}\n    traffic: 90\n  - version: ${v2}\n    traffic: 10\n`
      )
      await world.github.review('alice', s.repo, number, 'APPROVE')
      await world.github.review('carol', s.repo, number, 'APPROVE')
      const before = world.github.branchSha(s.repo, 'main')!
      const { sha } = await world.github.merge('bob', s.repo, number)
      const result = await runBundle(inputs('promote'), {
        env: env(s),
        event: { name: 'push', payload: world.github.pushEvent(s.repo, 'main', before, sha, 'bob') }
      })
      expect(result.status).toBe(0)
      expect(JSON.parse(result.outputs['production-versions'])).toEqual(
        lifecycle === 'aliases'
          ? [
              { version: v1, traffic: 90, alias: 'champion' },
              { version: v2, traffic: 10, alias: 'champion-2' }
            ]
          : [
              { version: v1, traffic: 90 },
              { version: v2, traffic: 10 }
            ]
      )
      const production = await createLifecycle(client, lifecycle).productionVersions(s.model)
      expect(new Set(production)).toEqual(new Set([v1, v2]))
      expect((await promotionTags(s, v1))['promotion.traffic']).toBe('90')
      expect((await promotionTags(s, v2))['promotion.traffic']).toBe('10')
      expect((await promotionTags(s, v2))['promotion.merged_by']).toBe('bob')
      await expectOutputMatchesRegistry(s, result.outputs['production-versions'])

      // Then 100/0: both stay in production, the weights move.
      const shift = await world.github.openPullRequest('dave', s.repo, {
        branch: 'shift-traffic',
        title: 'All traffic to the champion',
        files: {
          [`.github/models/${s.model}.yml`]: `model: ${s.model}\nproduction:\n  - version: ${v1}\n    traffic: 100\n  - version: ${v2}\n    traffic: 0\n`
        }
      })
      await world.github.review('alice', s.repo, shift.number, 'APPROVE')
      await world.github.review('bob', s.repo, shift.number, 'APPROVE')
      await world.github.merge('carol', s.repo, shift.number)
      const shifted = await promote(s, shift.number)
      expect(shifted.status).toBe(0)
      expect(
        JSON.parse(shifted.outputs['production-versions']).map((p: { traffic: number }) => p.traffic)
      ).toEqual([100, 0])
      expect((await promotionTags(s, v1))['promotion.traffic']).toBe('100')
      expect((await promotionTags(s, v2))['promotion.traffic']).toBe('0')
      await expectOutputMatchesRegistry(s, shifted.outputs['production-versions'])
    })
  })
}

describe.each(testServers().filter(([, s]) => s.seed.mlflow3))(
  'the pull-request gate against %s',
  (_label, server) => gateSuite(server)
)
