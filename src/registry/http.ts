import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { authorizationHeader, RegistryConfigError, type RegistryConfig } from './config.js'
import { MlflowApiError, MlflowConnectionError, MlflowResponseError } from './errors.js'
import { candidateRoots, describeProbes, mlflowVersion, type ProbeAnswer } from './path-probe.js'
import { isRetryableStatus, parseRetryAfterMs, retryDelayMs } from './retry.js'
import { BodyTooLargeError, REQUEST_TIMEOUT_CODE, Transport } from './transport.js'

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE'

export interface HttpRequest {
  method: HttpMethod
  /** Path below the server root, e.g. `/api/2.0/mlflow/registered-models/get`. */
  path: string
  query?: Record<string, string | number | boolean | readonly string[] | undefined>
  body?: unknown
}

export interface HttpResponse {
  status: number
  contentType: string
  text: string
}

/** Bodies beyond this are refused rather than buffered: no MLflow registry answer comes near it. */
const MAX_BODY_BYTES = 64 * 1024 * 1024
const STATUS_ERROR_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'ENDPOINT_NOT_FOUND',
  429: 'REQUEST_LIMIT_EXCEEDED',
  500: 'INTERNAL_ERROR',
  502: 'BAD_GATEWAY',
  503: 'TEMPORARILY_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT'
}

export interface HttpObserver {
  onRetry?(info: { endpoint: string; attempt: number; delayMs: number; reason: string }): void
}

/**
 * JSON over HTTP to one MLflow server: auth header, timeouts, bounded retries, MLflow error bodies.
 * Retries are written here because they must keep the final error body (MLflow's error_code and message), use
 * jitter and honour Retry-After.
 */
export class MlflowHttp {
  private readonly transport: Transport
  private readonly authorization: string | undefined
  private readonly secrets: string[]
  private pathAdvice: Promise<string> | undefined
  /** Whether any request has had a 2xx answer. */
  private answered = false

  constructor(
    private readonly config: RegistryConfig,
    secrets: string[] = [],
    private readonly observer: HttpObserver = {}
  ) {
    this.authorization = authorizationHeader(config.auth)
    this.secrets = [...secrets].sort((a, b) => b.length - a.length)
    this.transport = new Transport({
      timeoutMs: config.timeoutMs,
      rejectUnauthorized: !config.insecureTls,
      ...(config.caCertPath !== undefined ? { ca: readCaBundle(config.caCertPath) } : {}),
      maxBodyBytes: MAX_BODY_BYTES
    })
  }

  get baseUrl(): string {
    return this.config.baseUrl
  }

  get workspace(): string | undefined {
    return this.config.workspace
  }

  close(): Promise<void> {
    this.transport.close()
    return Promise.resolve()
  }

