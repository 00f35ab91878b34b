import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { dryRunEvaluateInputs, workspaceWith } from '../harness/commands.js'
import { forward } from '../harness/proxy.js'
import { runBundle } from '../harness/runner.js'
import { clientFor, createModelFrom, testServers, uniqueName } from '../harness/servers.js'

const [[label, server]] = testServers()

/** A reverse proxy that serves MLflow under /mlflow (the prefix taken off on the way in) and 404s everything else. */
async function prefixProxy(target: string): Promise<{ url: string; close: () => Promise<void> }> {
  const upstream = new URL(target)
  const proxy: Server = createServer((req, res) => {
    const url = req.url ?? '/'
    if (url === '/mlflow' || url.startsWith('/mlflow/')) {
      req.url = url.slice('/mlflow'.length) || '/'
      forward(req, res, upstream)
      return
    }
    res.writeHead(404, { 'content-type': 'text/html' })
    res.end('<html><body><h1>404 Not Found</h1><hr>nginx</body></html>')
  })
  await new Promise<void>(done => proxy.listen(0, '127.0.0.1', done))
  const { port } = proxy.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise(done => {
        proxy.closeAllConnections()
        proxy.close(() => done())
      })
  }
}

/** Tracking URIs with a path: right behind a proxy that adds one, and wrong in each way a user gets them wrong. */
describe(`tracking URIs with a path, against MLflow ${label}`, () => {
  const client = clientFor(server.url)
  let proxy: Awaited<ReturnType<typeof prefixProxy>>
  let model: string
  let workspace: string

  beforeAll(async () => {
    proxy = await prefixProxy(server.url)
    model = uniqueName('prefix')
    const { iris } = server.seed.models
    await createModelFrom(client, model, [[iris.name, iris.champion.version]])
    workspace = workspaceWith({
      '.github/model-promotion.yml': `version: 1\nmodels:\n  ${model}:\n    staging:\n      rules:\n        - { metric: accuracy, min: 0.5 }\n        - { signature: required }\n`
    })
  })
  afterAll(async () => {
    await proxy.close()
    client.http.close()
  })

  const evaluate = (uri: string) =>
    runBundle(dryRunEvaluateInputs(model, uri), {
      env: { GITHUB_WORKSPACE: workspace, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' }
    })

  it('works under the path prefix a proxy serves MLflow at, artifacts included', async () => {
    const result = await evaluate(`${proxy.url}/mlflow/`)
    expect(result.stdout).toContain(`${model} v1: passed; dry run: would move to Staging`)
    expect(result.status).toBe(0)
    expect(result.summary).toContain(`${proxy.url}/mlflow/#/models/${model}/versions/1`)
  })

  it('says the prefix is missing, and where MLflow answers, when the URI lacks the proxy’s prefix', async () => {
    const result = await evaluate(proxy.url)
    expect(result.status).toBe(1)
    expect(result.stdout).toContain(`MLflow answers at ${proxy.url}/mlflow; use that as the tracking URI`)
    expect(result.stdout).toContain(`Tried: ${proxy.url}/version → HTTP 404`)
  })

  it('says a path that should not be there looks wrong, and where MLflow answers', async () => {
    const result = await evaluate(`${server.url}/mlflow`)
    expect(result.status).toBe(1)
    expect(result.stdout).toContain("The tracking URI's path /mlflow looks wrong")
    expect(result.stdout).toContain(`MLflow answers at ${server.url}; use that as the tracking URI`)
  })

  it('says no MLflow answers near a URI that is not MLflow at all', async () => {
    const elsewhere = createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('Not Found')
    })
    await new Promise<void>(done => elsewhere.listen(0, '127.0.0.1', done))
    const url = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`
    try {
      const result = await evaluate(`${url}/tools/mlflow`)
      expect(result.status).toBe(1)
      expect(result.stdout).toContain('No MLflow server answers at the tracking URI or near it')
      expect(result.stdout).toContain(
        `Tried: ${url}/tools/mlflow/version → HTTP 404; ${url}/version → HTTP 404`
      )
    } finally {
      elsewhere.closeAllConnections()
      elsewhere.close()
    }
  })
})
