import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import { startMlflowServer, type MlflowServer } from '../../scripts/lib/mlflow-server.mjs'
import { createLifecycle } from '../../src/registry/lifecycle/index.js'
import { GitHubStandIn } from '../../tools/github-stand-in/index.js'
import { recordFigure } from '../harness/figures.js'
import { useGateWorld } from '../harness/gate-suite.js'
import type { Scenario } from '../harness/gate-world.js'
import { TestProxy } from '../harness/proxy.js'
import { runBundle, type BundleRun } from '../harness/runner.js'
import { clientFor, testServers, uniqueName } from '../harness/servers.js'
import { toxicLink, type ToxicLink } from '../harness/toxiproxy.js'
import { isRegistryWrite } from '../harness/write-watch.js'

const [[label, server]] = testServers()

/**
 * Faults between the action and a real MLflow server. TCP-level faults (latency, resets, the link down) come from
 * Toxiproxy; HTTP-level ones (503 bursts, 429 with Retry-After), which a TCP proxy cannot make, from TestProxy.
 * The chain is action → Toxiproxy → TestProxy → MLflow, so TestProxy sees each request arrive and can switch a
 * Toxiproxy fault on at an exact point of the run. Every scenario ends by reading the registry back.
 */
describe(`faults against ${label}`, () => {
  const world = useGateWorld(server)
  const { weaker, stronger } = world.seeded
  const inner = new TestProxy(server.url)
  let link: ToxicLink
  let writes = 0
  beforeAll(async () => {
    link = await toxicLink(await inner.start())
  })
  afterEach(async () => {
    inner.interceptor = () => undefined
    await link.removeAllToxics()
    await link.setEnabled(true)
  })
  afterAll(async () => {
    await link.delete()
    await inner.stop()
  })

  /** Runs `fault` when the n-th registry write arrives (then lets that write through unless fault answers). */
  function atWrite(n: number, fault: () => Promise<'drop' | undefined> | 'drop' | undefined) {
    writes = 0
    inner.interceptor = async req => {
      if (!isRegistryWrite(req)) return undefined
      writes += 1
      return writes === n ? fault() : undefined
    }
  }

  async function mergedPromotion(): Promise<{ s: Scenario; number: number; sha: string }> {
    const s = await world.scenario([weaker, stronger], { champion: 0 })
    return { s, ...(await world.mergedPromotion(s, s.versions[1])) }
  }

  function promote(s: Scenario, number: number, env: NodeJS.ProcessEnv = {}): Promise<BundleRun> {
    return runBundle(world.inputs('promote', { 'tracking-uri': link.url }), {
      env: world.env(s, env),
      event: {
        name: 'pull_request',
        payload: world.github.pullRequestEvent(s.repo, number, 'closed', 'carol')
      }
    })
  }

  /** What a completed promotion of v2 over v1 leaves in the registry. */
  async function expectPromoted(s: Scenario, number: number, sha: string): Promise<void> {
    const [v1, v2] = s.versions
    expect(await world.productionVersions(s)).toEqual([v2])
    expect(await world.promotionTags(s, v2)).toMatchObject({
      'promotion.merge_sha': sha,
      'promotion.previous_production': v1,
      'promotion.approved_by': 'alice,bob',
      'promotion.merged_by': 'carol'
    })
    expect((await world.promotionTags(s, v1))['promotion.archived_reason']).toContain(`/pull/${number}`)
  }

  it('a burst of 503 answers in the middle of promote: retried, and the promotion completes', async () => {
    const { s, number, sha } = await mergedPromotion()
    let burst = 0
    writes = 0
    inner.interceptor = req => {
      if (!isRegistryWrite(req)) return undefined
      writes += 1
      if (writes >= 2 && burst < 3) {
        burst += 1
        return {
          status: 503,
          headers: { 'content-type': 'text/html' },
          body: '<html><h1>503 Service Temporarily Unavailable</h1></html>'
        }
      }
      return undefined
    }
    const result = await promote(s, number)
    expect(result.status).toBe(0)
    expect(burst).toBe(3)
    await expectPromoted(s, number, sha)
  })

  it('429 with Retry-After on writes: the wait is honoured and the promotion completes', async () => {
    const { s, number, sha } = await mergedPromotion()
    let limited = 0
    inner.interceptor = req => {
      if (!isRegistryWrite(req) || limited >= 2) return undefined
      limited += 1
      return {
        status: 429,
        headers: { 'retry-after': '1', 'content-type': 'application/json' },
        body: '{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down"}'
      }
    }
    const result = await promote(s, number)
    expect(result.status).toBe(0)
    expect(limited).toBe(2)
    await expectPromoted(s, number, sha)
  })

  it.each<'primary' | 'secondary'>(['secondary', 'primary'])(
    "GitHub's %s rate limit on evaluate's GitHub calls: the run waits as GitHub asks, says so, and opens the pull request",
    async kind => {
      const s = await world.scenario([weaker, stronger], { champion: 0 })
      const since = world.github.requests.length
      world.github.rateLimitNext(2, kind)
      const run = await world.evaluate(s, s.versions[1])
      expect(run.stdout).not.toContain('::error')
      expect(run.status).toBe(0)
      expect(run.stdout).toMatch(
        kind === 'secondary'
          ? /::warning::GitHub's secondary rate limit hit .*; waiting 1 s/
          : /::warning::GitHub's rate limit hit /
      )
      expect(run.outputs['pr-number']).toMatch(/^\d+$/)
      expect(world.github.requests.slice(since).filter(r => r.status === 403)).toHaveLength(2)
    }
  )

  it('answers slower than the request timeout: promote fails with a clear error, and a re-run completes', async () => {
    const { s, number, sha } = await mergedPromotion()
    await link.addToxic('latency', { latency: 2500, jitter: 0 })
    const slow = await promote(s, number, {
      MLFLOW_HTTP_REQUEST_TIMEOUT: '1',
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1'
    })
    expect(slow.status).toBe(1)
    expect(slow.stdout).toMatch(/::error::.*failed after 2 attempt\(s\): the request timed out/)
    expect(await world.productionVersions(s)).toEqual([s.versions[0]])
    await link.removeAllToxics()
    expect((await promote(s, number)).status).toBe(0)
    await expectPromoted(s, number, sha)
  })

  it('connections reset by the peer at the third registry write (after the server applied it): completes', async () => {
    const { s, number, sha } = await mergedPromotion()
    atWrite(3, async () => {
      // Every connection through the link is reset for half a second, the answer to this write included.
      const toxic = await link.addToxic('reset_peer', { timeout: 0 })
      setTimeout(() => void link.removeToxic(toxic).catch(() => undefined), 500)
      return undefined
    })
    const result = await promote(s, number)
    const completed = result.status === 0 ? result : await promote(s, number)
    expect(completed.status).toBe(0)
    expect(writes).toBeGreaterThanOrEqual(3)
    await expectPromoted(s, number, sha)
  })

  it('the registry unreachable for two seconds at the second write: the retries wait it out', async () => {
    const { s, number, sha } = await mergedPromotion()
    atWrite(2, async () => {
      await link.setEnabled(false)
      setTimeout(() => void link.setEnabled(true), 2000)
      return 'drop' as const
    })
    const result = await promote(s, number)
    const completed = result.status === 0 ? result : await promote(s, number)
    expect(completed.status).toBe(0)
    await expectPromoted(s, number, sha)
  })
})

