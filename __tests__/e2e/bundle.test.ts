import { afterAll, describe, expect, it } from '@jest/globals'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { workspaceWith } from '../harness/commands.js'
import { TestProxy } from '../harness/proxy.js'
import { runBundle } from '../harness/runner.js'
import { clientFor, createModelFrom, testServers, uniqueName } from '../harness/servers.js'

describe('the committed dist/index.js', () => {
  it('fails the step with every bad input named, and masks the secrets it was given', async () => {
    const token = 'ghp_RecognisableTokenValue0123456789'
    const result = await runBundle({
      command: 'deploy',
      version: 'seven',
      'github-token': token,
      'dry-run': 'maybe'
    })
    expect(result.status).toBe(1)
    expect(result.stdout).toContain(
      '::error::Invalid input: input `command` must be one of evaluate, verify, promote, rollback, archive, audit, experiment, got "deploy"; input `version` must be a version number or `latest`; input `dry-run` must be true or false, got "maybe"'
    )
    expect(result.stdout).not.toContain(token)
  })

  it('masks MLflow secrets before anything else runs', async () => {
    const password = 'Recognisable-MLflow-Password-4242'
    const result = await runBundle({
      command: 'evaluate',
      'tracking-uri': 'http://127.0.0.1:9',
      'tracking-username': 'ci',
      'tracking-password': password
    })
    expect(result.status).toBe(1)
    expect(result.stdout).toContain(`::add-mask::${password}`)
    expect(result.stdout.replaceAll(`::add-mask::${password}`, '')).not.toContain(password)
  })
})

