import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import type { GitHubStandIn } from '../../tools/github-stand-in/index.js'
import type { LifecycleKind } from '../../src/registry/lifecycle/index.js'
import { GateWorld } from '../harness/gate-world.js'
import { runBundle } from '../harness/runner.js'
import { testServers } from '../harness/servers.js'

const [[label, server]] = testServers()

describe(`rollback against ${label}`, () => {
  const world = new GateWorld(server)
  const { weaker, stronger } = world.seeded
  let github: GitHubStandIn
  beforeAll(async () => {
    await world.start()
    github = world.github
  })
  afterAll(() => world.stop())
  afterEach(() => github.assertNoViolations())

  describe.each<LifecycleKind>(['aliases', 'stages'])('%s lifecycle', lifecycle => {
    it('promote v1, promote v2, rollback: v1 serves again, v2 is out with the reason and who, a record PR follows', async () => {
      const s = await world.scenario([weaker, stronger], { lifecycle })
      const [v1, v2] = s.versions
      await world.promoteThroughGate(s, v1)
      await world.promoteThroughGate(s, v2)
      expect(await world.productionVersions(s)).toEqual([v2])

      const { id } = github.addWorkflowRun(s.repo, { event: 'workflow_dispatch', actor: 'dave' })
      const rollback = () =>
        runBundle(world.inputs('rollback', { model: s.model, reason: 'p95 latency doubled' }), {
          env: world.env(s, { GITHUB_RUN_ID: String(id) })
        })
      const result = await rollback()
      expect(result.stdout).toContain(`${s.model}: rolled back to v${v1} (out of production: v${v2})`)
      expect(result.status).toBe(0)
      expect(result.outputs.decision).toBe('rolled-back')
      expect(JSON.parse(result.outputs['archived-versions'])).toEqual([v2])
      expect(await world.productionVersions(s)).toEqual([v1])
      if (lifecycle === 'stages') {
        expect((await world.client.getModelVersion(s.model, v2)).current_stage).toBe('Archived')
      }
      expect(await world.promotionTags(s, v2)).toMatchObject({
        'promotion.rollback_reason': 'p95 latency doubled',
        'promotion.rolled_back_by': 'dave',
        'promotion.rolled_back_to': v1,
        'promotion.rollback_run': `${s.repo}#${id}`,
        'promotion.archived_reason': `rolled back to v${v1}: p95 latency doubled`
      })

      const number = Number(result.outputs['pr-number'])
      const pull = github.pullRequest(s.repo, number) as {
        title: string
        head: { ref: string }
        body: string
      }
      expect(pull.title).toBe(`Roll back ${s.model} to v${v1}`)
      expect(pull.body).toContain('**Reason:** p95 latency doubled')
      expect(github.readFile(s.repo, pull.head.ref, `.github/models/${s.model}.yml`)).toContain(
        `production:\n  - version: ${v1}\n`
      )

      // Re-running the same workflow run changes nothing and keeps the same pull request.
      const before = await world.registryState(s)
      const again = await rollback()
      expect(again.outputs.decision).toBe('unchanged')
      expect(again.outputs['pr-number']).toBe(String(number))
      expect(await world.registryState(s)).toEqual(before)

      // Merging the record pull request through the gate keeps v1 and records the approvals.
      await github.review('alice', s.repo, number, 'APPROVE')
      await github.review('carol', s.repo, number, 'APPROVE')
      const { sha } = await github.merge('bob', s.repo, number)
      const promoted = await world.promote(s, number, 'bob')
      expect(promoted.status).toBe(0)
      expect(await world.productionVersions(s)).toEqual([v1])
      expect((await world.promotionTags(s, v1))['promotion.merge_sha']).toBe(sha)
    })

    it('merging a plain revert of the promotion pull request has the same effect through promote', async () => {
      const s = await world.scenario([weaker, stronger], { lifecycle })
      const [v1, v2] = s.versions
      await world.promoteThroughGate(s, v1)
      const second = await world.promoteThroughGate(s, v2)

      const revert = await github.revertPullRequest('alice', s.repo, second.number)
      await github.review('bob', s.repo, revert.number, 'APPROVE')
      await github.review('dave', s.repo, revert.number, 'APPROVE')
      const { sha } = await github.merge('carol', s.repo, revert.number)
      const result = await world.promote(s, revert.number)
      expect(result.status).toBe(0)
      expect(result.outputs.decision).toBe('promoted')
      expect(await world.productionVersions(s)).toEqual([v1])
      const revertUrl = `${github.htmlUrl}/${s.repo}/pull/${revert.number}`
      expect(await world.promotionTags(s, v2)).toMatchObject({
        'promotion.rollback_reason': `reverted through ${revertUrl}`,
        'promotion.rolled_back_by': 'carol',
        'promotion.rolled_back_to': v1,
        'promotion.archived_reason': `replaced through ${revertUrl}`
      })
      expect(await world.promotionTags(s, v1)).toMatchObject({
        'promotion.merge_sha': sha,
        'promotion.previous_production': v2,
        'promotion.approved_by': 'bob,dave'
      })
    })
  })

  it('needs a reason, and a dry run writes nothing', async () => {
    const s = await world.scenario([weaker, stronger], { champion: 1 })
    const noReason = await runBundle(world.inputs('rollback', { model: s.model, version: s.versions[0] }), {
      env: world.env(s)
    })
    expect(noReason.status).toBe(1)
    expect(noReason.stdout).toContain('rollback needs the input `reason`')

    const before = await world.registryState(s)
    const dry = await runBundle(
      world.inputs('rollback', {
        model: s.model,
        version: s.versions[0],
        reason: 'drill',
        'dry-run': 'true'
      }),
      { env: world.env(s) }
    )
    expect(dry.status).toBe(0)
    expect(dry.outputs.decision).toBe('planned')
    expect(dry.summary).toContain('Rollback planned (dry run)')
    expect(await world.registryState(s)).toEqual(before)
  })
})
