import { describe, expect, it } from '@jest/globals'
import type { Scenario } from '../harness/gate-world.js'
import { useGateWorld } from '../harness/gate-suite.js'
import { testServers, uniqueName } from '../harness/servers.js'
import { experimentBranch } from '../../src/domain/names.js'
import { EXPERIMENT_POLICY, onlineCounts as counts } from '../harness/experiment-specs.js'

/**
 * The A/B experiment of the article, end to end with the committed bundle: v1 at 90 % and v2 at 10 % through the
 * gate, the serving layer's windows in MLflow, `experiment` on a schedule deciding from always-valid intervals, and
 * every traffic change a pull request that needs the policy's approvals before promote applies it.
 */
describe.each(testServers().slice(0, 2))(
  'A/B experiments decided by statistics, against %s',
  (_label, server) => {
    const world = useGateWorld(server)
    const { weaker, stronger } = world.seeded

    const experiment = (s: Scenario) => world.experiment(s)
    const abScenario = () => world.experimentScenario()

    /** The serving layer's windows: for each window, the primary's and the challenger's impressions and rate. */
    async function serve(
      s: Scenario,
      windows: number[],
      primary: [number, number],
      challenger: [number, number]
    ) {
      const [v1, v2] = s.versions
      for (const window of windows) {
        await world.client.logOnlineWindow(s.model, v1, window, counts(...primary))
        await world.client.logOnlineWindow(s.model, v2, window, counts(...challenger))
      }
    }

    async function approveMergePromote(s: Scenario, number: number) {
      await world.github.review('alice', s.repo, number, 'APPROVE')
      await world.github.review('bob', s.repo, number, 'APPROVE')
      await world.github.merge('carol', s.repo, number)
      const promoted = await world.promote(s, number)
      expect(promoted.stdout).not.toContain('::error::')
      expect(promoted.outputs.decision).toBe('promoted')
      return promoted
    }

    it('90/10 → continue → step to 25 → winner → pull request → approvals → merge → promote at 100', async () => {
      const s = await abScenario()
      const [v1, v2] = s.versions
      expect((await world.promotionTags(s, v2))['promotion.traffic']).toBe('10')

      // Window 1: too few samples for any decision.
      await world.client.logOnlineWindow(s.model, v1, 1, counts(900, 0.1))
      await world.client.logOnlineWindow(s.model, v2, 1, counts(100, 0.1))
      const first = await experiment(s)
      expect(first.stdout).not.toContain('::error::')
      expect(first.status).toBe(0)
      expect(first.outputs.decision).toBe('continue')
      expect(first.outputs['pr-number']).toBe('')
      expect(JSON.parse(first.outputs.result).models[0].challengers[0]).toMatchObject({
        version: v2,
        traffic: 10,
        decision: 'continue',
        samples: { primary: 900, challenger: 100 }
      })

      // Windows 2–4: as many conversions per impression on both, enough to show v2 is not worse by 0.01.
      await serve(s, [2, 3, 4], [60_000, 0.1], [7_000, 0.1])
      const stepped = await experiment(s)
      expect(stepped.stdout).not.toContain('::error::')
      expect(stepped.outputs.decision).toBe('step')
      const stepPull = Number(stepped.outputs['pr-number'])
      const stepBranch = experimentBranch(s.model, v2, 25)
      expect(world.github.pullRequest(s.repo, stepPull)).toMatchObject({
        head: { ref: stepBranch },
        title: `Experiment on ${s.model}: v${v2} to 25% of traffic`
      })
      expect(world.github.readFile(s.repo, stepBranch, `.github/models/${s.model}.yml`)).toContain(
        `production:\n  - version: ${v1}\n    traffic: 75\n  - version: ${v2}\n    traffic: 25\n`
      )
      const body = String(world.github.pullRequest(s.repo, stepPull).body)
      expect(body).toContain('Always-valid interval')
      expect(body).toContain('| ✅ | v' + v2 + ' | error\\_rate |')
      expect(body).toContain('xychart-beta')
      // The schedule looks again before anyone approved: the same pull request, its evidence refreshed.
      const again = await experiment(s)
      expect(again.outputs['pr-number']).toBe(String(stepPull))
      expect(world.github.pullRequests(s.repo).filter(p => p.state === 'open')).toHaveLength(1)

      // The gate judges the experiment's pull request like any other: verify passes it, approvals are needed.
      const verified = await world.verify(s, stepPull)
      expect(verified.outputs.decision).toBe('verified')
      const stepPromoted = await approveMergePromote(s, stepPull)
      expect(JSON.parse(stepPromoted.outputs['production-versions'])).toEqual([
        { version: v1, traffic: 75, alias: 'champion' },
        { version: v2, traffic: 25, alias: 'champion-2' }
      ])

      // Windows 5–7 at 25 %: v2 converts clearly better.
      await serve(s, [5, 6, 7], [150_000, 0.1], [50_000, 0.13])
      const won = await experiment(s)
      expect(won.stdout).not.toContain('::error::')
      expect(won.outputs.decision).toBe('winner')
      const winPull = Number(won.outputs['pr-number'])
      expect(
        world.github.readFile(s.repo, experimentBranch(s.model, v2, 100), `.github/models/${s.model}.yml`)
      ).toContain(`production:\n  - version: ${v2}\n`)
      const challenger = JSON.parse(won.outputs.result).models[0].challengers[0]
      expect(challenger.traffic).toBe(25)
      expect(challenger.effect.lower).toBeGreaterThanOrEqual(0.01)
      expect(won.summary).toContain('🏆')

      // Nothing moved before the merge; after it, v2 alone serves.
      expect(new Set(await world.productionVersions(s))).toEqual(new Set([v1, v2]))
      const final = await approveMergePromote(s, winPull)
      expect(JSON.parse(final.outputs['production-versions'])).toEqual([
        { version: v2, traffic: 100, alias: 'champion' }
      ])
      expect(await world.productionVersions(s)).toEqual([v2])
      const tags = await world.promotionTags(s, v2)
      expect(tags['promotion.approved_by']?.split(',').sort()).toEqual(['alice', 'bob'])

      // With one production version there is no experiment left.
      const over = await experiment(s)
      expect(over.outputs.decision).toBe('none')
      expect(over.stdout).toContain(`only v${v2} in production; no experiment is running`)
    })

    it('a guardrail breach makes the challenger a loser: the pull request takes it out of production', async () => {
      const s = await abScenario()
      const [v1, v2] = s.versions
      for (const window of [1, 2, 3]) {
        await world.client.logOnlineWindow(s.model, v1, window, counts(60_000, 0.1))
        await world.client.logOnlineWindow(s.model, v2, window, {
          ...counts(7_000, 0.1),
          errors: 7_000 * 0.05
        })
      }
      const lost = await experiment(s)
      expect(lost.outputs.decision).toBe('loser')
      expect(JSON.parse(lost.outputs.result).models[0].challengers[0].guardrails[0].state).toBe('breached')
      const pull = Number(lost.outputs['pr-number'])
      expect(
        world.github.readFile(s.repo, experimentBranch(s.model, v2, 0), `.github/models/${s.model}.yml`)
      ).toContain(`production:\n  - version: ${v1}\n`)
      expect(lost.summary).toContain('| ❌ | v' + v2 + ' | error\\_rate |')
      await approveMergePromote(s, pull)
      expect(await world.productionVersions(s)).toEqual([v1])
    })

    it('a newer decision replaces the open pull request of an older one; a dry run opens none', async () => {
      const s = await abScenario()
      await serve(s, [1, 2], [90_000, 0.1], [10_000, 0.1])
      const dry = await world.experiment(s, { 'dry-run': 'true' })
      expect(dry.outputs.decision).toBe('step')
      expect(dry.outputs['pr-number']).toBe('')
      expect(dry.summary).toContain('Dry run: no pull request was opened.')
      expect(world.github.pullRequests(s.repo).filter(p => p.state === 'open')).toHaveLength(0)

      const step = Number((await experiment(s)).outputs['pr-number'])
      // Before anyone approved the step, v2 proves clearly better: the winner's pull request replaces it.
      await serve(s, [3, 4], [90_000, 0.1], [40_000, 0.14])
      const won = await experiment(s)
      expect(won.outputs.decision).toBe('winner')
      const win = Number(won.outputs['pr-number'])
      expect(win).not.toBe(step)
      expect(world.github.pullRequest(s.repo, step)).toMatchObject({ state: 'closed' })
      expect(JSON.stringify(world.github.comments(s.repo, step))).toContain(`Superseded by #${win}`)
    })

    it('on MLflow 3, reads the windows from each version’s logged model with `dataset`; on 2.x says why not', async () => {
      const dataset = uniqueName('online')
      const s = await world.scenario([weaker, stronger], {
        champion: 0,
        strategy: 'ab',
        extraPolicy: [...EXPERIMENT_POLICY, `        dataset: ${dataset}`]
      })
      await world.promoteThroughGate(s, s.versions[1])
      const [v1, v2] = s.versions
      if (!server.seed.mlflow3) {
        const refused = await experiment(s)
        expect(refused.status).toBe(1)
        expect(refused.stdout).toContain('was not registered from an MLflow 3 logged model')
        return
      }
      for (const window of [1, 2]) {
        await world.client.logLoggedModelWindow(s.model, v1, dataset, window, counts(90_000, 0.1))
        await world.client.logLoggedModelWindow(s.model, v2, dataset, window, counts(10_000, 0.1))
      }
      const stepped = await experiment(s)
      expect(stepped.stdout).not.toContain('::error::')
      expect(stepped.outputs.decision).toBe('step')
      expect(JSON.parse(stepped.outputs.result).models[0].challengers[0].samples).toEqual({
        primary: 180_000,
        challenger: 20_000
      })
    })

    it('fails closed, naming the run and metric, on a broken window, a version with no run, and traffic not set through the gate', async () => {
      const s = await abScenario()
      const [v1, v2] = s.versions
      await world.client.logOnlineWindow(s.model, v1, 1, counts(9_000, 0.1))
      const noRun = await experiment(s)
      expect(noRun.status).toBe(1)
      expect(noRun.stdout).toContain(
        `${s.model} v${v2} has no run of online windows in the experiment promotion-gate/${s.model}`
      )
      const runId = await world.client.logOnlineWindow(s.model, v2, 1, {
        ...counts(1_000, 0.1),
        conversions: -3
      })
      const broken = await experiment(s)
      expect(broken.status).toBe(1)
      expect(broken.stdout).toContain(`run ${runId} of v${v2}: metric conversions is -3 in window 1`)
      expect(world.github.pullRequests(s.repo).filter(p => p.state === 'open')).toHaveLength(0)

      // The registry's production changed by hand (v2 taken out of production outside the gate).
      const other = await world.scenario([weaker, stronger], {
        champion: 0,
        strategy: 'ab',
        extraPolicy: EXPERIMENT_POLICY
      })
      await world.client.setAlias(other.model, 'champion-2', other.versions[1])
      const byHand = await experiment(other)
      expect(byHand.status).toBe(1)
      expect(byHand.stdout).toContain('no merge through the gate on the default branch lists them')
    })
  }
)