  private url(path: string, query?: HttpRequest['query']): URL {
    const url = new URL(this.config.baseUrl + path)
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item))
    }
    return url
  }

  /** Sends a request and returns the parsed JSON body (`{}` for an empty one); throws typed errors. */
  async json(req: HttpRequest): Promise<unknown> {
    const response = await this.send(req)
    if (response.text.trim() === '') return {}
    try {
      return JSON.parse(response.text)
    } catch {
      throw new MlflowResponseError(endpointName(req.path), `body is not JSON (${describeBody(response)})`)
    }
  }

  /** Sends a request and returns the raw body text; throws typed errors on a non-2xx answer. */
  async text(req: HttpRequest): Promise<string> {
    return (await this.send(req)).text
  }

  private async send(req: HttpRequest): Promise<HttpResponse> {
    const endpoint = endpointName(req.path)
    const maxAttempts = this.config.retry.maxRetries + 1
    for (let attempt = 1; ; attempt++) {
      let response: HttpResponse | undefined
      let retryAfterMs: number | undefined
      let failure: string
      try {
        const result = await this.once(req)
        response = result.response
        if (response.status >= 200 && response.status < 300) {
          this.answered = true
          return response
        }
        if (!isRetryableStatus(response.status) || attempt >= maxAttempts) {
          const error = this.apiError(endpoint, response)
          // Once the server has answered, a 404 is an endpoint it lacks (an older MLflow), not a wrong URI.
          if (error.errorCode === 'ENDPOINT_NOT_FOUND' && !this.answered && !isMlflowErrorBody(response)) {
            throw await this.withPathAdvice(error)
          }
          throw this.workspaceProblem(error) ?? error
        }
        retryAfterMs = parseRetryAfterMs(result.retryAfter)
        failure = `HTTP ${response.status}`
      } catch (error) {
        if (
          error instanceof MlflowApiError ||
          error instanceof MlflowResponseError ||
          error instanceof RegistryConfigError
        ) {
          throw error
        }
        if (error instanceof BodyTooLargeError) throw new MlflowResponseError(endpoint, error.message)
        if (isCertificateProblem(error)) {
          throw new MlflowConnectionError({
            endpoint,
            attempts: attempt,
            cause: this.redact(certificateAdvice(error))
          })
        }
        failure = this.redact(describeNetworkError(error))
        if (attempt >= maxAttempts) {
          throw new MlflowConnectionError({ endpoint, attempts: attempt, cause: failure })
        }
      }
      const delayMs = retryDelayMs(attempt, this.config.retry, retryAfterMs)
      this.observer.onRetry?.({ endpoint, attempt, delayMs, reason: failure })
      await sleep(delayMs)
    }
  }

  private async once(req: HttpRequest): Promise<{ response: HttpResponse; retryAfter?: string }> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.authorization !== undefined) headers.authorization = this.authorization
    // The header MLflow's own client sends (mlflow/utils/rest_utils.py); a server without workspaces refuses it.
    if (this.config.workspace !== undefined) headers['x-mlflow-workspace'] = this.config.workspace
    let body: string | undefined
    if (req.method !== 'GET') {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(req.body ?? {})
    }
    const res = await this.transport.send(
      this.url(req.path, req.method === 'GET' ? req.query : undefined),
      req.method,
      headers,
      body
    )
    const header = (name: string): string | undefined => {
      const value = res.headers[name]
      return Array.isArray(value) ? value[0] : value
    }
    return {
      response: { status: res.status, contentType: header('content-type') ?? '', text: res.body },
      retryAfter: header('retry-after')
    }
  }

  private apiError(endpoint: string, response: HttpResponse): MlflowApiError {
    let errorCode = STATUS_ERROR_CODES[response.status] ?? `HTTP_${response.status}`
    let message: string | undefined
    try {
      const parsed = JSON.parse(response.text) as { error_code?: unknown; message?: unknown }
      if (typeof parsed.error_code === 'string') errorCode = parsed.error_code
      if (typeof parsed.message === 'string') message = parsed.message
    } catch {
      // Not JSON: basic-auth, proxies and unknown routes answer with text or HTML.
    }
    message ??= describeBody(response)
    if (response.status === 401) message += ' (check the MLflow credentials)'
    if (errorCode === 'ENDPOINT_NOT_FOUND') {
      message += ` (the server does not serve ${endpoint}: check that the tracking URI is the MLflow server's root, with the right path)`
    }
    return new MlflowApiError({
      errorCode,
      message: this.redact(message),
      httpStatus: response.status,
      endpoint
    })
  }

  /**
   * A 404 that is not MLflow's: the tracking URI's path is likely wrong. Asks the likely roots for MLflow's
   * `/version` (once per client) and says what answered, so the error names the URI to use.
   */
  private async withPathAdvice(error: MlflowApiError): Promise<MlflowApiError> {
    this.pathAdvice ??= this.probeRoots()
    const advice = await this.pathAdvice
    return new MlflowApiError({
      errorCode: error.errorCode,
      httpStatus: error.httpStatus,
      endpoint: error.endpoint,
      message: `${error.message.replace(/^MLflow .*? failed: \S+ \(HTTP \d+\): /, '')} ${advice}`
    })
  }

  private async probeRoots(): Promise<string> {
    const headers: Record<string, string> = { accept: 'text/plain' }
    if (this.authorization !== undefined) headers.authorization = this.authorization
    const answers = await Promise.all(
      candidateRoots(this.config.baseUrl).map(async (root): Promise<ProbeAnswer> => {
        try {
          const res = await this.transport.send(new URL(`${root}/version`), 'GET', headers)
          return { root, status: `HTTP ${res.status}`, version: mlflowVersion(res.status, res.body) }
        } catch (probeError) {
          return { root, status: this.redact(describeNetworkError(probeError)) }
        }
      })
    )
    return this.redact(describeProbes(this.config.baseUrl, answers))
  }

  /**
   * MLflow's answers about the workspace itself. Its "not found" shares the error code of a missing model, and read
   * as one it would let an audit report a clean registry: it is a setting to fix, never a missing model.
   */
  private workspaceProblem(error: MlflowApiError): RegistryConfigError | undefined {
    const workspace = this.config.workspace
    if (workspace === undefined) return undefined
    if (error.errorCode === 'FEATURE_DISABLED' && /workspaces are not enabled/i.test(error.message)) {
      return new RegistryConfigError(
        `The MLflow server has no workspaces, but the workspace "${workspace}" was given (the \`workspace\` input or MLFLOW_WORKSPACE): unset it, or use a server started with --enable-workspaces.`
      )
    }
    if (
      error.errorCode === 'RESOURCE_DOES_NOT_EXIST' &&
      error.message.includes(`Workspace '${workspace}' not found`)
    ) {
      return new RegistryConfigError(
        `The MLflow workspace "${workspace}" does not exist on this server: check the \`workspace\` input or MLFLOW_WORKSPACE.`
      )
    }
    return undefined
  }

  private redact(text: string): string {
    let result = text
    for (const secret of this.secrets) result = result.split(secret).join('***')
    return result
  }
}

