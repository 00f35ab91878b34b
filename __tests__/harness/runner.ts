import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const bundle = resolve(import.meta.dirname, '../../dist/index.js')

export interface BundleRun {
  status: number | null
  stdout: string
  outputs: Record<string, string>
  summary: string
}

/** Reads a GITHUB_OUTPUT file: `name<<DELIMITER`, the value's lines, `DELIMITER`. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const header = /^([\w-]+)<<(.+)$/.exec(lines[i])
    if (header === null) continue
    const end = lines.indexOf(header[2], i + 1)
    outputs[header[1]] = lines.slice(i + 1, end).join('\n')
    i = end
  }
  return outputs
}

export interface RunnerOptions {
  env?: NodeJS.ProcessEnv
  /** The webhook payload, written to GITHUB_EVENT_PATH. */
  event?: { name: string; payload: unknown }
  /** Called with the started process, for tests that kill it part-way. */
  onSpawn?: (child: ChildProcess) => void
}

/**
 * Runs the committed bundle the way a runner does: INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files,
 * the event payload file. Asynchronous, so servers living in the test process keep answering.
 */
export async function runBundle(
  inputs: Record<string, string>,
  options: RunnerOptions = {}
): Promise<BundleRun> {
  const dir = mkdtempSync(join(tmpdir(), 'gate-e2e-'))
  const outputFile = join(dir, 'output')
  const summaryFile = join(dir, 'summary')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    ...harnessCa(),
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_REPOSITORY: 'acme/models',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    ...options.env
  }
  if (options.event) {
    const eventFile = join(dir, 'event.json')
    writeFileSync(eventFile, JSON.stringify(options.event.payload))
    env.GITHUB_EVENT_NAME = options.event.name
    env.GITHUB_EVENT_PATH = eventFile
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  const child = spawn(process.execPath, [bundle], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  options.onSpawn?.(child)
  let stdout = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', chunk => (stdout += chunk))
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', chunk => (stdout += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000)
  const status = await new Promise<number | null>(resolveStatus =>
    child.on('close', code => resolveStatus(code))
  )
  clearTimeout(timer)
  return {
    status,
    stdout,
    outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8')
  }
}

// The installed command: it marks the process as the CLI and loads the committed bundle, dist/index.js.
const cli = resolve(import.meta.dirname, '../../bin/mlflow-promotion-gate.cjs')

/** Runs the committed CLI as a user would from a shell in `cwd`. */
export async function runCliBundle(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv }
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, HOME: options.cwd, ...harnessCa(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', chunk => (stdout += chunk))
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', chunk => (stderr += chunk))
  const status = await new Promise<number | null>(resolveStatus =>
    child.on('close', code => resolveStatus(code))
  )
  return { status, stdout, stderr }
}

/** The harness's test CA (of the HTTPS multi-instance front), passed on the way a user trusts a company CA. */
export function harnessCa(): NodeJS.ProcessEnv {
  const ca = process.env.NODE_EXTRA_CA_CERTS
  return ca ? { NODE_EXTRA_CA_CERTS: ca } : {}
}
