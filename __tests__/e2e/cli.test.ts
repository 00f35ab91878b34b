import { afterAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { withoutColor } from '../../src/cli-text.js'
import { workspaceWith } from '../harness/commands.js'
import { harnessCa, runBundle, runCliBundle } from '../harness/runner.js'
import { clientFor, createModelFrom, testServers, uniqueName } from '../harness/servers.js'

const POLICY = '.github/model-promotion.yml'
const cliBundle = resolve(import.meta.dirname, '../../bin/mlflow-promotion-gate.cjs')
const hasColor = (text: string) => withoutColor(text) !== text

/**
 * Runs the CLI bundle with stdout and stderr on a pseudo-terminal (Python's pty module), as in a shell on a laptop;
 * returns what the terminal showed.
 */
async function runOnTerminal(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv }
): Promise<{ status: number | null; output: string }> {
  const script = 'import os, pty, sys\nsys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))'
  const child = spawn('python3', ['-c', script, process.execPath, cliBundle, ...args], {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH,
      HOME: options.cwd,
      TERM: 'xterm-256color',
      ...harnessCa(),
      ...options.env
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', chunk => (output += chunk))
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', chunk => (output += chunk))
  const status = await new Promise<number | null>(resolveStatus =>
    child.on('close', code => resolveStatus(code))
  )
  return { status, output: output.replace(/\r\n/g, '\n') }
}

describe('the CLI (bin/ on dist/index.js) before it reaches MLflow', () => {
  it('exits 2 without a tracking URI, and for a rollback without --reason, naming the flags', async () => {
    const workspace = workspaceWith({})
    const noUri = await runCliBundle(['evaluate', '--model', 'm'], { cwd: workspace })
    expect(noUri.status).toBe(2)
    expect(noUri.stderr).toBe(
      'error: No MLflow tracking URI: give --tracking-uri or the MLFLOW_TRACKING_URI environment variable.\n'
    )
    const noReason = await runCliBundle(
      ['rollback', '--model', 'm', '--tracking-uri', 'http://127.0.0.1:9', '--dry-run'],
      { cwd: workspace }
    )
    expect(noReason.status).toBe(2)
    expect(noReason.stderr).toBe(
      'error: rollback needs --reason: it is recorded on the version taken out of production.\n'
    )
  })

  it('suggests what was meant for an unknown option or command, exits 2', async () => {
    const workspace = workspaceWith({})
    const option = await runCliBundle(['evaluate', '--dry-rn'], { cwd: workspace })
    expect(option.status).toBe(2)
    expect(option.stderr).toContain('error: unknown option --dry-rn; did you mean --dry-run?')
    const command = await runCliBundle(['evalute'], { cwd: workspace })
    expect(command.status).toBe(2)
    expect(command.stderr).toContain('error: unknown command evalute; did you mean evaluate?')
  })

  it('prints its own version and per-command help', async () => {
    const workspace = workspaceWith({})
    const { version } = JSON.parse(
      readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8')
    ) as {
      version: string
    }
    for (const flag of ['-V', '--tool-version']) {
      const result = await runCliBundle([flag], { cwd: workspace })
      expect([flag, result.status, result.stdout]).toEqual([flag, 0, `${version}\n`])
    }
    const help = await runCliBundle(['rollback', '--help'], { cwd: workspace })
    expect(help.status).toBe(0)
    expect(help.stdout).toContain('Usage: mlflow-promotion-gate rollback [options]')
    expect(help.stdout).toContain('--reason <text>')
    expect(help.stdout).not.toContain('--no-fail-on-reject')
    expect(help.stdout).toContain(
      'Examples:\n  mlflow-promotion-gate rollback --model fraud-detector --reason'
    )
  })
})

/** Evaluation results differ only in when they were made. */
function withoutTimes(result: string): unknown {
  return JSON.parse(result, (key, value) =>
    key === 'evaluatedAt' || key === 'promotion.evaluated_at' ? '<time>' : (value as unknown)
  )
}

describe.each(testServers())('the CLI (bin/ on dist/index.js) against %s', (_label, server) => {
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
    expect(badOption.stderr).toContain('error: unknown option --modle; did you mean --model?')
    const badInput = await runCliBundle(['evaluate', '--version', 'seven'], { cwd: workspace })
    expect(badInput.status).toBe(2)
    expect(badInput.stderr).toContain('error: Invalid input: --version must be a version number or `latest`')
    const help = await runCliBundle(['--help'], { cwd: workspace })
    expect(help.status).toBe(0)
    expect(help.stdout).toContain('Exit codes: 0 done; 1 the command failed or refused')
  })

  it('points at the file, line and column of a policy problem, suggests the key meant, and exits 2', async () => {
    const workspace = workspaceWith({
      [POLICY]: 'version: 1\nmodels:\n  m:\n    staging:\n      rules:\n        - { metric: a, mni: 1 }\n'
    })
    const result = await runCliBundle(['evaluate', '--model', 'm', '--tracking-uri', server.url], {
      cwd: workspace
    })
    expect(result.status).toBe(2)
    expect(result.stderr).toContain(
      `${POLICY}:6:24: error: models.m.staging.rules[0]: unknown key \`mni\`; did you mean \`min\`?\n`
    )
    expect(result.stderr).toContain(`error: The policy ${POLICY} has 2 problems; nothing was done.\n`)
    expect(result.stdout).toBe('')
  })

  it('shows a plain-text verdict on a terminal: no Markdown, colours unless NO_COLOR', async () => {
    const { name, v2, workspace } = await fixture(0.95)
    const args = ['evaluate', '--model', name, '--version', v2, '--tracking-uri', server.url, '--dry-run']
    const plain = await runOnTerminal(args, { cwd: workspace, env: { NO_COLOR: '1' } })
    expect(plain.status).toBe(0)
    expect(plain.output).toContain(`MLflow Promotion Gate: evaluate\n═══`)
    expect(plain.output).toContain(`✅ ${name} v${v2}: passed`)
    expect(plain.output).toMatch(/^\s+Rule\s+Observed\s+Threshold\s+Champion\s+Δ\s+Reason$/m)
    expect(plain.output).not.toMatch(/^#+ |\\_|\*\*|```|<details>/m)
    expect(hasColor(plain.output)).toBe(false)

    const colored = await runOnTerminal(args, { cwd: workspace })
    expect(colored.status).toBe(0)
    expect(hasColor(colored.output)).toBe(true)
    expect(withoutColor(colored.output)).toBe(plain.output)

    // Asked for, text comes through a pipe too (without colour); Markdown stays the default there.
    const piped = await runCliBundle([...args, '--format', 'text'], { cwd: workspace })
    expect(piped.status).toBe(0)
    expect(piped.stdout).toContain(`✅ ${name} v${v2}: passed`)
    expect(hasColor(piped.stdout)).toBe(false)
    expect(plain.output).toContain(piped.stdout)
    const markdown = await runOnTerminal([...args, '--format', 'markdown'], { cwd: workspace })
    expect(markdown.output).toContain(`### ✅ ${name} v${v2}: passed`)
  })
})
