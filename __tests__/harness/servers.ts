import { FixtureClient } from './fixture-client.js'
import { readFileSync } from 'node:fs'
import { resolveRegistryConfig, type RegistryInputs } from '../../src/registry/config.js'
import { MlflowHttp } from '../../src/registry/http.js'

export interface SeededVersion {
  version: string
  run_id?: string
  experiment_id?: string
}

export interface SeedManifest {
  mlflow_version: string
  mlflow3: boolean
  models: {
    iris: { name: string; champion: SeededVersion; challenger: SeededVersion }
    no_signature: { name: string; version: SeededVersion }
    deleted_run: { name: string; version: SeededVersion }
    purged_run: { name: string; version: SeededVersion }
    no_run: { name: string; version: SeededVersion }
    unusual: { name: string; version: SeededVersion }
    signatures: { name: string; full: SeededVersion; removed: SeededVersion; retyped: SeededVersion }
  }
  prompt: string | null
}

export interface TestServer {
  label: string
  /** Set for a server whose backend store is not the default sqlite file (e.g. PostgreSQL). */
  backend?: string
  url: string
  version: string
  venv: string
  backendStoreUri: string
  /** The test CA of an HTTPS front (the multi-instance set): what MLflow's Python client needs to trust it. */
  caFile?: string
  seed: SeedManifest
}

/** Environment for MLflow's Python client against `server`: its URI, and its CA when it is behind TLS. */
export function pythonClientEnv(server: TestServer): NodeJS.ProcessEnv {
  return {
    MLFLOW_TRACKING_URI: server.url,
    MLFLOW_DISABLE_TELEMETRY: 'true',
    ...(server.caFile === undefined ? {} : { MLFLOW_TRACKING_SERVER_CERT_PATH: server.caFile })
  }
}

interface Manifest {
  servers: TestServer[]
  basicAuth: Omit<TestServer, 'seed'> & { adminUsername: string; adminPassword: string }
  workspaces: Omit<TestServer, 'seed'>
  webhooks: Omit<TestServer, 'seed'>
  toxiproxy: { url: string; version: string }
}

function manifest(): Manifest {
  const path = process.env.PROMOTION_GATE_SERVERS
  if (path === undefined) {
    throw new Error(
      'PROMOTION_GATE_SERVERS is not set: run integration tests through `npm test`, which starts MLflow.'
    )
  }
  return JSON.parse(readFileSync(path, 'utf8')) as Manifest
}

/**
 * The MLflow servers every suite runs against, as [label, server] rows for describe.each: 3.x and 2.x on sqlite
 * (the first is the 3.x one), 3.x on PostgreSQL with two workers, and two 3.x instances on PostgreSQL behind
 * nginx (HTTPS, under /mlflow).
 */
export function testServers(): [string, TestServer][] {
  return manifest().servers.map(server => [
    `MLflow ${server.version}${server.backend === undefined ? '' : ` on ${server.backend}`}`,
    server
  ])
}

export function basicAuthServer(): Manifest['basicAuth'] {
  return manifest().basicAuth
}

/** An MLflow 3.x server started with `--enable-workspaces`, not seeded: tests make their own workspaces. */
export function workspacesServer(): Manifest['workspaces'] {
  return manifest().workspaces
}

/** An MLflow 3.x server whose webhooks may call loopback receivers over plain HTTP; not seeded. */
export function webhooksServer(): Manifest['webhooks'] {
  return manifest().webhooks
}

/** The Toxiproxy server the harness started (its HTTP API). */
export function toxiproxyServer(): Manifest['toxiproxy'] {
  return manifest().toxiproxy
}

/** A client with fast retries, so tests about failures do not wait for production backoff. */
export function clientFor(
  url: string,
  inputs: Omit<RegistryInputs, 'trackingUri'> = {},
  env: NodeJS.ProcessEnv = {}
): FixtureClient {
  const { config, secrets } = resolveRegistryConfig(
    { trackingUri: url, ...inputs },
    { MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.01', ...env }
  )
  return new FixtureClient(new MlflowHttp(config, secrets))
}

let counter = 0
/** A registered-model name unique to this test run, so tests never share registry state. */
export function uniqueName(prefix: string): string {
  counter += 1
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`
}

/** Creates a model with `count` versions that reuse a seeded version's artifacts and run. */
export async function createModelWithVersions(
  client: FixtureClient,
  server: TestServer,
  name: string,
  count: number
): Promise<string[]> {
  const { iris } = server.seed.models
  return createModelFrom(
    client,
    name,
    Array.from({ length: count }, () => [iris.name, iris.champion.version])
  )
}

/**
 * Creates a model whose versions, in order, reuse the artifacts, run and logged model of existing versions
 * (given as [model, version]), so each test gets its own registry state over the seeded evidence.
 */
export async function createModelFrom(
  client: FixtureClient,
  name: string,
  sources: [string, string][]
): Promise<string[]> {
  await client.createRegisteredModel(name)
  const versions: string[] = []
  for (const [model, version] of sources) {
    const source = await client.getModelVersion(model, version)
    const modelId = /^models:\/(m-[0-9a-f]{32})$/.exec(source.source)?.[1]
    const created = await client.createModelVersion(name, source.source, { runId: source.run_id, modelId })
    versions.push(created.version)
  }
  return versions
}
