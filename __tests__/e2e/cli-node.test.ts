import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { workspaceWith } from '../harness/commands.js'
import { runCliBundle } from '../harness/runner.js'
import { clientFor, createModelFrom, testServers, uniqueName } from '../harness/servers.js'

// The installed command is bin/mlflow-promotion-gate.cjs: it checks the Node.js version before it loads the bundle,
// which needs 22.19+ (undici 8) and dies with a TypeError on older Node.js.
const root = resolve(import.meta.dirname, '../..')
const bin = resolve(root, 'bin/mlflow-promotion-gate.cjs')

/** The `node` of a pinned release (scripts/node.sh <major>, installed into the cache once). */
function pinnedNode(major: string): string {
  const dir = execFileSync('bash', [resolve(root, 'scripts/node.sh'), major], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit']
  })
  return join(dir.trim(), 'node')
}

function versionOf(node: string): string {
  return execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8', env: {} }).trim()
}

/** This machine's own old Node.js (/usr/bin/node is Node 20 here), else the pinned Node 20. */
function oldNode(): string {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (existsSync(candidate) && Number(versionOf(candidate).split('.')[0]) < 22) return candidate
  }
  return pinnedNode('20')
}

async function run(node: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(node, [bin, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', chunk => (stdout += chunk))
  child.stderr.on('data', chunk => (stderr += chunk))
  const status = await new Promise<number | null>(done => child.on('close', code => done(code)))
  return { status, stdout, stderr }
}

describe('the CLI on a Node.js older than 22.19', () => {
  it('says in one line which Node.js it needs, and exits 2', async () => {
    const node = oldNode()
    const version = versionOf(node)
    expect(Number(version.split('.')[0])).toBeLessThan(22)
    for (const args of [['--tool-version'], ['evaluate', '--dry-run']]) {
      const result = await run(node, args, workspaceWith({}))
      expect([args, result.status, result.stdout]).toEqual([args, 2, ''])
      expect(result.stderr).toBe(
        `mlflow-promotion-gate needs Node.js 22.19 or later (22 LTS, or 24 and later); this is Node.js ${version} (${node}).\n`
      )
    }
  })
})

describe('the CLI on Node.js 22 LTS', () => {
  let node22: string
  beforeAll(() => {
    node22 = pinnedNode('22')
  })
  const [label, server] = testServers()[0]
  const client = clientFor(server.url)
  afterAll(() => client.http.close())

  it('prints its version and help', async () => {
    const workspace = workspaceWith({})
    expect(versionOf(node22)).toMatch(/^22\.(19|[2-9]\d)\./)
    const version = await run(node22, ['-V'], workspace)
    expect(version.status).toBe(0)
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/)
    const help = await run(node22, ['evaluate', '--help'], workspace)
    expect(help.status).toBe(0)
    expect(help.stdout).toContain('Usage: mlflow-promotion-gate evaluate [options]')
  })

  it(`evaluates a version against ${label}, with the same result as on Node 24`, async () => {
    const { iris } = server.seed.models
    const name = uniqueName('cli-node22')
    const [v1, v2] = await createModelFrom(client, name, [
      [iris.name, iris.champion.version],
      [iris.name, iris.challenger.version]
    ])
    await client.setAlias(name, 'champion', v1)
    const workspace = workspaceWith({
      '.github/model-promotion.yml': `version: 1\nmodels:\n  ${name}:\n    staging:\n      rules:\n        - { metric: accuracy, min: 0.9 }\n        - { signature: compatible }\n`
    })
    const args = ['evaluate', '--model', name, '--version', v2, '--tracking-uri', server.url, '--dry-run']
    const on22 = await run(node22, [...args, '--format', 'json'], workspace)
    expect(on22.stderr).toContain(`${name} v${v2}: passed; dry run: would move to Staging`)
    expect(on22.status).toBe(0)
    const on24 = await runCliBundle([...args, '--format', 'json'], { cwd: workspace })
    const timeless = (text: string) =>
      JSON.parse(text, (key, value) =>
        key === 'evaluatedAt' || key === 'promotion.evaluated_at' ? '<time>' : (value as unknown)
      ) as unknown
    expect(timeless(on22.stdout)).toEqual(timeless(on24.stdout))
  })
})
