// Cost curves for `npm run bench`: how the action's time, requests and memory grow with the registry. Each curve
// runs one job at N = 10, 100, 1,000 (… 10,000 behind BENCH_FULL), the action and, where the issue asks, an
// equivalent loop on MLflow's Python client on the same server, and reports the growth exponent between the last
// two points (1 = linear; above 1 is a defect to fix).
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pLimit from 'p-limit'
import { workspaceWith } from '../../__tests__/harness/commands.js'
import type { FixtureClient } from '../../__tests__/harness/fixture-client.js'
import { policyFor } from '../../__tests__/runners/mlflow.js'
import { parseOutputFile } from '../../__tests__/harness/runner.js'
import { isNotFound } from '../../src/registry/errors.js'

export interface CurveKit {
  client: FixtureClient
  serverUrl: string
  python: string
  repo: string
  root: string
  /** The source every bench version copies: the seeded iris champion (run, artifacts, logged model). */
  source: { source: string; runId: string; modelId?: string }
  actionEnv(inputs: Record<string, string>, workspace: string): { env: NodeJS.ProcessEnv; outputFile: string }
  pythonEnv(): NodeJS.ProcessEnv
  accessCount(): number
  requestsSince(before: number): Promise<string[]>
  floorRun(model: string, expected: number, concurrency: number): Promise<{ ms: number; requests: number }>
  log(text: string): void
}

export interface Point {
  n: number
  ms: number
  requests: number
  /** Peak resident set size of the process, MiB (undefined for the in-process floor). */
  peakRssMiB?: number
}

export interface Curve {
  title: string
  /** What one N means, in words: "N pending versions". */
  unit: string
  series: { tool: string; points: Point[] }[]
  notes: string[]
}

const DAY_MS = 86_400_000
export const RETENTION_DAYS = 30