describe(`a server restarted in the middle of a rollback (MLflow ${server.version})`, () => {
  let restartable: MlflowServer
  const workDir = join(process.env.PROMOTION_GATE_SERVERS ?? '.', '..', `restart-${process.pid}`)
  beforeAll(async () => {
    restartable = await startMlflowServer({ version: server.version, workDir, label: 'restartable' })
  }, 120_000)
  afterAll(() => restartable?.stop())

  it('the rollback completes, or fails clearly and its re-run completes; v1 serves and v2 carries the journal', async () => {
    const client = clientFor(restartable.url)
    const model = uniqueName('restart')
    await client.createRegisteredModel(model)
    const v1 = (await client.createModelVersion(model, 's3://acme-models/restart/v1')).version
    const v2 = (await client.createModelVersion(model, 's3://acme-models/restart/v2')).version
    const lifecycle = createLifecycle(client, 'aliases')
    await lifecycle.setProduction(model, [v1])
    await lifecycle.setProduction(model, [v2])
    const policy = [
      'version: 1',
      'models:',
      `  ${model}:`,
      '    staging: { rules: [{ metric: accuracy, min: 0.9 }] }'
    ].join('\n')
    const workspace = (await import('../harness/commands.js')).workspaceWith({
      '.github/model-promotion.yml': policy
    })

    const front = new TestProxy(restartable.url)
    let restarts = 0
    let back = Promise.resolve()
    front.interceptor = async req => {
      if (!isRegistryWrite(req) || restarts > 0) return undefined
      restarts += 1
      // The server goes down with this write in flight (its answer never comes), and is started again on the same
      // port while the action retries: until it listens, every request meets a closed port (a 502 from here).
      await restartable.stop()
      back = startMlflowServer({
        version: server.version,
        workDir,
        label: 'restartable',
        port: Number(new URL(restartable.url).port)
      }).then(started => {
        restartable = started
      })
      return 'drop'
    }
    const url = await front.start()
    const github = await GitHubStandIn.start()
    const bot = github.addUser('github-actions[bot]', { type: 'Bot' })
    github.addUser('dave')
    github.addUser('alice')
    github.createRepo('acme/models', {
      files: { '.github/model-promotion.yml': policy },
      collaborators: { dave: 'write', alice: 'write', 'github-actions[bot]': 'write' }
    })
    // v1 was in production through the gate (a merged, approved record change): what a rollback target must be.
    const history = await github.openPullRequest('dave', 'acme/models', {
      branch: 'promote-v1',
      title: `Promote v${v1}`,
      files: { [`.github/models/${model}.yml`]: `model: ${model}\nproduction:\n  - version: ${v1}\n` }
    })
    await github.review('alice', 'acme/models', history.number, 'APPROVE')
    const { sha } = await github.merge('dave', 'acme/models', history.number)
    // …and its promote put it in force, as the gate's production deployment of the merge says.
    const gate = github.as('github-actions[bot]')
    const deployment = await gate.rest.repos.createDeployment({
      owner: 'acme',
      repo: 'models',
      ref: sha,
      environment: 'production',
      task: 'promote-model',
      payload: { model, production: [{ version: v1, traffic: 100 }], pull_request: history.number },
      auto_merge: false,
      required_contexts: []
    })
    await gate.rest.repos.createDeploymentStatus({
      owner: 'acme',
      repo: 'models',
      deployment_id: (deployment.data as { id: number }).id,
      state: 'success',
      environment_url: `${url}/#/models/${model}/versions/${v1}`,
      log_url: 'http://github.test/acme/models/actions/runs/1'
    })
    const { id } = github.addWorkflowRun('acme/models', { event: 'workflow_dispatch', actor: 'dave' })
    try {
      const rollback = () =>
        runBundle(
          {
            command: 'rollback',
            model,
            version: v1,
            reason: 'server restart drill',
            'tracking-uri': url,
            'github-token': bot.token,
            'open-pr': 'false'
          },
          {
            env: {
              GITHUB_WORKSPACE: workspace,
              GITHUB_REPOSITORY: 'acme/models',
              GITHUB_API_URL: github.url,
              GITHUB_RUN_ID: String(id)
            }
          }
        )
      const first = await rollback()
      if (first.status !== 0) expect(first.stdout).toMatch(/::error::MLflow .*(failed after|HTTP 502)/)
      // A re-run is what a person does once the server is back.
      if (first.status !== 0) await back
      const completed = first.status === 0 ? first : await rollback()
      recordFigure('faults: restart drill, rollback runs needed', first.status === 0 ? 1 : 2)
      expect(completed.status).toBe(0)
      expect(restarts).toBe(1)
      await back
      expect(await lifecycle.productionVersions(model)).toEqual([v1])
      const tags = Object.fromEntries(
        (await client.getModelVersion(model, v2)).tags.map(t => [t.key, t.value])
      )
      expect(tags).toMatchObject({
        'promotion.rollback_reason': 'server restart drill',
        'promotion.rolled_back_to': v1,
        'promotion.rolled_back_by': 'dave',
        'promotion.rollback_run': `acme/models#${id}`
      })
      github.assertNoViolations()
    } finally {
      await github.stop()
      await front.stop()
      await client.http.close()
    }
  })
})
