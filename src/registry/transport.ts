import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'

export interface TransportOptions {
  /** Whole-request limit: connect, headers and body. */
  timeoutMs: number
  /** PEM bundle that replaces the default trust store (MLFLOW_TRACKING_SERVER_CERT_PATH). */
  ca?: string
  rejectUnauthorized: boolean
  maxBodyBytes: number
}

export interface RawResponse {
  status: number
  headers: IncomingMessage['headers']
  body: string
}

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body larger than ${limit} bytes`)
  }
}

export const REQUEST_TIMEOUT_CODE = 'ETIMEDOUT_REQUEST'

export class RequestTimeoutError extends Error {
  readonly code = REQUEST_TIMEOUT_CODE
  constructor() {
    super('the request timed out')
  }
}

/**
 * One HTTP exchange on Node's own http/https modules with kept-alive connections. Node's modules are part of the
 * runtime (nothing to load or compile at start), which is why the registry client uses them rather than a bundled
 * HTTP library: loading one cost more than the whole of a no-op run's requests.
 */
export class Transport {
  private readonly httpAgent: HttpAgent
  private readonly httpsAgent: HttpsAgent

  constructor(private readonly options: TransportOptions) {
    // `timeout` only closes idle pooled sockets (Node's agent destroys a free socket on timeout), before a server's
    // own keep-alive limit (uvicorn: 5 s) can close one under a request about to reuse it.
    const pool = { keepAlive: true, maxSockets: 16, timeout: 4_000 }
    this.httpAgent = new HttpAgent(pool)
    this.httpsAgent = new HttpsAgent({
      ...pool,
      rejectUnauthorized: options.rejectUnauthorized,
      ...(options.ca !== undefined ? { ca: options.ca } : {})
    })
  }

  send(url: URL, method: string, headers: Record<string, string>, body?: string): Promise<RawResponse> {
    const secure = url.protocol === 'https:'
    const send = secure ? httpsRequest : httpRequest
    const outgoing =
      body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }
    return new Promise<RawResponse>((resolve, reject) => {
      const req = send(url, { method, headers: outgoing, agent: secure ? this.httpsAgent : this.httpAgent })
      // The first failure is the one reported: destroying the request afterwards makes Node report a reset too.
      const fail = (error: unknown): void => {
        clearTimeout(timer)
        reject(error)
        req.destroy()
      }
      const timer = setTimeout(() => fail(new RequestTimeoutError()), this.options.timeoutMs)
      req.on('error', fail)
      req.on('response', res => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > this.options.maxBodyBytes) {
            fail(new BodyTooLargeError(this.options.maxBodyBytes))
            return
          }
          chunks.push(chunk)
        })
        res.on('error', fail)
        res.on('end', () => {
          clearTimeout(timer)
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8')
          })
        })
      })
      req.end(body)
    })
  }

  close(): void {
    this.httpAgent.destroy()
    this.httpsAgent.destroy()
  }
}