/** Runs a command under scripts/bench/measure.py: wall time of the child alone, and its peak RSS. */
async function measured(
  kit: CurveKit,
  command: string[],
  env: NodeJS.ProcessEnv,
  cwd: string
): Promise<{ ms: number; peakRssMiB: number; output: string; stdout: string; requests: number }> {
  const resultFile = join(mkdtempSync(join(kit.root, 'measure-')), 'result.json')
  const before = kit.accessCount()
  const child = spawn(kit.python, [join(kit.repo, 'scripts/bench/measure.py'), resultFile, ...command], {
    env,
    cwd,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  let stdout = ''
  child.stdout.on('data', chunk => {
    output += chunk
    stdout += chunk
  })
  child.stderr.on('data', chunk => (output += chunk))
  const status = await new Promise<number | null>(done => child.on('exit', code => done(code)))
  if (status !== 0) throw new Error(`${command.join(' ')} exited with ${status}:\n${output.slice(-4000)}`)
  const result = JSON.parse(readFileSync(resultFile, 'utf8')) as { ms: number; peakRssMiB: number }
  const requests = (await kit.requestsSince(before)).length
  return { ...result, output, stdout, requests }
}

/** One point of the action: `node dist/index.js` as a runner starts it; `check` says what is wrong with its outputs. */
async function actionPoint(
  kit: CurveKit,
  label: string,
  n: number,
  inputs: Record<string, string>,
  workspace: string,
  check: (outputs: Record<string, string>) => string | undefined
): Promise<Point> {
  const { env, outputFile } = kit.actionEnv({ ...inputs, 'tracking-uri': kit.serverUrl }, workspace)
  const run = await measured(kit, [process.execPath, join(kit.repo, 'dist/index.js')], env, workspace)
  const wrong = check(parseOutputFile(readFileSync(outputFile, 'utf8')))
  if (wrong !== undefined)
    throw new Error(`${label} N=${n}, the action: ${wrong}\n${run.output.slice(-3000)}`)
  kit.log(
    `${label} N=${n}: action ${Math.round(run.ms)} ms, ${run.requests} requests, ${run.peakRssMiB.toFixed(0)} MiB`
  )
  return { n, ms: run.ms, requests: run.requests, peakRssMiB: run.peakRssMiB }
}

/** One point of a Python-client script of scripts/bench/; its output must contain `expected`. */
async function pythonPoint(
  kit: CurveKit,
  label: string,
  n: number,
  script: string,
  args: string[],
  expected: string
): Promise<Point> {
  const run = await measured(
    kit,
    [kit.python, join(kit.repo, 'scripts/bench', script), kit.serverUrl, ...args],
    kit.pythonEnv(),
    kit.root
  )
  if (!run.output.includes(expected))
    throw new Error(`${label} N=${n}, ${script}:\n${run.output.slice(-3000)}`)
  kit.log(`${label} N=${n}: python ${Math.round(run.ms)} ms, ${run.requests} requests`)
  return { n, ms: run.ms, requests: run.requests, peakRssMiB: run.peakRssMiB }
}

/** A registered model with versions 1..count, each a copy of the seeded champion, created one at a time. */
async function createVersions(kit: CurveKit, name: string, count: number): Promise<void> {
  await kit.client.createRegisteredModel(name)
  for (let n = 1; n <= count; n++) {
    const created = await kit.client.createModelVersion(name, kit.source.source, {
      runId: kit.source.runId,
      modelId: kit.source.modelId
    })
    if (created.version !== String(n))
      throw new Error(`${name}: expected v${n}, MLflow made v${created.version}`)
  }
}

async function exists(kit: CurveKit, name: string): Promise<boolean> {
  try {
    await kit.client.getRegisteredModel(name)
    return true
  } catch (error) {
    if (isNotFound(error)) return false
    throw error
  }
}

// ---------------------------------------------------------------------------------------------- archive

/** 2N versions: v1 in Production, the N even ones in Staging evaluated 60 days ago (to archive), every fourth
 * odd one in Staging evaluated 5 days ago (to keep). */
export const archiveModel = (n: number, who: string) => `bench-archive-${n}-${who}`

export async function ensureArchiveModel(kit: CurveKit, n: number, who: string): Promise<void> {
  const name = archiveModel(n, who)
  if (await exists(kit, name)) return
  const began = performance.now()
  await createVersions(kit, name, 2 * n)
  const old = new Date(Date.now() - 60 * DAY_MS).toISOString()
  const recent = new Date(Date.now() - 5 * DAY_MS).toISOString()
  await kit.client.transitionStage(name, '1', 'Production', false)
  const limit = pLimit(8)
  const staged = Array.from({ length: 2 * n }, (_, i) => i + 1).filter(
    v => v % 2 === 0 || (v > 1 && v % 4 === 1)
  )
  await Promise.all(
    staged.map(v =>
      limit(async () => {
        const version = String(v)
        await kit.client.transitionStage(name, version, 'Staging', false)
        await kit.client.setModelVersionTag(name, version, 'promotion.decision', 'passed')
        await kit.client.setModelVersionTag(
          name,
          version,
          'promotion.evaluated_at',
          v % 2 === 0 ? old : recent
        )
      })
    )
  )
  kit.log(`built ${name} (${2 * n} versions) in ${Math.round((performance.now() - began) / 1000)} s`)
}

const archivePolicy = (models: string[]) =>
  [
    'version: 1',
    'registry:',
    '  lifecycle: stages',
    'models:',
    ...models.flatMap(model => [
      `  ${model}:`,
      '    staging:',
      '      rules:',
      '        - { metric: accuracy, min: 0.95 }',
      '    retention:',
      `      archive_staging_after_days: ${RETENTION_DAYS}`
    ]),
    ''
  ].join('\n')

export interface ArchiveCurve extends Curve {
  floorLevels: { concurrency: number; ms: number; requests: number }[]
  bestConcurrency: number
}

/**
 * Archive of N stale Staging versions out of 2N: the action, the Python loop (where its model is built) and the
 * server-bound floor (the same requests fired from this process; the concurrency level is chosen at N = 100).
 */
export async function archiveCurve(
  kit: CurveKit,
  ns: number[],
  pythonNs: number[],
  levels: number[]
): Promise<ArchiveCurve> {
  const action: Point[] = []
  const python: Point[] = []
  const floor: Point[] = []
  const trialN = ns.includes(100) ? 100 : ns[0]
  const floorLevels: { concurrency: number; ms: number; requests: number }[] = []
  for (const level of levels) {
    await ensureArchiveModel(kit, trialN, `level-${level}`)
    const before = kit.accessCount()
    const run = await kit.floorRun(archiveModel(trialN, `level-${level}`), trialN, level)
    const seen = (await kit.requestsSince(before)).length
    if (seen !== run.requests)
      throw new Error(`the floor sent ${run.requests} requests, the server logged ${seen}`)
    floorLevels.push({ concurrency: level, ms: run.ms, requests: run.requests })
    kit.log(`archive floor at N=${trialN}, ${level} in flight: ${Math.round(run.ms)} ms`)
  }
  const best = floorLevels.reduce((a, b) => (b.ms < a.ms ? b : a))
  for (const n of ns) {
    const model = archiveModel(n, 'action')
    await ensureArchiveModel(kit, n, 'action')
    const workspace = workspaceWith({ '.github/model-promotion.yml': archivePolicy([model]) })
    action.push(
      await actionPoint(kit, 'archive', n, { command: 'archive', model }, workspace, outputs => {
        const archived = JSON.parse(outputs['archived-versions'] ?? '[]') as unknown[]
        return archived.length === n
          ? undefined
          : `archived ${archived.length} versions of ${model}, not ${n}`
      })
    )
    if (pythonNs.includes(n)) {
      await ensureArchiveModel(kit, n, 'python')
      python.push(
        await pythonPoint(
          kit,
          'archive',
          n,
          'archive_client.py',
          [archiveModel(n, 'python'), String(RETENTION_DAYS)],
          `"archived": ${n}`
        )
      )
    }

    if (n === trialN) {
      floor.push({ n, ms: best.ms, requests: best.requests })
    } else {
      await ensureArchiveModel(kit, n, 'floor')
      const run = await kit.floorRun(archiveModel(n, 'floor'), n, best.concurrency)
      floor.push({ n, ms: run.ms, requests: run.requests })
      kit.log(`archive N=${n}: floor ${Math.round(run.ms)} ms`)
    }
  }
  return {
    title: 'Archive N stale Staging versions (of 2N)',
    unit: 'N versions archived (the model has 2N)',
    series: [
      { tool: 'action', points: action },
      { tool: 'Python loop', points: python },
      { tool: `server-bound floor (${best.concurrency} in flight)`, points: floor }
    ],
    notes: [
      `The server's own time per request (the floor's time over its requests): ${floor
        .map(
          p =>
            `${(p.ms / p.requests).toFixed(1)} ms with ${(2 * p.n).toLocaleString('en-US')} versions in the model`
        )
        .join(
          ', '
        )}. MLflow's writes cost more as a model has more versions, so the floor itself grows faster than N with the same (linear) number of requests; the action's ratio to the floor at each N is what the action adds.`,
      `Floor per concurrency level at N = ${trialN}: ${floorLevels.map(l => `${l.concurrency} → ${Math.round(l.ms)} ms`).join(', ')}.`
    ],
    floorLevels,
    bestConcurrency: best.concurrency
  }
}

// ---------------------------------------------------------------------------------------------- evaluate (poll)

/** A model whose v1 is the champion and v2..N+1 are new versions nobody evaluated yet. */
async function pollModel(kit: CurveKit, name: string, n: number): Promise<string> {
  await createVersions(kit, name, n + 1)
  await kit.client.setAlias(name, 'champion', '1')
  return workspaceWith({ '.github/model-promotion.yml': policyFor(name) })
}

/** `evaluate` without a version: it polls the model and evaluates every pending version. */
export async function pollCurve(kit: CurveKit, ns: number[], stamp: string): Promise<Curve> {
  const action: Point[] = []
  const python: Point[] = []
  for (const n of ns) {
    const model = `bench-poll-${stamp}-${n}-action`
    const workspace = await pollModel(kit, model, n)
    action.push(
      await actionPoint(
        kit,
        'poll',
        n,
        { command: 'evaluate', model, 'open-pr': 'false' },
        workspace,
        outputs => {
          const versions = (outputs.version ?? '').split(',').filter(Boolean)
          return versions.length === n
            ? undefined
            : `evaluated ${versions.length} versions of ${model}, not ${n}`
        }
      )
    )
    const pyModel = `bench-poll-${stamp}-${n}-python`
    const pyWorkspace = await pollModel(kit, pyModel, n)
    python.push(
      await pythonPoint(
        kit,
        'poll',
        n,
        'evaluate_client.py',
        [pyModel, '--poll', join(pyWorkspace, '.github/model-promotion.yml')],
        `"evaluated": ${n},`
      )
    )
  }
  return {
    title: 'Evaluate polling N pending versions',
    unit: 'N versions evaluated in one run',
    series: [
      { tool: 'action', points: action },
      { tool: 'Python loop', points: python }
    ],
    notes: []
  }
}

// ---------------------------------------------------------------------------------------------- audit

/** `audit` of one model with N versions (v1 in production, as its record says), from the CLI on the workspace. */
export async function auditCurve(kit: CurveKit, ns: number[], stamp: string): Promise<Curve> {
  const action: Point[] = []
  const python: Point[] = []
  for (const n of ns) {
    const model = `bench-audit-${stamp}-${n}`
    await createVersions(kit, model, n)
    await kit.client.setAlias(model, 'champion', '1')
    const record = `model: ${model}\nproduction:\n  - version: 1\n`
    const workspace = workspaceWith({
      '.github/model-promotion.yml': policyFor(model),
      [`.github/models/${model}.yml`]: record
    })
    const env = { PATH: process.env.PATH, HOME: kit.root, MLFLOW_TRACKING_URI: kit.serverUrl }
    const run = await measured(
      kit,
      [
        process.execPath,
        join(kit.repo, 'bin/mlflow-promotion-gate.cjs'),
        'audit',
        '--model',
        model,
        '--format',
        'json'
      ],
      env,
      workspace
    )
    const result = JSON.parse(run.stdout) as { models: { drift?: unknown }[] }
    if (result.models.length !== 1 || result.models[0].drift) {
      throw new Error(`audit of ${model}: ${run.output.slice(-3000)}`)
    }
    action.push({ n, ms: run.ms, requests: run.requests, peakRssMiB: run.peakRssMiB })
    kit.log(
      `audit N=${n}: CLI ${Math.round(run.ms)} ms, ${run.requests} requests, ${run.peakRssMiB.toFixed(0)} MiB`
    )

    const recordFile = join(kit.root, `record-${n}.yml`)
    writeFileSync(recordFile, record)
    python.push(
      await pythonPoint(
        kit,
        'audit',
        n,
        'audit_client.py',
        [model, recordFile],
        `"versions": ${n}, "drift": []`
      )
    )
  }
  return {
    title: 'Audit of one model with N versions',
    unit: 'N versions of the model',
    series: [
      { tool: 'action (the CLI, same bundle)', points: action },
      { tool: 'Python loop', points: python }
    ],
    notes: []
  }
}

// ---------------------------------------------------------------------------------------------- rendering

/** Growth exponent of `value` between the last two points: log(v2/v1) / log(n2/n1). */
export function exponent(points: Point[], value: (p: Point) => number): number | undefined {
  if (points.length < 2) return undefined
  const [a, b] = points.slice(-2)
  return Math.log(value(b) / value(a)) / Math.log(b.n / a.n)
}

const ms = (value: number) =>
  value >= 10_000
    ? `${(value / 1000).toFixed(1)} s`
    : value >= 1000
      ? `${(value / 1000).toFixed(2)} s`
      : `${Math.round(value)} ms`

export function renderCurve(curve: Curve): string {
  const series = curve.series.filter(s => s.points.length > 0)
  const rows = series.flatMap(s =>
    s.points.map(p => {
      const previous = s.points[s.points.indexOf(p) - 1]
      const perItem = previous === undefined ? '-' : ms((p.ms - previous.ms) / (p.n - previous.n))
      return `| ${s.tool} | ${p.n.toLocaleString('en-US')} | ${ms(p.ms)} | ${perItem} | ${p.requests.toLocaleString('en-US')} | ${p.peakRssMiB === undefined ? '-' : `${p.peakRssMiB.toFixed(0)} MiB`} |`
    })
  )
  const growth = series.map(s => {
    const t = exponent(s.points, p => p.ms)
    const r = exponent(s.points, p => p.requests)
    const [a, b] = s.points.slice(-2)
    return t === undefined
      ? `- ${s.tool}: one point only`
      : `- ${s.tool}: time grows as N^${t.toFixed(2)} and requests as N^${r!.toFixed(2)} between N = ${a.n.toLocaleString('en-US')} and ${b.n.toLocaleString('en-US')} (1.00 is linear)`
  })
  const ns = [...new Set(series.flatMap(s => s.points.map(p => p.n)))].sort((a, b) => a - b)
  const chart = [
    '```mermaid',
    'xychart-beta',
    `  title "${curve.title}: wall time (s)"`,
    `  x-axis "N" [${ns.map(n => `"${n}"`).join(', ')}]`,
    '  y-axis "seconds"',
    ...series
      .filter(s => s.points.length === ns.length)
      .map(s => `  line [${s.points.map(p => (p.ms / 1000).toFixed(2)).join(', ')}]`),
    '```',
    '',
    `Lines, in order: ${series
      .filter(s => s.points.length === ns.length)
      .map(s => s.tool)
      .join(', ')}.`
  ]
  return [
    `### ${curve.title}`,
    '',
    `N = ${curve.unit}.`,
    '',
    '| tool | N | wall time | per extra item | requests | peak RSS |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...growth,
    ...curve.notes.map(note => `- ${note}`),
    '',
    ...chart
  ].join('\n')
}
