// `npm run demo`: a whole model lifecycle on an embedded default. It starts a local MLflow server (sqlite) and the
// GitHub stand-in, seeds a model, and drives the committed bundle (dist/index.js) the way a runner would, while
// people (alice, bob, carol, dave) review and merge through the stand-in's API:
// evaluate → PR → approvals → merge → promote → a better version → A/B → the experiment decides (step, winner) →
// rollback → archive → audit.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { EXPERIMENT_POLICY } from '../__tests__/harness/experiment-specs.js'
import { GateWorld } from '../__tests__/harness/gate-world.js'
import { runBundle, type BundleRun } from '../__tests__/harness/runner.js'
import type { TestServer } from '../__tests__/harness/servers.js'
import { pinnedVersions, seedMlflowServer, startMlflowServer } from './lib/mlflow-server.mjs'

const keep = process.argv.includes('--keep')
const workDir = mkdtempSync(join(tmpdir(), 'promotion-gate-demo-'))
const say = (text: string) => process.stdout.write(`\n\x1b[1m▶ ${text}\x1b[0m\n`)

function show(step: string, run: BundleRun): void {
  process.stdout.write(`\n--- ${step}: exit ${run.status}, decision ${run.outputs.decision ?? '-'} ---\n`)
  process.stdout.write(`${run.summary.trim()}\n`)
  if (run.status !== 0 && !run.outputs.decision) process.stdout.write(run.stdout)
}

