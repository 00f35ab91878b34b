import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { workspaceWith } from '../harness/commands.js'
import { runBundle, runCliBundle } from '../harness/runner.js'
import { clientFor, testServers, uniqueName, workspacesServer } from '../harness/servers.js'
import type { FixtureClient } from '../harness/fixture-client.js'

/**
 * MLflow workspaces (`mlflow server --enable-workspaces`): tenants of one server, chosen per request by the
 * X-MLFLOW-WORKSPACE header. The same model name in two workspaces is two models; the gate must touch only the one
 * it was told to.
 */
describe('the bundle on an MLflow server with workspaces', () => {
  const server = workspacesServer()
  const suffix = String(process.pid % 100000)
  const teamA = `team-a-${suffix}`
  const teamB = `team-b-${suffix}`
  const model = uniqueName('churn')
  const clients: Record<string, FixtureClient> = {}
  let policyRepo: string

  const evaluate = (inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}) =>
    runBundle(
      { command: 'evaluate', model, version: '1', 'tracking-uri': server.url, 'open-pr': 'false', ...inputs },
      { env: { GITHUB_WORKSPACE: policyRepo, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0', ...env } }
    )

  /** The version's MLmodel, put where the served-artifacts store keeps the workspace's run artifacts. */
  async function uploadMlmodel(artifactUri: string, workspace: string): Promise<void> {
    const path = artifactUri.replace(/^mlflow-artifacts:\//, '')
    expect(path).toMatch(new RegExp(`^workspaces/${workspace}/`))
    const mlmodel = `artifact_path: model\nflavors: {}\nsignature:\n  inputs: '[{"type": "double", "name": "x"}]'\n  outputs: null\n`
    const res = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${path}/model/MLmodel`, {
      method: 'PUT',
      headers: { 'x-mlflow-workspace': workspace },
      body: mlmodel
    })
    expect(res.status).toBe(200)
  }

  beforeAll(async () => {
    const admin = clientFor(server.url)
    for (const [workspace, accuracy] of [
      [teamA, 0.97],
      [teamB, 0.5]
    ] as const) {
      await admin.http.json({
        method: 'POST',
        path: '/api/3.0/mlflow/workspaces',
        body: { name: workspace, description: 'promotion gate test tenant' }
      })
      const client = clientFor(server.url, { workspace })
      clients[workspace] = client
      const run = await client.createRunWithMetrics(uniqueName('exp'), { accuracy })
      await uploadMlmodel(run.info.artifact_uri ?? '', workspace)
      await client.createRegisteredModel(model)
      await client.createModelVersion(model, `${run.info.artifact_uri}/model`, { runId: run.info.run_id })
    }
    admin.http.close()
    policyRepo = workspaceWith({
      '.github/model-promotion.yml': `version: 1\nmodels:\n  ${model}:\n    staging:\n      rules:\n        - { metric: accuracy, min: 0.95 }\n        - { signature: required }\n`
    })
  })
  afterAll(() => {
    for (const client of Object.values(clients)) client.http.close()
  })

  it('evaluates the model of the workspace it is given and leaves the same name in another workspace alone', async () => {
    const result = await evaluate({ workspace: teamA })
    expect(result.stdout).toContain(`${model} v1: passed`)
    expect(result.status).toBe(0)
    const outcome = JSON.parse(result.outputs.result) as { command: string; workspace: string }
    expect(Object.keys(outcome).slice(0, 2)).toEqual(['command', 'workspace'])
    expect(outcome.workspace).toBe(teamA)
    // The signature came from the workspace's own artifacts, read through the server.
    expect(outcome).toMatchObject({ evaluations: [{ signature: { inputs: ['x'] } }] })
    expect(result.summary).toContain(`**MLflow workspace** ${teamA}`)
    expect(result.summary).toContain(`/#/models/${model}/versions/1?workspace=${teamA}`)

    const inA = await clients[teamA].getModelVersion(model, '1')
    expect(inA.aliases).toContain('challenger')
    expect(inA.tags.find(tag => tag.key === 'promotion.decision')?.value).toBe('passed')
    const inB = await clients[teamB].getModelVersion(model, '1')
    expect(inB.aliases).toEqual([])
    expect(inB.tags.filter(tag => tag.key.startsWith('promotion.'))).toEqual([])
  })

  it('takes the workspace from MLFLOW_WORKSPACE, as MLflow’s client does, and judges that workspace’s evidence', async () => {
    const result = await evaluate({}, { MLFLOW_WORKSPACE: teamB })
    expect(result.stdout).toContain(`${model} v1: failed`)
    expect(result.status).toBe(1)
    expect(JSON.parse(result.outputs.result)).toMatchObject({ workspace: teamB, decision: 'failed' })
    expect(
      (await clients[teamA].getModelVersion(model, '1')).tags.find(t => t.key === 'promotion.decision')?.value
    ).toBe('passed')
  })

  it('says a workspace that does not exist is a setting to fix, not a missing model', async () => {
    const result = await evaluate({ workspace: `nowhere-${suffix}` })
    expect(result.status).toBe(1)
    expect(result.stdout).toContain(`The MLflow workspace "nowhere-${suffix}" does not exist on this server`)
    expect(result.stdout).not.toContain('not found in the registry')
  })

  it('refuses a name MLflow would refuse before sending anything', async () => {
    const result = await evaluate({ workspace: 'Team_A' })
    expect(result.status).toBe(1)
    expect(result.stdout).toContain('The `workspace` input "Team_A" is not an MLflow workspace name')
  })

  // MLflow 3 without --enable-workspaces refuses the header; MLflow 2 ignores it and would answer from its one
  // registry, which the gate must not take for the workspace's.
  it.each(testServers())(
    'tells a server without workspaces (%s) from a missing model',
    async (_label, plain) => {
      const result = await evaluate({ workspace: teamA, 'tracking-uri': plain.url })
      expect(result.status).toBe(1)
      expect(result.stdout).toContain('The MLflow server has no workspaces')
      expect(result.stdout).toContain(`the workspace "${teamA}" was given`)
      expect(result.stdout).not.toContain('evaluated')
    }
  )

  it('the CLI takes --workspace and shows it in its JSON result', async () => {
    const result = await runCliBundle(
      ['audit', '--model', model, '--workspace', teamA, '--format', 'json', '--tracking-uri', server.url],
      { cwd: policyRepo }
    )
    expect(JSON.parse(result.stdout)).toMatchObject({ command: 'audit', workspace: teamA })
  })
})
