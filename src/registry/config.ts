import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js'

export type RegistryAuth =
  { kind: 'none' } | { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string }

export interface RegistryConfig {
  /** Server root, without a trailing slash; may include a static prefix path. */
  baseUrl: string
  auth: RegistryAuth
  insecureTls: boolean
  caCertPath?: string
  timeoutMs: number
  retry: RetryPolicy
  /** The MLflow workspace (a tenant of a server started with `--enable-workspaces`), sent on every request. */
  workspace?: string
}

/** Values given to the action or CLI; each falls back to the matching MLFLOW_* variable. */
export interface RegistryInputs {
  trackingUri?: string
  trackingToken?: string
  trackingUsername?: string
  trackingPassword?: string
  workspace?: string
}

export class RegistryConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RegistryConfigError'
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = nonEmpty(env[name])
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < 0) {
    throw new RegistryConfigError(`${name} must be a non-negative number, got "${raw}"`)
  }
  return value
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['true', '1', 'yes'].includes(value.trim().toLowerCase())
}

/**
 * Resolves the registry connection the way MLflow's Python client does: username and password win over a token;
 * credentials embedded in the URI are taken out of it (so the URI can be logged) and used as basic auth.
 * Returns every secret it saw so the caller can mask them before anything is logged.
 */
export function resolveRegistryConfig(
  inputs: RegistryInputs,
  env: NodeJS.ProcessEnv
): { config: RegistryConfig; secrets: string[] } {
  const rawUri = nonEmpty(inputs.trackingUri) ?? nonEmpty(env.MLFLOW_TRACKING_URI)
  if (rawUri === undefined) {
    throw new RegistryConfigError(
      'No MLflow tracking URI: set the `tracking-uri` input or the MLFLOW_TRACKING_URI environment variable.'
    )
  }
  let url: URL
  try {
    url = new URL(rawUri.trim())
  } catch {
    throw new RegistryConfigError(
      'The MLflow tracking URI is not a valid URL (expected http:// or https://).'
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RegistryConfigError(
      `The MLflow tracking URI must use http or https, got "${url.protocol}" (Databricks and file stores are not supported yet).`
    )
  }
  const secrets: string[] = []
  let username = nonEmpty(inputs.trackingUsername) ?? nonEmpty(env.MLFLOW_TRACKING_USERNAME)
  let password = nonEmpty(inputs.trackingPassword) ?? nonEmpty(env.MLFLOW_TRACKING_PASSWORD)
  if (url.username !== '' || url.password !== '') {
    username ??= decodeURIComponent(url.username)
    password ??= decodeURIComponent(url.password)
    if (url.password !== '') secrets.push(url.password, decodeURIComponent(url.password))
    url.username = ''
    url.password = ''
  }
  const token = nonEmpty(inputs.trackingToken) ?? nonEmpty(env.MLFLOW_TRACKING_TOKEN)

  let auth: RegistryAuth = { kind: 'none' }
  if (username !== undefined && password !== undefined) {
    auth = { kind: 'basic', username, password }
    secrets.push(password, basicHeader(username, password))
  } else if (username !== undefined || password !== undefined) {
    throw new RegistryConfigError(
      'MLflow basic auth needs both a username and a password (tracking-username / tracking-password or MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD).'
    )
  } else if (token !== undefined) {
    auth = { kind: 'bearer', token }
  }
  if (token !== undefined) secrets.push(token, `Bearer ${token}`)

  const insecureTls = isTrue(env.MLFLOW_TRACKING_INSECURE_TLS)
  const caCertPath = nonEmpty(env.MLFLOW_TRACKING_SERVER_CERT_PATH)
  if (insecureTls && caCertPath !== undefined) {
    throw new RegistryConfigError(
      'MLFLOW_TRACKING_INSECURE_TLS and MLFLOW_TRACKING_SERVER_CERT_PATH cannot both be set.'
    )
  }
  const retry: RetryPolicy = {
    ...DEFAULT_RETRY_POLICY,
    maxRetries: Math.floor(
      positiveNumber(env, 'MLFLOW_HTTP_REQUEST_MAX_RETRIES', DEFAULT_RETRY_POLICY.maxRetries)
    ),
    baseDelayMs:
      positiveNumber(env, 'MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR', DEFAULT_RETRY_POLICY.baseDelayMs / 1000) *
      1000
  }
  const timeoutMs = positiveNumber(env, 'MLFLOW_HTTP_REQUEST_TIMEOUT', 60) * 1000
  const baseUrl = url.toString().replace(/\/+$/, '')
  const workspace = workspaceName(inputs.workspace, env)
  return {
    config: {
      baseUrl,
      auth,
      insecureTls,
      caCertPath,
      timeoutMs,
      retry,
      ...(workspace !== undefined ? { workspace } : {})
    },
    secrets: [...new Set(secrets.filter(secret => secret.length > 0))]
  }
}

/** MLflow's rule for workspace names (mlflow/store/workspace/abstract_store.py, WorkspaceNameValidator). */
const WORKSPACE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const RESERVED_WORKSPACE_NAMES = new Set(['workspaces', 'api', 'ajax-api', 'static-files'])

/** The `workspace` input, else MLFLOW_WORKSPACE (as MLflow's Python client reads it); checked as MLflow checks it. */
function workspaceName(input: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const fromInput = nonEmpty(input)
  const raw = (fromInput ?? nonEmpty(env.MLFLOW_WORKSPACE))?.trim()
  if (raw === undefined) return undefined
  const source = fromInput !== undefined ? 'The `workspace` input' : 'MLFLOW_WORKSPACE'
  if (raw.length < 2 || raw.length > 63 || !WORKSPACE_NAME.test(raw)) {
    throw new RegistryConfigError(
      `${source} "${raw}" is not an MLflow workspace name: 2 to 63 lowercase letters, digits and inner hyphens.`
    )
  }
  if (RESERVED_WORKSPACE_NAMES.has(raw)) {
    throw new RegistryConfigError(`${source} "${raw}" is a name MLflow reserves, not a workspace.`)
  }
  return raw
}

export function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`
}

export function authorizationHeader(auth: RegistryAuth): string | undefined {
  if (auth.kind === 'basic') return basicHeader(auth.username, auth.password)
  if (auth.kind === 'bearer') return `Bearer ${auth.token}`
  return undefined
}