const mlflow = await startMlflowServer({
  version: pinnedVersions().mlflow3,
  workDir: join(workDir, 'mlflow'),
  label: 'demo'
})
let world: GateWorld | undefined
try {
  say(`MLflow ${mlflow.version} is at ${mlflow.url}: open it to watch the registry while the demo runs.`)
  say('Seeding small scikit-learn models with MLflow’s own Python client…')
  const seed = await seedMlflowServer(mlflow)
  const server: TestServer = { ...mlflow, seed }
  world = new GateWorld(server)
  await world.start()
  const github = world.github
  const { weaker, stronger } = world.seeded
  const s = await world.scenario([weaker, stronger, stronger, weaker], {
    model: 'fraud-detector',
    repo: 'acme/models',
    strategy: 'ab',
    extraPolicy: [
      ...EXPERIMENT_POLICY,
      '    retention:',
      '      archive_staging_after_days: 30',
      '      keep_archived: 10'
    ]
  })
  const [v1, v2, , v4] = s.versions
  say(
    `GitHub stand-in at ${github.url}: repository ${s.repo} with the policy ${s.workspace}/.github/model-promotion.yml`
  )
  process.stdout.write(`${s.policy}\n`)

  const approveAndMerge = async (number: number, merger = 'carol') => {
    await github.review('alice', s.repo, number, 'APPROVE')
    await github.review('bob', s.repo, number, 'APPROVE')
    return github.merge(merger, s.repo, number)
  }

  say(`1. evaluate v${v1}: the policy passes it, it goes to Staging and a promotion pull request opens`)
  const first = await world.evaluate(s, v1)
  show('evaluate', first)
  const pr1 = Number(first.outputs['pr-number'])
  say(
    `2. alice and bob approve #${pr1}, carol merges it, and promote re-verifies everything before touching MLflow`
  )
  await approveAndMerge(pr1)
  show('promote', await world.promote(s, pr1))

  say(`3. a better version, v${v2}: with strategy ab its pull request proposes 90/10 traffic`)
  const second = await world.evaluate(s, v2)
  show('evaluate', second)
  const pr2 = Number(second.outputs['pr-number'])
  await approveAndMerge(pr2)
  show('promote (A/B)', await world.promote(s, pr2))

  /** The serving layer logs each version's windows with the helper in examples/serving/ (MLflow's own client). */
  const serve = (windows: number[], versions: [string, number, number][]) => {
    const calls = windows.flatMap(window =>
      versions.map(
        ([version, impressions, rate]) =>
          `WindowLogger(model=${JSON.stringify(s.model)}, version="${version}").log_window(window=${window}, counts={"conversions": ${Math.round(impressions * rate)}, "impressions": ${impressions}, "errors": ${Math.round(impressions * 0.01)}, "requests": ${impressions}})`
      )
    )
    execFileSync(
      join(mlflow.venv, 'bin', 'python'),
      [
        '-c',
        [
          'import sys',
          `sys.path.insert(0, ${JSON.stringify(resolve(import.meta.dirname, '../examples/serving'))})`,
          'from promotion_gate_windows import WindowLogger',
          ...calls
        ].join('\n')
      ],
      { env: { ...process.env, MLFLOW_TRACKING_URI: mlflow.url, MLFLOW_DISABLE_TELEMETRY: 'true' } }
    )
  }
  const experiment = () => runBundle(world!.inputs('experiment', { model: s.model }), { env: world!.env(s) })

  say(
    `4. the serving layer logs conversions per hour for v${v1} (90%) and v${v2} (10%); the hourly experiment judges them`
  )
  serve(
    [1],
    [
      [v1, 900, 0.1],
      [v2, 100, 0.1]
    ]
  )
  show('experiment (hour 1)', await experiment())
  serve(
    [2, 3],
    [
      [v1, 45_000, 0.1],
      [v2, 5_000, 0.1]
    ]
  )
  const stepped = await experiment()
  show('experiment (hour 3)', stepped)
  const stepPr = Number(stepped.outputs['pr-number'])
  say(
    `   v${v2} is not worse: its pull request #${stepPr} steps it to 25%; alice and bob approve, carol merges`
  )
  await approveAndMerge(stepPr)
  show('promote (25%)', await world.promote(s, stepPr))
  serve(
    [4, 5, 6],
    [
      [v1, 75_000, 0.1],
      [v2, 25_000, 0.13]
    ]
  )
  const won = await experiment()
  show('experiment (hour 6)', won)
  const winPr = Number(won.outputs['pr-number'])
  say(`   v${v2} converts better with confidence: #${winPr} gives it all the traffic, through the same gate`)
  await approveAndMerge(winPr)
  show('promote (winner)', await world.promote(s, winPr))

  say(`5. something is wrong with v${v2} in production: dave runs rollback`)
  const run = github.addWorkflowRun(s.repo, { event: 'workflow_dispatch', actor: 'dave' })
  const rolledBack = await runBundle(
    world.inputs('rollback', { model: s.model, reason: 'error rate doubled after the switch' }),
    {
      env: world.env(s, { GITHUB_RUN_ID: String(run.id) })
    }
  )
  show('rollback', rolledBack)

  say('6. audit: the registry now differs from the record on main until the rollback pull request merges')
  show('audit', await runBundle(world.inputs('audit', { model: s.model }), { env: world.env(s) }))
  const rollbackPr = Number(rolledBack.outputs['pr-number'])
  await approveAndMerge(rollbackPr, 'bob')
  show('promote (rollback record)', await world.promote(s, rollbackPr, 'bob'))

  say(`7. archive: v${v4} passed the gate 40 days ago and was never promoted`)
  const old = new Date(Date.now() - 40 * 86_400_000).toISOString()
  await world.client.setModelVersionTag(s.model, v4, 'promotion.decision', 'passed')
  await world.client.setModelVersionTag(s.model, v4, 'promotion.evaluated_at', old)
  show(
    'archive (dry run)',
    await runBundle(world.inputs('archive', { 'dry-run': 'true' }), { env: world.env(s) })
  )
  show('archive', await runBundle(world.inputs('archive'), { env: world.env(s) }))

  say('8. someone moves the champion alias by hand with MLflow’s Python client; audit reports the drift')
  execFileSync(join(mlflow.venv, 'bin', 'python'), [
    '-c',
    `from mlflow import MlflowClient\nMlflowClient(${JSON.stringify(mlflow.url)}).set_registered_model_alias("${s.model}", "champion", "${v2}")`
  ])
  show('audit', await runBundle(world.inputs('audit', { model: s.model }), { env: world.env(s) }))
  github.assertNoViolations()

  say(
    `Done. Every GitHub request and response was valid against GitHub's OpenAPI description (${github.requests.length} requests).`
  )
  if (keep) {
    say(`Servers kept up (--keep): MLflow ${mlflow.url}, GitHub stand-in ${github.url}. Ctrl-C stops them.`)
    await new Promise<void>(resolve => process.once('SIGINT', () => resolve()))
  }
} finally {
  await world?.stop()
  await mlflow.stop()
  rmSync(workDir, { recursive: true, force: true })
}
