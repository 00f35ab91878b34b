// `bash scripts/act-check.sh`: runs examples/workflows/evaluate.yml under nektos/act in host mode (no Docker), with
// the action as `uses: ./` (the committed dist/index.js) against a real, seeded MLflow server, and checks what only a
// runner does: action.yml's defaults reach the action, outputs pass between steps and between jobs, the job summary
// is written, and the registry is written.
//
// The example is run from a temporary copy, rewritten for a machine without github.com: the action's own `uses:`
// becomes `./`; actions/checkout stays (act copies the local folder for a checkout of the same repository, without
// fetching anything); every other remote action is removed (the optional GitHub App token step); `command:` and
// `github-token:` are dropped so that action.yml's defaults supply them; `open-pr` is false (no GitHub to open a pull
// request on). A step is added after the gate's that uses its outputs.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parse, stringify } from 'yaml'
import { collect, policyFor, runCheck, versionTags } from './mlflow.js'

const root = resolve(import.meta.dirname, '../..')
const example = 'examples/workflows/evaluate.yml'
const actBin = process.argv[2]
if (actBin === undefined) {
  console.error(
    'usage: tsx __tests__/runners/act-check.ts <path of the act binary> (run scripts/act-check.sh)'
  )
  process.exit(2)
}
/** How the examples name this action (`<owner>/mlflow-promotion-gate@<ref>`). */
const THIS_ACTION = /^[\w.-]+\/mlflow-promotion-gate@/
const REPOSITORY = 'acme/models'
const FAKE_TOKEN = 'ghs_ActCheckFakeToken000000000000000000' // act's github.token; never sent anywhere

interface Step {
  id?: string
  name?: string
  uses?: string
  run?: string
  if?: string
  with?: Record<string, string | boolean | number>
  env?: Record<string, string>
}
interface Workflow {
  jobs: Record<string, { steps?: Step[] }>
}
interface ActionMetadata {
  inputs: Record<string, { default?: string; required?: boolean }>
}
interface ActLine {
  msg?: string
  jobID?: string
  stepID?: string[]
  raw_output?: boolean
  command?: string
  name?: string
  arg?: string
  content?: string
  jobResult?: string
  level?: string
}

