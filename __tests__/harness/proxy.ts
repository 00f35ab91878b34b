import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse
} from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { AddressInfo } from 'node:net'

export interface InterceptedResponse {
  status: number
  body?: string
  headers?: Record<string, string>
}

/**
 * Decides, per request, whether to answer itself (a response), cut the connection without an answer ('drop'), or
 * forward to the real server (undefined). It may take its time (a promise): the request waits.
 */
export type Interceptor = (
  req: IncomingMessage,
  index: number
) => InterceptedResponse | 'drop' | undefined | Promise<InterceptedResponse | 'drop' | undefined>

/**
 * A reverse proxy on loopback in front of a real MLflow server, for faults and auth front-ends:
 * every request is counted, and an interceptor may answer instead of the server.
 */
export class TestProxy {
  readonly requests: { method: string; url: string; authorization?: string }[] = []
  interceptor: Interceptor = () => undefined
  private server?: Server
  private readonly inFlight = new Set<Promise<void>>()

  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    const target = new URL(this.target)
    this.server = createServer(async (req, res) => {
      const index = this.requests.length
      this.requests.push({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        authorization: req.headers.authorization
      })
      const intercepted = await this.interceptor(req, index)
      if (intercepted === 'drop') {
        req.socket.destroy()
        return
      }
      if (intercepted !== undefined) {
        req.resume()
        res.writeHead(intercepted.status, intercepted.headers ?? { 'content-type': 'text/plain' })
        res.end(intercepted.body ?? '')
        return
      }
      let settle = () => {}
      const forwarded = new Promise<void>(resolve => (settle = resolve))
      this.inFlight.add(forwarded)
      void forwarded.then(() => this.inFlight.delete(forwarded))
      forward(req, res, target, settle)
    })
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`
  }

  /** Waits until every request forwarded so far has had its answer from the server. */
  async settled(): Promise<void> {
    await Promise.all([...this.inFlight])
  }

  async stop(): Promise<void> {
    await new Promise<void>(resolve => {
      this.server?.closeAllConnections()
      this.server?.close(() => resolve())
    })
  }
}

/**
 * Sends a request on to `target` and its answer back (a 502 when the target cannot be reached); then `done`. A
 * target with a path (MLflow under `/mlflow`) gets it before the request's path; an https target is reached over
 * TLS, trusting the process's CAs (the harness's test CA through NODE_EXTRA_CA_CERTS).
 */
export function forward(
  req: IncomingMessage,
  res: ServerResponse,
  target: URL,
  done: () => void = () => {}
): void {
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest
  const upstream = request(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: `${target.pathname.replace(/\/+$/, '')}${req.url ?? '/'}`,
      headers: { ...req.headers, host: target.host }
    },
    upstreamRes => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers)
      upstreamRes.pipe(res)
      upstreamRes.on('end', done)
      upstreamRes.on('error', done)
    }
  )
  upstream.on('error', () => {
    done()
    if (!res.headersSent) res.writeHead(502)
    res.end()
  })
  req.pipe(upstream)
}

/**
 * A TestProxy that holds every request matching `when` until `release()`: `reached` resolves when the first one
 * arrives. For forcing an interleaving between two runs.
 */
export async function holdingProxy(
  target: string,
  when: (req: IncomingMessage) => boolean
): Promise<{ url: string; reached: Promise<void>; release: () => void; stop: () => Promise<void> }> {
  const proxy = new TestProxy(target)
  let release = () => {}
  const released = new Promise<void>(resolve => (release = resolve))
  let arrive = () => {}
  const reached = new Promise<void>(resolve => (arrive = resolve))
  proxy.interceptor = async req => {
    if (when(req)) {
      arrive()
      await released
    }
    return undefined
  }
  const url = await proxy.start()
  return {
    url,
    reached,
    release,
    stop: async () => {
      release()
      await proxy.stop()
    }
  }
}
