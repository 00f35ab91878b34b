import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { signDelivery } from '../../src/relay/signature.js'
import { GitHubStandIn } from '../../tools/github-stand-in/index.js'
import type { RepositoryDispatch } from '../../tools/github-stand-in/state.js'
import { workspaceWith } from '../harness/commands.js'
import {
  postDelivery,
  RELAY_SECRET as SECRET,
  startRelay,
  stopRelay,
  waitFor,
  type RunningRelay
} from '../harness/relay.js'
import { runBundle } from '../harness/runner.js'
import { clientFor, uniqueName, webhooksServer } from '../harness/servers.js'

function runNode(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv }
): Promise<{ stdout: string; stderr: string; status: number | null }> {
  const child = spawn(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', chunk => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', chunk => (stderr += chunk))
  return new Promise(done => child.on('close', status => done({ stdout, stderr, status })))
}

/**
 * A real MLflow 3.x server sends its webhooks to the committed relay, which dispatches to the GitHub stand-in;
 * the dispatch event then runs the committed bundle the way examples/workflows/evaluate.yml does.
 */
describe('the webhook relay between a real MLflow server and GitHub', () => {
  const server = webhooksServer()
  const client = clientFor(server.url)
  const model = uniqueName('relayed')
  let github: GitHubStandIn
  let relay: RunningRelay
  let webhookId: string
  let serverlessToken: string

  const dispatches = (): RepositoryDispatch[] => github.dispatches('acme/models')
  beforeAll(async () => {
    github = await GitHubStandIn.start()
    const bot = github.addUser('relay-bot', { type: 'Bot' })
    github.addUser('github-actions[bot]', { type: 'Bot' })
    serverlessToken = github.addUser('serverless-bot', { type: 'Bot' }).token
    github.createRepo('acme/models', {
      files: {},
      collaborators: { 'relay-bot': 'write', 'serverless-bot': 'write', 'github-actions[bot]': 'write' }
    })
    relay = await startRelay(bot.token, github.url)
    const created = await client.http.json({
      method: 'POST',
      path: '/api/2.0/mlflow/webhooks',
      body: {
        name: uniqueName('gate-relay'),
        url: `${relay.url}/mlflow`,
        events: [
          { entity: 'MODEL_VERSION', action: 'CREATED' },
          { entity: 'MODEL_VERSION_TAG', action: 'SET' },
          { entity: 'MODEL_VERSION_ALIAS', action: 'CREATED' }
        ],
        secret: SECRET
      }
    })
    webhookId = (created as { webhook: { webhook_id: string } }).webhook.webhook_id
    // The server keeps its list of webhooks for a second (MLFLOW_WEBHOOK_CACHE_TTL=1 in the harness).
    await new Promise(done => setTimeout(done, 1200))
  })
  afterAll(async () => {
    await client.http
      .json({ method: 'DELETE', path: `/api/2.0/mlflow/webhooks/${webhookId}` })
      .catch(() => undefined)
    client.http.close()
    await stopRelay(relay)
    await github.stop()
  })

  it('turns a new version into a dispatch that runs evaluate, and the gate’s own writes into audits', async () => {
    const run = await client.createRunWithMetrics(uniqueName('relay-exp'), { accuracy: 0.97 })
    await client.createRegisteredModel(model)
    await client.createModelVersion(model, `${run.info.artifact_uri}/model`, { runId: run.info.run_id })

    const dispatch = await waitFor('the evaluate dispatch', () =>
      dispatches().find(d => d.eventType === 'model-registered' && d.clientPayload.model === model)
    )
    expect(dispatch).toMatchObject({
      sender: 'relay-bot',
      clientPayload: { model, version: '1', mlflow_event: 'model_version.created' }
    })

    // What evaluate.yml does with the event: model and version from client_payload.
    const payload = github.repositoryDispatchEvent('acme/models', dispatch)
    const workspace = workspaceWith({
      '.github/model-promotion.yml': `version: 1\nmodels:\n  ${model}:\n    staging:\n      rules:\n        - { metric: accuracy, min: 0.95 }\n`
    })
    const { client_payload: sent } = payload as { client_payload: { model: string; version: string } }
    const result = await runBundle(
      {
        command: 'evaluate',
        model: sent.model,
        version: sent.version,
        'tracking-uri': server.url,
        'open-pr': 'false'
      },
      { env: { GITHUB_WORKSPACE: workspace }, event: { name: 'repository_dispatch', payload } }
    )
    expect(result.stdout).toContain(`${model} v1: passed`)
    expect(result.status).toBe(0)

    // The evaluation wrote promotion.* tags: each comes back as an audit dispatch for the model.
    const audit = await waitFor('an audit dispatch', () =>
      dispatches().find(
        d =>
          d.eventType === 'registry-changed' && d.clientPayload.reason === 'tag promotion.decision set on v1'
      )
    )
    expect(audit.clientPayload).toMatchObject({ model, mlflow_event: 'model_version_tag.set' })
    expect(relay.logs()).not.toContain(SECRET)
  })

  it('dispatches an audit when a production alias moves outside the gate', async () => {
    await client.http.json({
      method: 'POST',
      path: '/api/2.0/mlflow/registered-models/alias',
      body: { name: model, alias: 'champion', version: '1' }
    })
    await waitFor('the alias audit', () =>
      dispatches().find(
        d => d.eventType === 'registry-changed' && d.clientPayload.reason === 'alias champion set on v1'
      )
    )
  })

  it('the serverless example (examples/relay/serverless.mjs) relays through the published handler', async () => {
    const body = JSON.stringify({
      entity: 'model_version',
      action: 'created',
      data: { name: model, version: '9' }
    })
    const delivery = crypto.randomUUID()
    const timestamp = String(Math.floor(Date.now() / 1000))
    // A fetch-style platform: import the module, hand its `fetch` a Request, read the Response.
    const script = `
      const { default: app } = await import(${JSON.stringify(resolve(import.meta.dirname, '../../examples/relay/serverless.mjs'))})
      const response = await app.fetch(new Request('https://relay.example/mlflow', {
        method: 'POST',
        headers: ${JSON.stringify({
          'x-mlflow-delivery-id': delivery,
          'x-mlflow-timestamp': timestamp,
          'x-mlflow-signature': signDelivery(SECRET, delivery, timestamp, body)
        })},
        body: ${JSON.stringify(body)}
      }))
      process.stderr.write(String(response.status))`
    // Asynchronously: the stand-in answering the dispatch lives in this process.
    const run = await runNode(['--input-type=module', '-e', script], {
      cwd: resolve(import.meta.dirname, '../..'),
      env: {
        PATH: process.env.PATH,
        MLFLOW_WEBHOOK_SECRET: SECRET,
        GITHUB_TOKEN: serverlessToken,
        GITHUB_REPOSITORY: 'acme/models',
        GITHUB_API_URL: github.url
      }
    })
    expect(run.stderr).toBe('200')
    expect(run.stdout).toContain('"msg":"dispatched"')
    expect(dispatches().at(-1)).toMatchObject({
      sender: 'serverless-bot',
      clientPayload: { model, version: '9' }
    })
  })

  it('answers 502 when GitHub refuses the dispatch, so that MLflow delivers again', async () => {
    const reader = github.addUser('reader-bot', { type: 'Bot' })
    const readOnly = await startRelay(reader.token, github.url)
    try {
      const before = dispatches().length
      const body = JSON.stringify({
        entity: 'model_version',
        action: 'created',
        data: { name: model, version: '8' }
      })
      const response = await postDelivery(readOnly.url, body)
      expect(response.status).toBe(502)
      expect(dispatches().length).toBe(before)
      expect(readOnly.logs()).toContain('dispatch failed')
      expect(readOnly.logs()).not.toContain(reader.token)
    } finally {
      expect(await stopRelay(readOnly)).toBe(0)
    }
    github.assertNoViolations()
  })
})
