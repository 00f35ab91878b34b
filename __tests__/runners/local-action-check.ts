// `bash scripts/local-action-check.sh`: runs the action's TypeScript source with GitHub's @github/local-action
// (`npx local-action . src/main.ts <dotenv>`, which swaps @actions/core and @actions/github for its own stubs) against a
// real, seeded MLflow server: evaluate, dry run, on the seeded challenger. local-action always exits 0, so success is
// judged from what it prints (no `::error::`, the outputs set) and from the job summary file.
//
// Its traps (docs: toolchain.md §11): GITHUB_API_URL is read when the stubs load, so it is exported to the process,
// not put in the .env; GITHUB_STEP_SUMMARY must be in the .env or the summary cannot be written. And local-action
// passes action.yml's defaults as their text: `github-token`'s default `${{ github.token }}` would reach the action
// unevaluated, which it refuses by name, so the .env gives a token (never used: a dry run calls no GitHub API).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { collect, policyFor, runCheck, versionTags } from './mlflow.js'

const root = resolve(import.meta.dirname, '../..')

await runCheck('local-action-check', async ({ work, server, seed, start, expect }) => {
  const model = seed.models.iris.name
  const version = seed.models.iris.challenger.version

  const workspace = join(work, 'repo')
  mkdirSync(join(workspace, '.github'), { recursive: true })
  writeFileSync(join(workspace, '.github', 'model-promotion.yml'), policyFor(model))
  const summaryFile = join(work, 'step-summary.md')
  writeFileSync(summaryFile, '')
  const eventFile = join(work, 'event.json')
  writeFileSync(eventFile, JSON.stringify({ inputs: { model, version }, ref: 'refs/heads/main' }))
  // No INPUT_COMMAND and no INPUT_POLICY: local-action fills them from action.yml's defaults.
  const dotenv = {
    GITHUB_WORKSPACE: workspace,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_REPOSITORY: 'acme/models',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_RUN_ID: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    INPUT_MODEL: model,
    INPUT_VERSION: version,
    'INPUT_TRACKING-URI': server.url,
    'INPUT_DRY-RUN': 'true',
    'INPUT_GITHUB-TOKEN': 'ghs_LocalActionCheckFakeToken0000000000'
  }
  const dotenvFile = join(work, 'local-action.env')
  writeFileSync(
    dotenvFile,
    Object.entries(dotenv)
      .map(([name, value]) => `${name}=${value}\n`)
      .join('')
  )

  const args = ['--no', 'local-action', '.', 'src/main.ts', dotenvFile]
  console.log(`[local-action-check] npx ${args.join(' ')}`)
  const started = Date.now()
  const run = await collect(
    start('npx', args, {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        // Any GitHub API call would fail at once on this closed port instead of leaving the machine.
        GITHUB_API_URL: 'http://127.0.0.1:9',
        FORCE_COLOR: '0',
        NO_COLOR: '1'
      },
      stdio: ['ignore', 'pipe', 'pipe']
    }),
    180_000
  )
  console.log(
    `[local-action-check] local-action finished in ${((Date.now() - started) / 1000).toFixed(1)} s, exit ${run.code}`
  )
  // Each stream on its own (so that no line is cut by the other's), colours removed.
  // eslint-disable-next-line no-control-regex
  const output = `${run.stdout}\n${run.stderr}`.replace(/\x1b\[[0-9;]*m/g, '')
  const transcript = () => output
  const outputs = Object.fromEntries(
    [...output.matchAll(/^::set-output name=([\w-]+)::(.*)$/gm)].map(match => [match[1], match[2]])
  )

  expect(run.code === 0, 'local-action exits 0', transcript)
  expect(
    !output.includes('::error'),
    'no ::error:: (local-action exits 0 even after core.setFailed)',
    transcript
  )
  expect(
    output.includes('Running Action') &&
      output.includes('Action Outputs') &&
      !output.includes('No outputs were set'),
    'local-action ran src/main.ts with its stubs, which list the outputs set (the real @actions/core would not)',
    transcript
  )
  expect(
    output.includes(`${model} v${version}: passed`),
    `the action evaluated ${model} v${version} (dry run): passed`,
    transcript
  )
  expect(
    outputs.decision === 'passed' && outputs.version === version,
    `outputs set: decision=${outputs.decision} version=${outputs.version}`,
    transcript
  )
  const result = JSON.parse(outputs.result ?? '{}') as {
    command?: string
    dryRun?: boolean
    policy?: { path?: string }
  }
  expect(
    result.command === 'evaluate' &&
      result.dryRun === true &&
      result.policy?.path === '.github/model-promotion.yml',
    'the `result` output: command evaluate (action.yml default), dry run, policy at the default path',
    () => outputs.result ?? '(no result output)'
  )
  const summary = readFileSync(summaryFile, 'utf8')
  expect(
    summary.includes(`### ✅ ${model} v${version}: passed`),
    `the job summary was written to GITHUB_STEP_SUMMARY (${summary.length} characters)`,
    () => `summary file:\n${summary}\noutput:\n${output}`
  )
  const tags = await versionTags(server, model, version)
  expect(
    tags['promotion.decision'] === undefined,
    'dry run: nothing was written to MLflow (no promotion.decision tag)',
    () => JSON.stringify(tags)
  )
})