describe.each(testServers())('the committed dist/index.js against %s', (_label, server) => {
  const client = clientFor(server.url)
  afterAll(() => client.http.close())
  const { iris } = server.seed.models

  it('evaluates a version: outputs, job summary and registry tags, as on a runner', async () => {
    const name = uniqueName('e2e-evaluate')
    const [v1, v2] = await createModelFrom(client, name, [
      [iris.name, iris.champion.version],
      [iris.name, iris.challenger.version]
    ])
    await client.setAlias(name, 'champion', v1)
    const workspace = workspaceWith({
      '.github/model-promotion.yml': [
        '# yaml-language-server: $schema=../schema/model-promotion.schema.json',
        'version: 1',
        'models:',
        `  ${name}:`,
        '    staging:',
        '      rules:',
        '        - { metric: accuracy, min: 0.95 }',
        '        - { metric: f1, baseline: champion, max_regression: 0.005 }',
        '        - { signature: compatible }'
      ].join('\n')
    })
    const result = await runBundle(
      { command: 'evaluate', model: name, version: v2, 'tracking-uri': server.url, 'open-pr': 'false' },
      { env: { GITHUB_WORKSPACE: workspace, GITHUB_RUN_ID: '99', GITHUB_SERVER_URL: 'https://github.com' } }
    )
    expect(result.stdout).toContain(`${name} v${v2}: passed; moved to Staging (alias challenger)`)
    expect(result.status).toBe(0)
    expect(result.outputs.decision).toBe('passed')
    expect(result.outputs.version).toBe(v2)
    expect(result.outputs.report).toContain(`### ✅ ${name} v${v2}: passed`)
    expect(result.summary).toBe(result.outputs.report)
    writeFileSync(join(tmpdir(), `gate-e2e-report-${server.version}.md`), result.summary)
    const parsed = JSON.parse(result.outputs.result) as {
      decision: string
      evaluations: { version: string }[]
    }
    expect(parsed.decision).toBe('passed')
    expect(parsed.evaluations.map(e => e.version)).toEqual([v2])

    const registered = await client.getRegisteredModel(name)
    expect(registered.aliases).toContainEqual({ alias: 'challenger', version: v2 })
    const tags = Object.fromEntries((await client.getModelVersion(name, v2)).tags.map(t => [t.key, t.value]))
    expect(tags['promotion.decision']).toBe('passed')
    expect(tags['promotion.workflow_run']).toBe('https://github.com/acme/models/actions/runs/99')
  })

  it('a poll of several pending versions reads what they share once, and evaluates each', async () => {
    const name = uniqueName('e2e-poll')
    const [v1, ...pending] = await createModelFrom(client, name, [
      [iris.name, iris.champion.version],
      [iris.name, iris.challenger.version],
      [iris.name, iris.challenger.version],
      [iris.name, iris.challenger.version]
    ])
    await client.setAlias(name, 'champion', v1)
    const workspace = workspaceWith({
      '.github/model-promotion.yml': `version: 1\nmodels:\n  ${name}:\n    staging:\n      rules:\n        - { metric: f1, baseline: champion, max_regression: 0.005 }\n        - { signature: compatible }\n`
    })
    const proxy = new TestProxy(server.url)
    const url = await proxy.start()
    try {
      const result = await runBundle(
        { command: 'evaluate', model: name, 'tracking-uri': url, 'open-pr': 'false' },
        { env: { GITHUB_WORKSPACE: workspace } }
      )
      expect(result.status).toBe(0)
      expect(result.outputs.version).toBe(pending.join(','))
      const count = (endpoint: string) =>
        proxy.requests.filter(r => r.url.split('?')[0].endsWith(endpoint)).length
      // The champion's run and MLmodel once for all three; each candidate's MLmodel once; the three candidates
      // are copies of one seeded run, read once.
      expect({ runs: count('/runs/get'), artifacts: count('/get-artifact') }).toEqual({
        runs: 2,
        artifacts: 1 + pending.length
      })
      // One read by the poll, one shared by the planning of the three versions.
      expect(count('/registered-models/get')).toBe(2)
    } finally {
      await proxy.stop()
    }
  })

  it('rejects a version: tags written, the step fails after its outputs are set', async () => {
    const name = uniqueName('e2e-reject')
    const [v1] = await createModelFrom(client, name, [[iris.name, iris.champion.version]])
    const workspace = workspaceWith({
      'policy.yml': `version: 1\nmodels:\n  ${name}:\n    staging:\n      rules:\n        - { metric: accuracy, min: 0.99 }\n`
    })
    const result = await runBundle(
      {
        command: 'evaluate',
        model: name,
        version: 'latest',
        policy: 'policy.yml',
        'tracking-uri': server.url
      },
      { env: { GITHUB_WORKSPACE: workspace } }
    )
    expect(result.status).toBe(1)
    expect(result.outputs.decision).toBe('failed')
    expect(result.stdout).toContain(`::error::Rejected by the policy: ${name} v${v1}.`)
    const tags = (await client.getModelVersion(name, v1)).tags
    expect(tags).toContainEqual({ key: 'promotion.decision', value: 'failed' })
  })

  it('annotates every policy problem with file, line and column, and writes nothing', async () => {
    const workspace = workspaceWith({
      '.github/model-promotion.yml': `version: 1\nmodels:\n  ${iris.name}:\n    staging:\n      rules:\n        - { metric: accuracy, minimum: 0.9 }\n        - { signature: maybe }\n`
    })
    const before = (await client.getModelVersion(iris.name, iris.challenger.version)).tags
    const result = await runBundle(
      { command: 'evaluate', model: iris.name, version: iris.challenger.version, 'tracking-uri': server.url },
      { env: { GITHUB_WORKSPACE: workspace } }
    )
    expect(result.status).toBe(1)
    const file = '.github/model-promotion.yml'
    expect(result.stdout).toContain(
      `::error file=${file},line=6,col=31::models.iris-clf.staging.rules[0]: unknown key \`minimum\`\n`
    )
    expect(result.stdout).toContain(
      `::error file=${file},line=6,col=11::models.iris-clf.staging.rules[0]: metric rule "accuracy" needs \`min\`, \`max\` or \`baseline: champion\`\n`
    )
    expect(result.stdout).toContain(
      `::error file=${file},line=7,col=24::models.iris-clf.staging.rules[1].signature: Invalid option: expected one of "required"|"compatible"\n`
    )
    expect(result.stdout).toContain(`::error::The policy ${file} has 3 problems; nothing was done:%0A`)
    expect((await client.getModelVersion(iris.name, iris.challenger.version)).tags).toEqual(before)
  })
})
