import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { IncomingMessage } from 'node:http'
import { MlflowApiError, MlflowConnectionError } from '../../src/registry/errors.js'
import { TestProxy } from '../harness/proxy.js'
import { basicAuthServer, clientFor, testServers } from '../harness/servers.js'

const [[, mlflow3]] = testServers()

describe(`basic auth (MLflow server started with --app-name basic-auth)`, () => {
  const server = basicAuthServer()

  it('works with good credentials', async () => {
    const client = clientFor(server.url, {
      trackingUsername: server.adminUsername,
      trackingPassword: server.adminPassword
    })
    const name = `auth-model-${Date.now()}`
    await client.createRegisteredModel(name)
    expect((await client.getRegisteredModel(name)).name).toBe(name)
    await client.http.close()
  })

  it('takes credentials from the MLFLOW_TRACKING_* variables', async () => {
    const client = clientFor(
      server.url,
      {},
      { MLFLOW_TRACKING_USERNAME: server.adminUsername, MLFLOW_TRACKING_PASSWORD: server.adminPassword }
    )
    await expect(client.searchRegisteredModels()).resolves.toEqual(expect.any(Array))
    await client.http.close()
  })

  it('fails clearly on a wrong password and never shows the password', async () => {
    const wrongPassword = 'Wr0ng-Password-Visible-If-Leaked-5519'
    const client = clientFor(server.url, {
      trackingUsername: server.adminUsername,
      trackingPassword: wrongPassword
    })
    const error = await client.getRegisteredModel('anything').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MlflowApiError)
    expect(error).toMatchObject({ httpStatus: 401, errorCode: 'UNAUTHENTICATED' })
    expect((error as Error).message).toMatch(/check the MLflow credentials/)
    const everything = JSON.stringify({
      ...(error as object),
      message: (error as Error).message,
      stack: (error as Error).stack
    })
    expect(everything).not.toContain(wrongPassword)
    expect(everything).not.toContain(
      Buffer.from(`${server.adminUsername}:${wrongPassword}`).toString('base64')
    )
    await client.http.close()
  })

  it('embeds credentials given in the URI as basic auth, and keeps them out of the URL', async () => {
    const url = new URL(server.url)
    url.username = server.adminUsername
    url.password = server.adminPassword
    const client = clientFor(url.toString())
    expect(client.baseUrl).toBe(server.url)
    await expect(client.searchRegisteredModels()).resolves.toEqual(expect.any(Array))
    await client.http.close()
  })
})

describe(`bearer token through an authenticating front-end (${mlflow3.version})`, () => {
  const token = 'Bearer-Token-Value-For-Tests-90210'
  const proxy = new TestProxy(mlflow3.url)
  let url: string
  beforeAll(async () => {
    url = await proxy.start()
    proxy.interceptor = (req: IncomingMessage) =>
      req.headers.authorization === `Bearer ${token}`
        ? undefined
        : { status: 401, body: 'Unauthorized: a valid bearer token is required' }
  })
  afterAll(() => proxy.stop())

  it('sends the token from the input', async () => {
    const client = clientFor(url, { trackingToken: token })
    const model = await client.getRegisteredModel(mlflow3.seed.models.iris.name)
    expect(model.name).toBe(mlflow3.seed.models.iris.name)
    expect(proxy.requests.at(-1)?.authorization).toBe(`Bearer ${token}`)
    await client.http.close()
  })

  it('sends the token from MLFLOW_TRACKING_TOKEN, and a refusal does not echo it', async () => {
    const client = clientFor(url, {}, { MLFLOW_TRACKING_TOKEN: token })
    await expect(client.getRegisteredModel(mlflow3.seed.models.iris.name)).resolves.toBeDefined()
    const wrong = clientFor(url, { trackingToken: `${token}-wrong` })
    const error = (await wrong.getRegisteredModel('x').catch((e: unknown) => e)) as Error
    expect(error).toMatchObject({ httpStatus: 401, errorCode: 'UNAUTHENTICATED' })
    expect(error.message).toContain('Unauthorized: a valid bearer token is required')
    expect(`${error.message}${error.stack}`).not.toContain(token)
    await client.http.close()
    await wrong.http.close()
  })
})

describe(`retries in front of ${mlflow3.version}`, () => {
  const proxy = new TestProxy(mlflow3.url)
  let url: string
  beforeAll(async () => {
    url = await proxy.start()
  })
  afterAll(() => proxy.stop())

  it('retries a 503 twice and then succeeds', async () => {
    const first = proxy.requests.length
    proxy.interceptor = (_req, index) =>
      index - first < 2
        ? { status: 503, body: JSON.stringify({ error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }) }
        : undefined
    const client = clientFor(url)
    const model = await client.getRegisteredModel(mlflow3.seed.models.iris.name)
    expect(model.name).toBe(mlflow3.seed.models.iris.name)
    expect(proxy.requests.length - first).toBe(3)
    await client.http.close()
  })

  it('gives up after a bounded number of attempts on a server that always answers 503', async () => {
    const first = proxy.requests.length
    proxy.interceptor = () => ({
      status: 503,
      body: '<html><body><h1>503 Service Unavailable</h1><p>upstream down</p></body></html>',
      headers: { 'content-type': 'text/html' }
    })
    const client = clientFor(url, {}, { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '3' })
    const error = await client.getRegisteredModel('anything').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MlflowApiError)
    expect(error).toMatchObject({ httpStatus: 503, errorCode: 'TEMPORARILY_UNAVAILABLE' })
    expect((error as Error).message).toContain('503 Service Unavailable upstream down')
    expect((error as Error).message).not.toContain('<h1>')
    expect(proxy.requests.length - first).toBe(4)
    await client.http.close()
  })

  it('honours Retry-After on 429', async () => {
    const first = proxy.requests.length
    proxy.interceptor = (_req, index) =>
      index - first === 0
        ? {
            status: 429,
            body: '{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down"}',
            headers: { 'retry-after': '1' }
          }
        : undefined
    const client = clientFor(url)
    const started = Date.now()
    await client.getRegisteredModel(mlflow3.seed.models.iris.name)
    // The wait comes from the header (1 s), not from the 10 ms test backoff.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
    expect(proxy.requests.length - first).toBe(2)
    await client.http.close()
  })

  it('does not retry a client error', async () => {
    const first = proxy.requests.length
    proxy.interceptor = () => undefined
    const client = clientFor(url)
    await expect(client.getRegisteredModel('surely-missing-model')).rejects.toMatchObject({ httpStatus: 404 })
    expect(proxy.requests.length - first).toBe(1)
    await client.http.close()
  })

  it('reports an unreachable server as a connection error after its retries', async () => {
    const client = clientFor('http://127.0.0.1:9', {}, { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2' })
    const error = await client.getRegisteredModel('x').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MlflowConnectionError)
    expect((error as Error).message).toMatch(/failed after 3 attempt\(s\): network error ECONNREFUSED/)
    await client.http.close()
  })

  it('times out a request that takes longer than the timeout', async () => {
    // A port that accepts connections and never answers.
    const { createServer } = await import('node:net')
    const silent = createServer(() => undefined)
    await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve))
    const port = (silent.address() as { port: number }).port
    const client = clientFor(
      `http://127.0.0.1:${port}`,
      {},
      { MLFLOW_HTTP_REQUEST_TIMEOUT: '0.3', MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1' }
    )
    const error = await client.getRegisteredModel('x').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MlflowConnectionError)
    expect((error as Error).message).toMatch(/failed after 2 attempt\(s\): the request timed out/)
    await client.http.close()
    silent.close()
  })
})