await runCheck('act-check', async ({ work, server, seed, start, expect }) => {
  const model = seed.models.iris.name
  const version = seed.models.iris.challenger.version

  // The repository the workflow runs in: the action (action.yml and the committed dist/) and the policy.
  const workspace = join(work, 'repo')
  mkdirSync(join(workspace, '.github', 'workflows'), { recursive: true })
  cpSync(join(root, 'action.yml'), join(workspace, 'action.yml'))
  cpSync(join(root, 'dist'), join(workspace, 'dist'), { recursive: true })
  writeFileSync(join(workspace, '.github', 'model-promotion.yml'), policyFor(model))

  const recordFile = join(work, 'gate-inputs.json')
  const workflow = parse(readFileSync(join(root, example), 'utf8')) as Workflow
  const { gate, given, removed } = rewrite(workflow, recordFile, { model, version, trackingUri: server.url })
  const workflowFile = join(workspace, '.github', 'workflows', 'evaluate.yml')
  writeFileSync(workflowFile, stringify(workflow, { lineWidth: 0 }))
  console.log(`[act-check] ${example} → ${workflowFile}: uses ./, removed ${removed.join(', ') || 'nothing'}`)

  const eventFile = join(work, 'event.json')
  writeFileSync(
    eventFile,
    JSON.stringify({
      action: 'model-registered',
      client_payload: { model, version },
      repository: { full_name: REPOSITORY, name: 'models', owner: { login: 'acme' }, default_branch: 'main' },
      sender: { login: 'training-pipeline' }
    })
  )
  const home = join(work, 'home')
  mkdirSync(home)
  const args = [
    'repository_dispatch',
    ...['--workflows', workflowFile, '--directory', workspace, '--eventpath', eventFile],
    ...['--platform', 'ubuntu-latest=-self-hosted'], // host mode: steps run on this machine, no Docker
    ...['--action-cache-path', join(work, 'act-cache'), '--no-cache-server', '--json'],
    ...['--var', `MLFLOW_TRACKING_URI=${server.url}`, '--secret', `GITHUB_TOKEN=${FAKE_TOKEN}`],
    ...['--env', `GITHUB_REPOSITORY=${REPOSITORY}`, '--env', 'GITHUB_REF=refs/heads/main'],
    ...['--env', `SHA_REF=${'a'.repeat(40)}`, '--env', 'GITHUB_SERVER_URL=https://github.com'],
    // Any GitHub API call would fail at once on this closed port instead of leaving the machine.
    ...['--env', 'GITHUB_API_URL=http://127.0.0.1:9']
  ]
  console.log(`[act-check] ${actBin} ${args.join(' ')}`)
  const actStarted = Date.now()
  const run = await collect(
    start(actBin, args, {
      cwd: workspace,
      // act in host mode hands its own environment to the steps: keep it to what a runner would have.
      env: { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8', TMPDIR: work },
      stdio: ['ignore', 'pipe', 'pipe']
    }),
    180_000
  )
  const lines: ActLine[] = []
  const other: string[] = []
  // One JSON object a line (--json); each stream is read on its own, so that no line is cut by the other's.
  for (const text of [...run.stdout.split('\n'), ...run.stderr.split('\n')]) {
    if (text.trim() === '') continue
    try {
      lines.push(JSON.parse(text) as ActLine)
    } catch {
      other.push(text)
    }
  }
  const transcript = () =>
    lines
      .filter(line => line.level !== 'debug')
      .map(
        line =>
          `  ${line.jobID ?? ''}${line.stepID ? `/${line.stepID.join('/')}` : ''}: ${(line.msg ?? '').trimEnd()}`
      )
      .concat(other.map(text => `  ${text}`))
      .join('\n')
  console.log(
    `[act-check] act finished in ${((Date.now() - actStarted) / 1000).toFixed(1)} s, exit ${run.code}`
  )

  const inStep = (job: string, step: string) =>
    lines.filter(line => line.jobID === job && line.stepID?.length === 1 && line.stepID[0] === step)
  const stepOutput = (job: string, step: string) =>
    inStep(job, step)
      .filter(line => line.raw_output)
      .map(line => line.msg ?? '')
      .join('')
  const outputs = Object.fromEntries(
    inStep('evaluate', gate.id!)
      .filter(line => line.command === 'set-output')
      .map(line => [line.name, line.arg ?? ''])
  )
  const jobResult = (job: string) => lines.find(line => line.jobID === job && line.jobResult)?.jobResult

  expect(run.code === 0, 'act exits 0', transcript)
  expect(
    jobResult('validate') === 'success' && jobResult('evaluate') === 'success',
    'both jobs of the example (validate, evaluate) succeed',
    transcript
  )
  expect(
    stepOutput('evaluate', gate.id!).includes(`${model} v${version}: passed; moved to Staging`),
    `the gate step (uses: ./) evaluated ${model} v${version}: passed`,
    transcript
  )
  const record = JSON.parse(readFileSync(recordFile, 'utf8')) as {
    node: string
    inputs: Record<string, string>
  }
  expect(record.node.startsWith('v24.'), `act ran the node24 action on the host's Node (${record.node})`)

  // (a) action.yml's defaults, as the runner gave them to the action's process.
  const recorded = record.inputs
  const metadata = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as ActionMetadata
  const mismatches: string[] = []
  const defaulted: string[] = []
  for (const [name, input] of Object.entries(metadata.inputs)) {
    const variable = `INPUT_${name.toUpperCase().replace(/[^A-Z0-9-]/g, '_')}`
    let expected: string
    if (name in given) expected = given[name]
    else {
      expected =
        input.default === undefined ? '' : input.default.replace(/^\$\{\{ *github\.token *\}\}$/, FAKE_TOKEN)
      if (input.default !== undefined)
        defaulted.push(`${name}=${name === 'github-token' ? '${{ github.token }}' : expected}`)
    }
    if (recorded[variable] !== expected)
      mismatches.push(
        `${variable}: got ${JSON.stringify(recorded[variable])}, expected ${JSON.stringify(expected)}`
      )
  }
  expect(mismatches.length === 0, `action.yml defaults reached the action: ${defaulted.join(', ')}`, () =>
    mismatches.join('\n')
  )
  expect(
    recorded['INPUT_COMMAND'] === 'evaluate' && recorded['INPUT_POLICY'] === '.github/model-promotion.yml',
    'the default command (evaluate) ran with the policy at the default path .github/model-promotion.yml'
  )
  expect(
    recorded['INPUT_MODEL'] === model && recorded['INPUT_VERSION'] === version,
    `job outputs passed from validate to evaluate (model=${recorded['INPUT_MODEL']}, version=${recorded['INPUT_VERSION']})`
  )

  // (b) outputs between steps (and, in the example itself, between jobs: model and version come from `validate`).
  expect(
    outputs.decision === 'passed' && outputs.version === version,
    `the gate step set decision=${outputs.decision} version=${outputs.version}`,
    transcript
  )
  expect(
    stepOutput('evaluate', 'use-outputs').includes(
      `decision=passed version=${version} report=### ✅ ${model} v${version}: passed`
    ),
    'a later step read steps.gate.outputs.decision, .version and .report',
    transcript
  )

  // (c) the job summary: act logs what a step left in GITHUB_STEP_SUMMARY (a `summary` command in --json).
  const summaries = inStep('evaluate', gate.id!).filter(line => line.command === 'summary')
  expect(
    summaries.length === 1 && summaries[0].content!.includes(`### ✅ ${model} v${version}: passed`),
    'the gate step wrote the job summary (GITHUB_STEP_SUMMARY)',
    transcript
  )
  expect(
    summaries[0].content!.trim() === outputs.report?.trim(),
    'the job summary is the `report` output, as action.yml says'
  )

  // The registry was really written by the action.
  const tags = await versionTags(server, model, version)
  expect(
    tags['promotion.decision'] === 'passed',
    `MLflow has promotion.decision=${tags['promotion.decision']} on ${model} v${version}`,
    () => JSON.stringify(tags)
  )
})

/**
 * Rewrites the example in place for act on a machine without github.com; returns the gate step, the inputs it is
 * given with the values the runner should pass for them, and the steps removed.
 */
function rewrite(
  workflow: Workflow,
  recordFile: string,
  values: { model: string; version: string; trackingUri: string }
): { gate: Step; given: Record<string, string>; removed: string[] } {
  const removed: string[] = []
  let gate: Step | undefined
  for (const job of Object.values(workflow.jobs)) {
    const steps: Step[] = []
    for (const step of job.steps ?? []) {
      if (step.uses !== undefined && THIS_ACTION.test(step.uses)) {
        if (gate !== undefined)
          throw new Error(`${example} uses the action more than once: the check expects one step`)
        gate = step
        steps.push(step)
        steps.push({
          name: 'Use the gate outputs',
          id: 'use-outputs',
          env: {
            DECISION: `\${{ steps.${(step.id ??= 'gate')}.outputs.decision }}`,
            VERSION: `\${{ steps.${step.id}.outputs.version }}`,
            REPORT: `\${{ steps.${step.id}.outputs.report }}`
          },
          run: 'echo "decision=$DECISION version=$VERSION report=$(grep -m 1 "^### " <<<"$REPORT")"'
        })
      } else if (
        step.uses === undefined ||
        step.uses.startsWith('./') ||
        /^actions\/checkout@/.test(step.uses)
      ) {
        steps.push(step)
      } else {
        removed.push(step.uses.replace(/@.*/, ''))
      }
    }
    job.steps = steps
  }
  if (gate === undefined) throw new Error(`${example} has no step that uses the action`)
  gate.uses = './'
  const inputs = gate.with ?? {}
  if (inputs.command !== undefined && inputs.command !== 'evaluate') {
    throw new Error(`${example} runs command ${inputs.command}: the check expects evaluate`)
  }
  delete inputs.command // action.yml's default, evaluate
  delete inputs['github-token'] // it names the removed App token step; action.yml's default is ${{ github.token }}
  delete inputs.policy
  inputs['open-pr'] = false
  gate.with = inputs
  gate.env = {
    ...gate.env,
    NODE_OPTIONS: `--import=${join(import.meta.dirname, 'record-inputs.mjs')}`,
    GATE_CHECK_INPUTS_FILE: recordFile
  }
  // What the action should receive for each input given in `with:` (its expressions evaluated by act).
  const evaluated: Record<string, string> = {
    '${{ needs.validate.outputs.model }}': values.model,
    '${{ needs.validate.outputs.version }}': values.version,
    '${{ vars.MLFLOW_TRACKING_URI }}': values.trackingUri,
    '${{ secrets.MLFLOW_TRACKING_TOKEN }}': ''
  }
  const given: Record<string, string> = {}
  for (const [name, value] of Object.entries(inputs)) {
    const text = String(value)
    if (!text.includes('${{')) given[name] = text
    else if (text in evaluated) given[name] = evaluated[text]
    else throw new Error(`${example}: the check does not know what \`${name}: ${text}\` evaluates to; add it`)
  }
  return { gate, given, removed }
}
