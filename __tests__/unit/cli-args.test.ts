import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parse } from 'yaml'
import { EXIT, runCli } from '../../src/cli.js'
import { allOptions, commandHelp, INPUT_OPTIONS } from '../../src/cli-options.js'
import { COMMANDS, InputsSchema } from '../../src/inputs.js'

const root = resolve(import.meta.dirname, '../..')
const packageVersion = (
  JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string }
).version

/** Runs the CLI in-process (only arguments that fail before any MLflow call), collecting what it writes. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = ''
  let stderr = ''
  const status = await runCli(args, env, {
    stdout: text => void (stdout += text),
    stderr: text => void (stderr += text),
    stdoutIsTTY: false,
    stderrIsTTY: false
  })
  return { status, stdout, stderr }
}

describe('the CLI’s command line', () => {
  it('suggests the closest option for a typo, and exits 2', async () => {
    const typo = await cli(['evaluate', '--dry-rn'])
    expect(typo.status).toBe(EXIT.usage)
    expect(typo.stderr).toBe(
      'error: unknown option --dry-rn; did you mean --dry-run?\nRun `mlflow-promotion-gate evaluate --help` for the options.\n'
    )
    expect((await cli(['evaluate', '--modle', 'm'])).stderr).toContain('did you mean --model?')
    expect((await cli(['evaluate', '--no-fail-on-rejct'])).stderr).toContain(
      'did you mean --no-fail-on-reject?'
    )
    expect((await cli(['evaluate', '--dry'])).stderr).toContain('did you mean --dry-run?')
    const far = await cli(['evaluate', '--colour'])
    expect(far.stderr).toContain('error: unknown option --colour\n')
    expect(far.status).toBe(EXIT.usage)
    expect((await cli(['audit', '-x'])).stderr).toContain('error: unknown option -x\n')
  })

  it('suggests the closest command, and exits 2', async () => {
    const typo = await cli(['evalute', '--dry-run'])
    expect(typo.status).toBe(EXIT.usage)
    expect(typo.stderr).toContain(
      'error: unknown command evalute; did you mean evaluate? (commands: evaluate, verify, promote, rollback, archive, audit, experiment)'
    )
    expect((await cli(['deploy'])).stderr).toContain('error: unknown command deploy (commands:')
    expect((await cli([])).stderr).toContain('error: give a command: evaluate, verify')
    expect((await cli([])).status).toBe(EXIT.usage)
  })

  it('refuses an option the command does not use, naming the command that does', async () => {
    const result = await cli(['evaluate', '--fail-on-drift'])
    expect(result.status).toBe(EXIT.usage)
    expect(result.stderr).toContain(
      'error: --fail-on-drift is not an option of evaluate (it is one of audit)'
    )
    expect((await cli(['archive', '--reason', 'x'])).stderr).toContain('it is one of rollback')
  })

  it('refuses a stray argument, a missing value and a bad --format', async () => {
    const stray = await cli(['rollback', '--reason', 'too', 'slow'])
    expect(stray.status).toBe(EXIT.usage)
    expect(stray.stderr).toContain('error: unexpected argument "slow": rollback takes options only')
    const missing = await cli(['evaluate', '--version'])
    expect(missing.status).toBe(EXIT.usage)
    expect(missing.stderr).toContain("error: Option '--version <value>' argument missing")
    const format = await cli(['evaluate', '--format', 'jsn'])
    expect(format.status).toBe(EXIT.usage)
    expect(format.stderr).toContain(
      'error: --format must be text, markdown or json, not "jsn"; did you mean --format json?'
    )
  })

  it('says bad inputs with the flags, and exits 2 for them', async () => {
    const version = await cli(['evaluate', '--version', 'seven'])
    expect(version.status).toBe(EXIT.usage)
    expect(version.stderr).toContain('error: Invalid input: --version must be a version number or `latest`\n')
    const uri = await cli(['archive', '--dry-run'], {})
    expect(uri.status).toBe(EXIT.usage)
    expect(uri.stderr).toBe(
      'error: No MLflow tracking URI: give --tracking-uri or the MLFLOW_TRACKING_URI environment variable.\n'
    )
    const reason = await cli(['rollback', '--model', 'm', '--tracking-uri', 'http://127.0.0.1:9'])
    expect(reason.status).toBe(EXIT.usage)
    expect(reason.stderr).toContain('error: rollback needs --reason: it is recorded')
  })

  it('prints its own version with -V, --tool-version, or --version alone (--version <n> is the model version)', async () => {
    for (const args of [['-V'], ['--tool-version'], ['--version'], ['evaluate', '--tool-version']]) {
      const result = await cli(args)
      expect([args, result.status, result.stdout]).toEqual([args, EXIT.ok, `${packageVersion}\n`])
    }
  })

  it('gives per-command help with examples, listing only the options that command uses', async () => {
    const general = await cli(['--help'])
    expect(general.status).toBe(EXIT.ok)
    for (const command of COMMANDS) expect(general.stdout).toContain(`\n  ${command} `)
    expect(general.stdout).toContain('Exit codes: 0 done; 1 the command failed or refused')
    const evaluate = await cli(['evaluate', '--help'])
    expect(evaluate.stdout).toBe(commandHelp('evaluate'))
    expect((await cli(['help', 'evaluate'])).stdout).toBe(evaluate.stdout)
    expect((await cli(['evaluate', '-h'])).stdout).toBe(evaluate.stdout)
    expect(evaluate.stdout).toContain('Usage: mlflow-promotion-gate evaluate [options]')
    expect(evaluate.stdout).toContain('Examples:\n  mlflow-promotion-gate evaluate --model fraud-detector')
    const optionsOf = (help: string) =>
      help.slice(help.indexOf('\nOptions:\n'), help.indexOf('\nExamples:\n'))
    const flags = (help: string) =>
      [...optionsOf(help).matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map(m => m[1])
    expect(flags(evaluate.stdout)).toEqual([
      '--model',
      '--version',
      '--policy',
      '--tracking-uri',
      '--tracking-token',
      '--tracking-username',
      '--tracking-password',
      '--workspace',
      '--github-token',
      '--dry-run',
      '--no-open-pr',
      '--no-fail-on-reject',
      '--format',
      '--help',
      '--tool-version'
    ])
    expect(flags(commandHelp('rollback'))).toContain('--reason')
    expect(flags(commandHelp('rollback'))).not.toContain('--no-fail-on-reject')
    expect(flags(commandHelp('verify'))).not.toContain('--dry-run')
    expect(flags(commandHelp('audit'))).toEqual(expect.arrayContaining(['--fail-on-drift', '--drift-issue']))
    expect((await cli(['help', 'evalute'])).stderr).toContain('did you mean evaluate?')
  })

  it('has an option for every action input, and none the action lacks', () => {
    const action = parse(readFileSync(resolve(root, 'action.yml'), 'utf8')) as {
      inputs: Record<string, unknown>
    }
    const names = allOptions().map(option => option.name)
    for (const input of Object.keys(action.inputs).filter(name => name !== 'command'))
      expect([input, names.includes(input)]).toEqual([input, true])
    const kebab = Object.keys(InputsSchema.shape).map(key =>
      key.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`)
    )
    for (const option of INPUT_OPTIONS)
      expect([option.name, kebab.includes(option.name)]).toEqual([option.name, true])
  })
})
