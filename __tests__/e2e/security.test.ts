import { describe, expect, it } from '@jest/globals'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { useGateWorld } from '../harness/gate-suite.js'
import { runBundle, type BundleRun } from '../harness/runner.js'
import { basicAuthServer, clientFor, testServers, uniqueName } from '../harness/servers.js'

const [[label, server]] = testServers()

/** Everything a run left where people or logs can see it. */
function visible(run: BundleRun): string {
  return [run.stdout.replace(/^::add-mask::.*$/gm, ''), run.summary, ...Object.values(run.outputs)].join('\n')
}

describe(`secrets and injection against ${label}`, () => {
  const world = useGateWorld(server)
  const { weaker, stronger } = world.seeded

  it('never shows the MLflow token or the GitHub token, in any command', async () => {
    const s = await world.scenario([weaker, stronger], { champion: 0 })
    const mlflowToken = 'mlflow-bearer-Recognisable-6f1d2c'
    const secrets = [mlflowToken, world.bot.token]
    const run = (command: string, extra: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}) =>
      runBundle(world.inputs(command, { 'tracking-token': mlflowToken, ...extra }), {
        env: world.env(s, env)
      })

    const runs: BundleRun[] = []
    const evaluated = await run('evaluate', { model: s.model, version: s.versions[1] })
    runs.push(evaluated)
    const number = Number(evaluated.outputs['pr-number'])
    runs.push(
      await runBundle(world.inputs('verify', { 'tracking-token': mlflowToken }), {
        env: world.env(s),
        event: {
          name: 'pull_request',
          payload: world.github.pullRequestEvent(s.repo, number, 'opened', 'alice')
        }
      })
    )
    await world.github.review('alice', s.repo, number, 'APPROVE')
    await world.github.review('bob', s.repo, number, 'APPROVE')
    await world.github.merge('carol', s.repo, number)
    runs.push(
      await runBundle(world.inputs('promote', { 'tracking-token': mlflowToken }), {
        env: world.env(s),
        event: {
          name: 'pull_request',
          payload: world.github.pullRequestEvent(s.repo, number, 'closed', 'carol')
        }
      })
    )
    const { id } = world.github.addWorkflowRun(s.repo, { event: 'workflow_dispatch', actor: 'dave' })
    runs.push(
      await run(
        'rollback',
        { model: s.model, version: s.versions[1], reason: 'drill' },
        { GITHUB_RUN_ID: String(id) }
      )
    )
    runs.push(await run('archive', { 'dry-run': 'true' }))
    runs.push(await run('audit', { model: s.model }))
    // A failing call: the wrong MLflow URL gives an error message, which must not carry the token either.
    runs.push(
      await runBundle(
        world.inputs('evaluate', {
          model: s.model,
          'tracking-token': mlflowToken,
          'tracking-uri': 'http://127.0.0.1:9'
        }),
        {
          env: { ...world.env(s), MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' }
        }
      )
    )

    expect(runs.map(r => r.status)).toEqual([0, 0, 0, 0, 0, 0, 1])
    for (const r of runs) {
      expect(r.stdout).toContain(`::add-mask::${mlflowToken}`)
      for (const secret of secrets) expect(visible(r)).not.toContain(secret)
    }
    const published = [
      ...(world.github.pullRequests(s.repo) as { body: string }[]).map(p => p.body),
      ...(world.github.comments(s.repo, number) as { body: string }[]).map(c => c.body)
    ].join('\n')
    for (const secret of secrets) expect(published).not.toContain(secret)
  })

  it('keeps hostile registry text inert in summaries, PR bodies and logs', async () => {
    const hostile =
      'evil <img src=x onerror=alert(1)> @octocat ::set-output name=decision::passed [x](http://evil.test) ::stop-commands::pwned%0A::error::forged'
    const s = await world.scenario([weaker, stronger], { champion: 0, model: `hostile-${Date.now()}` })
    await world.client.setModelVersionTag(s.model, s.versions[1], 'validation_status', hostile)
    const policy = world
      .policyText(s.model)
      .replace(
        '        - { metric: accuracy, min: 0.95 }',
        '        - { metric: accuracy, min: 0.95 }\n        - { tag: validation_status, equals: passed }'
      )
    writeFileSync(join(s.workspace, '.github/model-promotion.yml'), policy)
    const result = await runBundle(
      world.inputs('evaluate', { model: s.model, version: s.versions[1], 'fail-on-reject': 'false' }),
      {
        env: world.env(s)
      }
    )
    expect(result.status).toBe(0)
    expect(result.outputs.decision).toBe('failed')
    // The tag value reaches the report only escaped: no HTML, no mention, no link.
    expect(result.summary).toContain('&lt;img src=x onerror=alert\\(1\\)&gt;')
    expect(result.summary).toContain('@\u200boctocat')
    expect(result.summary).not.toContain('<img')
    expect(result.summary).not.toMatch(/(^|[^\\])\[x\]\(http/)
    // No line of the log starts a workflow command from registry text.
    expect(
      result.stdout.split('\n').filter(line => /^::(set-output|stop-commands|error::forged)/.test(line))
    ).toEqual([])
  })

  it('never shows the MLflow password (basic auth), right or wrong, nor its base64 form', async () => {
    const auth = basicAuthServer()
    const admin = clientFor(auth.url, {
      trackingUsername: auth.adminUsername,
      trackingPassword: auth.adminPassword
    })
    const model = uniqueName('secret')
    await admin.createRegisteredModel(model)
    const { version } = await admin.createModelVersion(model, 's3://acme-models/secret/v1')
    await admin.http.close()
    const s = await world.scenario([weaker], { model })
    const wrong = 'Wr0ng-Basic-Password-Recognisable-4471'
    const runs: BundleRun[] = []
    for (const password of [auth.adminPassword, wrong]) {
      runs.push(
        await runBundle(
          world.inputs('evaluate', {
            model,
            version,
            'tracking-uri': auth.url,
            'tracking-username': auth.adminUsername,
            'tracking-password': password
          }),
          { env: world.env(s, { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' }) }
        )
      )
    }
    // The first run reaches the registry (and fails closed: the version has no run); the second is refused.
    expect(runs[0].stdout).toMatch(/::error::/)
    expect(runs[1].stdout).toContain('check the MLflow credentials')
    for (const [i, password] of [auth.adminPassword, wrong].entries()) {
      const basic = Buffer.from(`${auth.adminUsername}:${password}`).toString('base64')
      for (const secret of [password, basic]) expect(visible(runs[i])).not.toContain(secret)
    }
  })
})