function readCaBundle(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw new RegistryConfigError(
      `MLFLOW_TRACKING_SERVER_CERT_PATH ${path} cannot be read: ${(error as Error).message}`
    )
  }
}

export function endpointName(path: string): string {
  return path.replace(/^\/api\/2\.0\/mlflow\//, '').replace(/^\/api\/2\.0\//, '')
}

/** Whether a body is MLflow's own error (`{"error_code": …}`), as opposed to a proxy's or a web server's page. */
function isMlflowErrorBody(response: HttpResponse): boolean {
  try {
    const parsed = JSON.parse(response.text) as { error_code?: unknown }
    return typeof parsed.error_code === 'string'
  } catch {
    return false
  }
}

/** A short, single-line description of a non-JSON body: HTML is reduced to its text. */
function describeBody(response: HttpResponse): string {
  const plain = response.text
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  if (plain === '') return `HTTP ${response.status} with an empty body`
  return plain.length > 300 ? `${plain.slice(0, 300)}…` : plain
}

// Errors from Node's internals may come from another realm (test runners), so no instanceof checks here.
function describeNetworkError(error: unknown): string {
  const { code, message, cause } = (error ?? {}) as {
    code?: string
    message?: string
    cause?: { code?: string }
  }
  if (code === REQUEST_TIMEOUT_CODE) return 'the request timed out'
  return `network error ${cause?.code ?? code ?? message ?? String(error)}`
}

/** TLS verification failures (OpenSSL's codes as Node reports them): no retry makes an untrusted server trusted. */
const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID'
])

function isCertificateProblem(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === 'string' && CERTIFICATE_CODES.has(code)
}

function certificateAdvice(error: unknown): string {
  const { code, message } = error as { code: string; message?: string }
  const what =
    code === 'ERR_TLS_CERT_ALTNAME_INVALID'
      ? `the server's TLS certificate is not for this host (${message ?? code})`
      : `the server's TLS certificate is not trusted (${code}${message !== undefined && message !== code ? `: ${message}` : ''})`
  return `${what}; give the certificate authority's PEM file with MLFLOW_TRACKING_SERVER_CERT_PATH (or NODE_EXTRA_CA_CERTS)`
}
