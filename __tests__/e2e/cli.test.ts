import { afterAll, describe, expect, it } from '@jest/globals'
import { workspaceWith } from '../harness/commands.js'
import { runBundle, runCliBundle } from '../harness/runner.js'
import { clientFor, createModelFrom, testServers, uniqueName } from '../harness/servers.js'

const POLICY = '.github/model-promotion.yml'

/** Evaluation results differ only in when they were made. */
function withoutTimes(result: string): unknown {
  return JSON.parse(result, (key, value) =>
    key === 'evaluatedAt' || key === 'promotion.evaluated_at' ? '<time>' : (value as unknown)
  )
}

describe.each(testServers())('the CLI (dist/cli/index.js) against %s', (_label, server) => {
  const client = clientFor(server.url)
  afterAll(() => client.http.close())
  const { iris } = server.seed.models

  async function fixture(minAccuracy: number) {
    const name = uniqueName('cli')
    const [v1, v2] = await createModelFrom(client, name, [
      [iris.name, iris.champion.version],
      [iris.name, iris.challenger.version]
    ])
    await client.setAlias(name, 'champion', v1)
    const workspace = workspaceWith({
      [POLICY]: [
        'version: 1',
        'models:',
        `  ${name}:`,
        '    staging:',
        '      rules:',
        `        - { metric: accuracy, min: ${minAccuracy} }`,
        '        - { metric: f1, baseline: champion, max_regression: 0.005 }',
        '        - { signature: compatible }'
      ].join('\n')
    })
    return { name, v2, workspace }
  }

  it("evaluates a seeded version; its JSON is the action's `result` output", async () => {
    const { name, v2, workspace } = await fixture(0.95)
    const args = ['evaluate', '--model', name, '--version', v2, '--tracking-uri', server.url, '--dry-run']
    const fromCli = await runCliBundle([...args, '--format', 'json'], { cwd: workspace })
    expect(fromCli.stderr).toContain(
      `${name} v${v2}: passed; dry run: would move to Staging (alias challenger)`
    )
    expect(fromCli.status).toBe(0)
    const fromAction = await runBundle(
      { command: 'evaluate', model: name, version: v2, 'tracking-uri': server.url, 'dry-run': 'true' },
      { env: { GITHUB_WORKSPACE: workspace, GITHUB_REPOSITORY: '' } }
    )
    expect(fromAction.status).toBe(0)
    expect(withoutTimes(fromCli.stdout)).toEqual(withoutTimes(fromAction.outputs.result))

    const markdown = await runCliBundle(args, { cwd: workspace })
    expect(markdown.stdout).toContain(`### ✅ ${name} v${v2}: passed`)
    expect(markdown.stdout).toContain('Dry run: would move to Staging')
  })

  it('exits 1 on a rejected version (unless told otherwise) and 2 on bad usage', async () => {
    const { name, v2, workspace } = await fixture(0.99)
    const base = ['evaluate', '--model', name, '--version', v2, '--tracking-uri', server.url, '--dry-run']
    const rejected = await runCliBundle(base, { cwd: workspace })
    expect(rejected.status).toBe(1)
    expect(rejected.stderr).toContain(`error: Rejected by the policy: ${name} v${v2}.`)
    expect((await runCliBundle([...base, '--no-fail-on-reject'], { cwd: workspace })).status).toBe(0)

    const badOption = await runCliBundle(['evaluate', '--modle', name], { cwd: workspace })
    expect(badOption.status).toBe(2)
    expect(badOption.stderr).toContain("Unknown option '--modle'")
    const badInput = await runCliBundle(['evaluate', '--version', 'seven'], { cwd: workspace })
    expect(badInput.status).toBe(2)
    expect(badInput.stderr).toContain('input `version` must be a version number or `latest`')
    const help = await runCliBundle(['--help'], { cwd: workspace })
    expect(help.status).toBe(0)
    expect(help.stdout).toContain('Exit codes: 0 done; 1 the command failed or refused')
  })

  it('points at the file, line and column of a policy problem', async () => {
    const workspace = workspaceWith({
      [POLICY]: 'version: 1\nmodels:\n  m:\n    staging:\n      rules:\n        - { metric: a, mni: 1 }\n'
    })
    const result = await runCliBundle(['evaluate', '--model', 'm', '--tracking-uri', server.url], {
      cwd: workspace
    })
    expect(result.status).toBe(1)
    expect(result.stderr).toContain(`${POLICY}:6:24: error: models.m.staging.rules[0]: unknown key \`mni\``)
  })
})
