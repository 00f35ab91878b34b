import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { gitBlobSha } from '../../src/commands/policy-file.js'
import type { LifecycleKind } from '../../src/registry/lifecycle/index.js'
import type { Scenario } from '../harness/gate-world.js'
import { useGateWorld } from '../harness/gate-suite.js'
import { runBundle, type BundleRun } from '../harness/runner.js'
import { testServers } from '../harness/servers.js'
import { recordFigure } from '../harness/figures.js'
import { WriteWatch } from '../harness/write-watch.js'

/** The 3.x servers: on sqlite (where the figures quoted come from), on PostgreSQL, and the multi-instance set. */
const servers = testServers().filter(([, s]) => s.seed.mlflow3)

/**
 * Crash consistency: the runner is killed after each successive registry write of `evaluate`, `promote` and
 * `rollback`, the job is re-run, and the registry must end exactly as after an uninterrupted run — tags included —
 * with a production version present at every point observed in between.
 */
describe.each(servers)('crash consistency against %s', (label, server) => {
  const world = useGateWorld(server)
  const { weaker, stronger } = world.seeded
  const watch = new WriteWatch(server.url)
  let proxyUrl: string
  beforeAll(async () => {
    proxyUrl = await watch.start()
  })
  afterAll(() => watch.stop())

  /** The registry state with what legitimately differs between two scenarios (names, times, shas) replaced. */
  async function normalisedState(s: Scenario, replacements: [string, string][]) {
    const state = await world.registryState(s)
    const normalise = (value: string) =>
      replacements
        .reduce((text, [from, to]) => text.split(from).join(to), value)
        .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    return {
      aliases: state.aliases
        .map(a => ({ alias: a.alias, version: a.version }))
        .sort((a, b) => (a.alias < b.alias ? -1 : 1)),
      versions: state.versions.map(v => ({
        version: v.version,
        stage: v.stage,
        tags: Object.fromEntries(
          v.tags.map(t => [t.key, normalise(t.value)] as const).sort(([a], [b]) => (a < b ? -1 : 1))
        )
      }))
    }
  }

  interface Job {
    scenario: Scenario
    replacements: [string, string][]
    /** Runs the job's command with the registry reached through the watching proxy. */
    run(): Promise<BundleRun>
  }

  async function throughWatch(job: Job, cutAfter?: number): Promise<BundleRun> {
    watch.reset(cutAfter)
    watch.observe = () => world.productionVersions(job.scenario)
    return job.run()
  }

  function spawnHook() {
    return { onSpawn: (child: import('node:child_process').ChildProcess) => (watch.child = child) }
  }

  /** v1 in production (directly), v2 evaluated, approved by two people, merged: `promote` is what is left. */
  async function promoteJob(lifecycle: LifecycleKind): Promise<Job> {
    const s = await world.scenario([weaker, stronger], { lifecycle, champion: 0 })
    const { number, sha } = await world.mergedPromotion(s, s.versions[1])
    return {
      scenario: s,
      replacements: [
        [sha, '<merge-sha>'],
        [s.repo, '<repo>'],
        [s.model, '<model>'],
        [gitBlobSha(Buffer.from(s.policy)), '<policy-sha>']
      ],
      run: () =>
        runBundle(world.inputs('promote', { 'tracking-uri': proxyUrl }), {
          env: world.env(s),
          event: {
            name: 'pull_request',
            payload: world.github.pullRequestEvent(s.repo, number, 'closed', 'carol')
          },
          ...spawnHook()
        })
    }
  }

  /** v1 in production, v2 new: `evaluate` of v2 (its move to Staging and its tags; no pull request). */
  async function evaluateJob(lifecycle: LifecycleKind): Promise<Job> {
    const s = await world.scenario([weaker, stronger], { lifecycle, champion: 0 })
    return {
      scenario: s,
      replacements: [
        [s.repo, '<repo>'],
        [s.model, '<model>'],
        [gitBlobSha(Buffer.from(s.policy)), '<policy-sha>']
      ],
      run: () =>
        runBundle(
          world.inputs('evaluate', {
            model: s.model,
            version: s.versions[1],
            'open-pr': 'false',
            'tracking-uri': proxyUrl
          }),
          { env: world.env(s), ...spawnHook() }
        )
    }
  }

  /** v1 then v2 promoted through the gate: `rollback` (in one workflow run) is what is left. */
  async function rollbackJob(lifecycle: LifecycleKind): Promise<Job> {
    const s = await world.scenario([weaker, stronger], { lifecycle })
    const first = await world.promoteThroughGate(s, s.versions[0])
    const second = await world.promoteThroughGate(s, s.versions[1])
    const { id } = world.github.addWorkflowRun(s.repo, { event: 'workflow_dispatch', actor: 'dave' })
    return {
      scenario: s,
      replacements: [
        [second.sha, '<merge-sha>'],
        [first.sha, '<first-merge-sha>'],
        [s.repo, '<repo>'],
        [s.model, '<model>'],
        [gitBlobSha(Buffer.from(s.policy)), '<policy-sha>'],
        [`#${id}`, '#<run>']
      ],
      run: () =>
        runBundle(
          world.inputs('rollback', { model: s.model, reason: 'error rate up', 'tracking-uri': proxyUrl }),
          {
            env: world.env(s, { GITHUB_RUN_ID: String(id) }),
            ...spawnHook()
          }
        )
    }
  }

  describe.each<[string, (lifecycle: LifecycleKind) => Promise<Job>]>([
    ['evaluate', evaluateJob],
    ['promote', promoteJob],
    ['rollback', rollbackJob]
  ])('%s', (command, prepare) => {
    describe.each<LifecycleKind>(['aliases', 'stages'])('%s lifecycle', lifecycle => {
      let reference: Awaited<ReturnType<typeof normalisedState>>
      let writes = 0

      beforeAll(async () => {
        const job = await prepare(lifecycle)
        const result = await throughWatch(job)
        expect(result.status).toBe(0)
        writes = watch.writes
        recordFigure(
          `crash: ${command}, ${lifecycle}${server === servers[0][1] ? '' : ` (${label})`}: registry writes, each cut in turn`,
          writes
        )
        expect(watch.observed.every(set => set.length > 0)).toBe(true)
        reference = await normalisedState(job.scenario, job.replacements)
      })

      it('the uninterrupted run writes to the registry and keeps a production version throughout', () => {
        expect(writes).toBeGreaterThan(2)
      })

      it('killed after each write in turn, then re-run, ends as the uninterrupted run did', async () => {
        for (let cutAfter = 0; cutAfter < writes; cutAfter++) {
          const job = await prepare(lifecycle)
          const killed = await throughWatch(job, cutAfter)
          expect({ cutAfter, killed: watch.cut, status: killed.status }).toEqual({
            cutAfter,
            killed: true,
            status: null
          })
          const seenWhileCut = [...watch.observed]
          if (command === 'evaluate') {
            // The decision tag is written last: a version with one has the rest of its evaluation too.
            const cut = await normalisedState(job.scenario, job.replacements)
            const candidate = cut.versions.find(v => v.version === job.scenario.versions[1])
            const decided = candidate?.tags['promotion.decision'] !== undefined
            expect({ cutAfter, decided, complete: decided ? candidate : 'undecided' }).toEqual({
              cutAfter,
              decided,
              complete: decided
                ? reference.versions.find(v => v.version === job.scenario.versions[1])
                : 'undecided'
            })
          }
          const rerun = await throughWatch(job)
          expect({ cutAfter, status: rerun.status, stdout: rerun.status === 0 ? '' : rerun.stdout }).toEqual({
            cutAfter,
            status: 0,
            stdout: ''
          })
          const seen = [...seenWhileCut, ...watch.observed, await world.productionVersions(job.scenario)]
          expect({ cutAfter, emptyProduction: seen.filter(set => set.length === 0).length }).toEqual({
            cutAfter,
            emptyProduction: 0
          })
          expect({ cutAfter, state: await normalisedState(job.scenario, job.replacements) }).toEqual({
            cutAfter,
            state: reference
          })
        }
      })
    })
  })

  // The cuts above land wherever the parallel tag writes happen to be; this one is exact: the replaced version keeps
  // `archived_reason` but lost `archived_at` (a runner killed between the two), and the re-run writes the pair.
  it("a re-run after a cut between the replaced version's two archive tags writes both", async () => {
    const s = await world.scenario([weaker, stronger], { champion: 0 })
    const [v1, v2] = s.versions
    const { number } = await world.promoteThroughGate(s, v2)
    const reference = await world.promotionTags(s, v1)
    expect(reference['promotion.archived_reason']).toBe(
      `replaced through ${world.github.htmlUrl}/${s.repo}/pull/${number}`
    )
    await world.client.deleteModelVersionTag(s.model, v1, 'promotion.archived_at')
    const rerun = await world.promote(s, number)
    expect(rerun.status).toBe(0)
    expect(await world.promotionTags(s, v1)).toEqual({
      ...reference,
      'promotion.archived_at': expect.stringMatching(/^\d{4}-\d\d-\d\dT/)
    })
  })
})
