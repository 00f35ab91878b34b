// Shared by the real-runner checks (act-check.ts, local-action-check.ts): a real MLflow server (the pinned 3.x, sqlite)
// seeded by scripts/mlflow/seed.py, a scratch folder, and clean-up of both whatever happens (Ctrl-C included).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  pinnedVersions,
  seedMlflowServer,
  startMlflowServer,
  stopLiveChildren,
  type MlflowServer
} from '../../scripts/lib/mlflow-server.mjs'
import type { SeedManifest } from '../harness/servers.js'

export interface CheckContext {
  /** A scratch folder of this run, removed at the end. */
  work: string
  server: MlflowServer
  seed: SeedManifest
  /** Starts a process in its own process group, stopped (the whole group) if the check is interrupted. */
  start(command: string, args: string[], options: SpawnOptions): ChildProcess
  /** An assertion: printed as `ok: <what>` when it holds; the check fails with `what` and `detail()` when not. */
  expect(ok: boolean, what: string, detail?: () => string): void
}

export class CheckFailure extends Error {}

const say = (label: string, text: string) => console.log(`[${label}] ${text}`)

/**
 * Runs `body` against a freshly started and seeded MLflow server; prints PASS or FAIL with the reason, and exits with
 * 0 or 1. The server, the processes started through `start` and the scratch folder are gone afterwards.
 */
export async function runCheck(
  label: string,
  body: (context: CheckContext) => Promise<void>
): Promise<never> {
  const started = Date.now()
  const work = mkdtempSync(join(tmpdir(), `promotion-gate-${label}-`))
  const groups = new Set<ChildProcess>()
  let starting: Promise<MlflowServer> | undefined
  let server: MlflowServer | undefined
  let cleaning: Promise<void> | undefined
  const cleanUp = () =>
    (cleaning ??= (async () => {
      for (const child of groups) killGroup(child, 'SIGTERM')
      stopLiveChildren()
      // A server still starting is stopped as soon as it is up (or has failed to come up).
      const running = server ?? (await starting?.catch(() => undefined))
      await running?.stop()
      rmSync(work, { recursive: true, force: true })
    })())
  let interrupted = false
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true
      say(label, `${signal}: stopping`)
      void cleanUp().finally(() => process.exit(130))
    })
  }
  // Once interrupted, the signal handler cleans up and exits: the check itself goes no further.
  const halt = () => new Promise<never>(() => {})
  const unlessInterrupted = async <T>(step: Promise<T>): Promise<T> => {
    const value = await step
    return interrupted ? halt() : value
  }
  const start: CheckContext['start'] = (command, args, options) => {
    const child = spawn(command, args, { ...options, detached: true })
    groups.add(child)
    child.once('exit', () => groups.delete(child))
    return child
  }
  let held = 0
  const expect: CheckContext['expect'] = (ok, what, detail) => {
    if (!ok) throw new CheckFailure(detail === undefined ? what : `${what}\n${detail()}`)
    held += 1
    say(label, `ok: ${what}`)
  }
  let status = 1
  try {
    say(label, 'starting a real MLflow server (sqlite) and seeding it with MLflow’s own client…')
    starting = startMlflowServer({ version: pinnedVersions().mlflow3, workDir: join(work, 'mlflow'), label })
    server = await unlessInterrupted(starting)
    const seed = await unlessInterrupted(seedMlflowServer(server))
    say(label, `MLflow ${server.version} at ${server.url}, seeded in ${seconds(started)} s`)
    await body({ work, server, seed, start, expect })
    say(label, `PASS (${held} assertions, ${seconds(started)} s)`)
    status = 0
  } catch (error) {
    if (interrupted) await halt()
    const reason =
      error instanceof CheckFailure ? error.message : error instanceof Error ? error.stack : error
    say(label, `FAIL (after ${held} assertions held): ${reason}`)
    if (!(error instanceof CheckFailure) && server !== undefined && existsSync(server.logFile)) {
      const tail = readFileSync(server.logFile, 'utf8').trimEnd().split('\n').slice(-30).join('\n')
      say(label, `the MLflow server's log (last 30 lines; the scratch folder is removed):\n${tail}`)
    }
  } finally {
    await cleanUp()
  }
  process.exit(status)
}

/**
 * Waits for a child started with `start`; returns its exit code and what it wrote to stdout and to stderr. Kills it
 * (its whole process group) after timeoutMs.
 */
export async function collect(
  child: ChildProcess,
  timeoutMs: number
): Promise<{
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}> {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', chunk => {
    stdout += chunk
  })
  child.stderr?.on('data', chunk => {
    stderr += chunk
  })
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]))
  })
  clearTimeout(timer)
  return { code, signal, stdout, stderr }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // already gone
  }
}

/** The tags of a model version, read with MLflow's REST API. */
export async function versionTags(
  server: MlflowServer,
  name: string,
  version: string
): Promise<Record<string, string>> {
  const url = `${server.url}/api/2.0/mlflow/model-versions/get?name=${encodeURIComponent(name)}&version=${version}`
  const response = await fetch(url)
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`)
  const body = (await response.json()) as { model_version: { tags?: { key: string; value: string }[] } }
  return Object.fromEntries((body.model_version.tags ?? []).map(tag => [tag.key, tag.value]))
}

/** The promotion policy both checks commit to their workspace, for the seeded iris-clf (champion v1, challenger v2). */
export function policyFor(model: string): string {
  return [
    'version: 1',
    'models:',
    `  ${model}:`,
    '    staging:',
    '      rules:',
    '        - { metric: accuracy, min: 0.95 }',
    '        - { metric: f1, baseline: champion, max_regression: 0.005 }',
    '        - { signature: compatible }',
    ''
  ].join('\n')
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 1000)
}
