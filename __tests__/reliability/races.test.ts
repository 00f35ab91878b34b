import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { LifecycleKind } from '../../src/registry/lifecycle/index.js'
import { promotionBranch } from '../../src/domain/names.js'
import { useGateWorld } from '../harness/gate-suite.js'
import type { Scenario } from '../harness/gate-world.js'
import { holdingProxy } from '../harness/proxy.js'
import { runBundle } from '../harness/runner.js'
import { testServers } from '../harness/servers.js'
import { WriteWatch, isRegistryWrite } from '../harness/write-watch.js'

/**
 * Two jobs on one model at the same moment: what the registry ends with, read back through MLflow's API; against
 * the 3.x server on sqlite and the one on PostgreSQL with two workers, whose writes really run side by side.
 */
describe.each(testServers().filter(([, s]) => s.seed.mlflow3))('races against %s', (_label, server) => {
  const world = useGateWorld(server)
  const { weaker, stronger } = world.seeded
  const watch = new WriteWatch(server.url)
  let watched: string
  beforeAll(async () => {
    watched = await watch.start()
  })
  afterAll(() => watch.stop())

  function promote(s: Scenario, number: number, trackingUri = server.url) {
    return runBundle(world.inputs('promote', { 'tracking-uri': trackingUri }), {
      env: world.env(s),
      event: {
        name: 'pull_request',
        payload: world.github.pullRequestEvent(s.repo, number, 'closed', 'carol')
      }
    })
  }

  describe.each<LifecycleKind>(['aliases', 'stages'])('%s lifecycle', lifecycle => {
    it('the same merge promoted twice at once (the pull_request run and the push run): one promotion, recorded once', async () => {
      const s = await world.scenario([weaker, stronger], { lifecycle, champion: 0 })
      const [v1, v2] = s.versions
      const { number, sha } = await world.mergedPromotion(s, v2)
      watch.reset()
      watch.observe = () => world.productionVersions(s)
      const onPush = runBundle(world.inputs('promote', { 'tracking-uri': watched }), {
        env: world.env(s),
        event: {
          name: 'push',
          payload: world.github.pushEvent(
            s.repo,
            'main',
            world.github.branchSha(s.repo, 'main')!,
            sha,
            'carol'
          )
        }
      })
      const [a, b] = await Promise.all([promote(s, number, watched), onPush])
      expect([a.status, b.status]).toEqual([0, 0])
      expect(watch.observed.filter(set => set.length === 0)).toEqual([])
      expect(await world.productionVersions(s)).toEqual([v2])
      expect(await world.promotionTags(s, v2)).toMatchObject({
        'promotion.merge_sha': sha,
        'promotion.previous_production': v1,
        'promotion.approved_by': 'alice,bob'
      })
      expect((await world.promotionTags(s, v1))['promotion.archived_reason']).toContain(`/pull/${number}`)
    })

    it('two merges promoted at once: the latest record wins, the older merge does nothing and says why', async () => {
      const s = await world.scenario([weaker, stronger, stronger], { lifecycle, champion: 0 })
      const [v1, v2, v3] = s.versions
      const older = await world.mergedPromotion(s, v2)
      const newer = await world.mergedPromotion(s, v3)
      const [first, second] = await Promise.all([promote(s, older.number), promote(s, newer.number)])
      expect(first.status).toBe(0)
      expect(first.outputs.decision).toBe('noop')
      expect(first.stdout).toContain(
        'has changed on main since this merge: a newer decision about the model is in force'
      )
      expect(second.status).toBe(0)
      expect(await world.productionVersions(s)).toEqual([v3])
      expect((await world.promotionTags(s, v2))['promotion.merge_sha']).toBeUndefined()
      expect(await world.promotionTags(s, v3)).toMatchObject({ 'promotion.merge_sha': newer.sha })
      expect((await world.promotionTags(s, v1))['promotion.archived_reason']).toContain(
        `/pull/${newer.number}`
      )
    })

    it('an older promote whose writes land after a newer one fails loudly, and re-running the newer one restores it', async () => {
      const s = await world.scenario([weaker, stronger, stronger], { lifecycle, champion: 0 })
      const [, v2, v3] = s.versions
      const older = await world.mergedPromotion(s, v2)
      // The older run passes every check, then its first registry write waits until the newer run has finished.
      const hold = await holdingProxy(server.url, isRegistryWrite)
      try {
        const olderRun = promote(s, older.number, hold.url)
        await hold.reached
        const newer = await world.mergedPromotion(s, v3)
        expect((await promote(s, newer.number)).status).toBe(0)
        expect(await world.productionVersions(s)).toEqual([v3])
        hold.release()
        const late = await olderRun
        expect(late.status).toBe(1)
        expect(late.stdout).toContain(
          `a newer record (v${v3}) was merged into main while this promote was writing v${v2}; re-run the promote of the latest merge`
        )
        expect(await world.productionVersions(s)).toEqual([v2])
        // What the message asks for: the newer promote, re-run, puts the registry back on the latest record.
        expect((await promote(s, newer.number)).status).toBe(0)
        expect(await world.productionVersions(s)).toEqual([v3])
        expect((await world.promotionTags(s, v3))['promotion.merge_sha']).toBe(newer.sha)
      } finally {
        await hold.stop()
      }
    })

    it('archive planned before a promotion and acting after it leaves the promoted version alone', async () => {
      const s = await world.scenario([weaker, stronger, stronger], {
        lifecycle,
        champion: 0,
        extraPolicy: ['    retention:', '      archive_staging_after_days: 0.00001']
      })
      const [v1, v2, v3] = s.versions
      const { number } = await world.mergedPromotion(s, v2)
      // v3 passed evaluation too but no pull request was opened for it: v2 and v3 are staging versions past the
      // window (with aliases, v3 holds the staging alias, which keeps it).
      const staged = await runBundle(
        world.inputs('evaluate', { model: s.model, version: v3, 'open-pr': 'false' }),
        {
          env: world.env(s)
        }
      )
      expect(staged.status).toBe(0)
      await new Promise(resolve => setTimeout(resolve, 1500))

      // archive reads its plan (v2 and v3 both past the window, v2 not yet promoted), then waits at its first
      // per-version read until promote has finished, which starts only once archive is there.
      const hold = await holdingProxy(server.url, req => req.url?.includes('/model-versions/get') === true)
      try {
        const archiving = runBundle(world.inputs('archive', { model: s.model, 'tracking-uri': hold.url }), {
          env: world.env(s)
        })
        await hold.reached
        const promotion = await promote(s, number)
        hold.release()
        const archived = await archiving
        expect(promotion.status).toBe(0)
        expect(archived.status).toBe(0)
        expect(archived.stdout).toContain(`v${v2} left alone: it `)
        expect(JSON.parse(archived.outputs['archived-versions'])).toEqual(
          lifecycle === 'aliases' ? [] : [expect.objectContaining({ model: s.model, version: v3 })]
        )
        expect(await world.productionVersions(s)).toEqual([v2])
        expect((await world.promotionTags(s, v2))['promotion.archived_at']).toBeUndefined()
        expect((await world.promotionTags(s, v1))['promotion.archived_reason']).toContain('replaced through')
        if (lifecycle === 'stages') {
          const stages = await Promise.all(s.versions.map(v => world.client.getModelVersion(s.model, v)))
          expect(stages.map(v => v.current_stage)).toEqual(['Archived', 'Production', 'Archived'])
          expect((await world.promotionTags(s, v3))['promotion.archived_at']).toBeDefined()
        }
      } finally {
        await hold.stop()
      }
    })

    it('archive and promote started together, without any holding: production is never empty, v2 serves', async () => {
      const s = await world.scenario([weaker, stronger, stronger], {
        lifecycle,
        champion: 0,
        extraPolicy: ['    retention:', '      archive_staging_after_days: 0.00001']
      })
      const [, v2] = s.versions
      const { number } = await world.mergedPromotion(s, v2)
      await new Promise(resolve => setTimeout(resolve, 1500))
      watch.reset()
      watch.observe = () => world.productionVersions(s)
      const [promotion, archived] = await Promise.all([
        promote(s, number, watched),
        runBundle(world.inputs('archive', { model: s.model, 'tracking-uri': watched }), { env: world.env(s) })
      ])
      expect([promotion.status, archived.status]).toEqual([0, 0])
      expect(watch.observed.filter(set => set.length === 0)).toEqual([])
      expect(await world.productionVersions(s)).toEqual([v2])
      // Which of the two wrote v2's tags last depends on timing: RELIABILITY.md explains the window this leaves.
    })
  })

  describe('two evaluate runs opening the same promotion pull request (as peter-evans/create-pull-request does)', () => {
    const onePullRequest = (s: Scenario) =>
      (world.github.pullRequests(s.repo) as { state: string; head: { ref: string } }[]).filter(
        pull => pull.state === 'open'
      )

    it('the other run opens the pull request while a writer pushes to its branch: not adopted', async () => {
      const s = await world.scenario([weaker, stronger], { champion: 0 })
      const [, v2] = s.versions
      world.github.interleave('POST', new RegExp(`/repos/${s.repo}/pulls$`), async () => {
        await world.evaluate(s, v2)
        await world.github.pushFiles('alice', s.repo, promotionBranch(s.model, v2), {
          [`.github/models/${s.model}.yml`]: `model: ${s.model}\nproduction:\n  - version: 1\n`
        })
      })
      const run = await world.evaluate(s, v2)
      expect(run.status).toBe(1)
      expect(run.stdout).toMatch(
        /::error::The branch promotion\/.* already exists and the gate did not write it alone \(alice pushed to it\)/
      )
    })

    it.each<[string, string, (repo: string) => RegExp]>([
      [
        'creates the branch between our read and our write: the 422 "Reference already exists" adopts it',
        '/git/refs',
        () => /\/git\/refs$/
      ],
      [
        'opens the pull request between our read and our create: the 422 "already exists" updates it',
        '/pulls',
        repo => new RegExp(`/repos/${repo}/pulls$`)
      ]
    ])('the other run %s', async (_name, endpoint, path) => {
      const s = await world.scenario([weaker, stronger], { champion: 0 })
      const [, v2] = s.versions
      let other: Awaited<ReturnType<typeof world.evaluate>> | undefined
      world.github.interleave('POST', path(s.repo), async () => {
        other = await world.evaluate(s, v2)
      })
      const run = await world.evaluate(s, v2)
      expect(other?.status).toBe(0)
      expect(run.stdout).not.toContain('::error')
      expect(run.status).toBe(0)
      expect(run.outputs['pr-number']).toBe(other?.outputs['pr-number'])
      expect(onePullRequest(s)).toHaveLength(1)
      expect(
        world.github.requests.some(r => r.method === 'POST' && r.path.endsWith(endpoint) && r.status === 422)
      ).toBe(true)
    })
  })
})
