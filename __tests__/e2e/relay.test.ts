import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { GitHubStandIn } from '../../tools/github-stand-in/index.js'
import type { RepositoryDispatch } from '../../tools/github-stand-in/state.js'
import { signDelivery } from '../../src/relay/signature.js'
import { workspaceWith } from '../harness/commands.js'
import { runBundle } from '../harness/runner.js'
import { clientFor, uniqueName, webhooksServer } from '../harness/servers.js'

const cli = resolve(import.meta.dirname, '../../bin/mlflow-promotion-gate.cjs')
const SECRET = 'relay-test-secret-6d1f0c'

interface RunningRelay {
  url: string
  child: ChildProcess
  logs: () => string
}

/** Starts the committed relay (`mlflow-promotion-gate relay`) on a free port; resolves once it listens. */
async function startRelay(token: string, apiUrl: string): Promise<RunningRelay> {
  const child = spawn(
    process.execPath,
    [cli, 'relay', '--repository', 'acme/models', '--listen', '127.0.0.1:0'],
    {
      env: {
        PATH: process.env.PATH,
        MLFLOW_WEBHOOK_SECRET: SECRET,
        GITHUB_TOKEN: token,
        GITHUB_API_URL: apiUrl
      },
      stdio: ['ignore', 'pipe', 'pipe']
    }
  )
  let output = ''
  child.stdout?.setEncoding('utf8')
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', chunk => (output += chunk))
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.stdout?.on('data', chunk => {
      output += chunk
      const listening = /"msg":"listening","url":"([^"]+)"/.exec(output)
      if (listening) resolveUrl(listening[1])
    })
    child.on('exit', code => reject(new Error(`the relay exited with ${code}:\n${output}`)))
  })
  return { url, child, logs: () => output }
}

async function stopRelay(relay: RunningRelay): Promise<number | null> {
  const exited = new Promise<number | null>(resolveCode => relay.child.on('exit', code => resolveCode(code)))
  relay.child.kill('SIGTERM')
  return exited
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(done => setTimeout(done, 100))
  }
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

  const dispatches = (): RepositoryDispatch[] => github.dispatches('acme/models')
  const signedPost = (
    body: string,
    options: { delivery?: string; timestamp?: number; signature?: string } = {}
  ) => {
    const delivery = options.delivery ?? crypto.randomUUID()
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000))
    return fetch(`${relay.url}/mlflow`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-mlflow-delivery-id': delivery,
        'x-mlflow-timestamp': timestamp,
        'x-mlflow-signature': options.signature ?? signDelivery(SECRET, delivery, timestamp, body)
      },
      body
    })
  }

  beforeAll(async () => {
    github = await GitHubStandIn.start()
    const bot = github.addUser('relay-bot', { type: 'Bot' })
    github.addUser('github-actions[bot]', { type: 'Bot' })
    github.createRepo('acme/models', {
      files: {},
      collaborators: { 'relay-bot': 'write', 'github-actions[bot]': 'write' }
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

  it('refuses forged, stale, replayed, oversized and malformed deliveries, and sends nothing for them', async () => {
    const body = JSON.stringify({
      entity: 'model_version',
      action: 'created',
      timestamp: new Date().toISOString(),
      data: { name: model, version: '7' }
    })
    const before = dispatches().length
    const delivery = crypto.randomUUID()
    expect((await signedPost(body, { delivery })).status).toBe(200)
    expect(dispatches().length).toBe(before + 1)

    expect((await signedPost(body, { delivery })).status).toBe(409)
    expect((await signedPost(body, { signature: signDelivery('guessed', delivery, '1', body) })).status).toBe(
      401
    )
    expect((await signedPost(body, { timestamp: Math.floor(Date.now() / 1000) - 600 })).status).toBe(401)
    expect((await signedPost(`${body}${' '.repeat(300 * 1024)}`)).status).toBe(413)
    expect((await signedPost('{"entity": "model_version"')).status).toBe(400)
    expect((await signedPost('{"entity": "run", "action": "created", "data": {}}')).status).toBe(422)
    expect(dispatches().length).toBe(before + 1)
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200)
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
      const delivery = crypto.randomUUID()
      const timestamp = String(Math.floor(Date.now() / 1000))
      const response = await fetch(`${readOnly.url}/`, {
        method: 'POST',
        headers: {
          'x-mlflow-delivery-id': delivery,
          'x-mlflow-timestamp': timestamp,
          'x-mlflow-signature': signDelivery(SECRET, delivery, timestamp, body)
        },
        body
      })
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
