import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import type { RelayLog } from './handler.js'

export interface RelayServer {
  url: string
  close(): Promise<void>
}

/** Serves a Web-standard handler on node:http: each request becomes a `Request`, each `Response` is written back. */
export async function serveHandler(
  handler: (request: Request) => Promise<Response>,
  listen: { host: string; port: number },
  log: RelayLog
): Promise<RelayServer> {
  const server: Server = createServer((incoming, outgoing) => {
    respond(handler, incoming, outgoing).catch((error: unknown) => {
      log({ level: 'error', msg: `the relay failed on a request: ${(error as Error).message}` })
      if (!outgoing.headersSent) outgoing.writeHead(500, { 'content-type': 'application/json' })
      outgoing.end(JSON.stringify({ outcome: 'failed', reason: 'the relay failed' }))
    })
  })
  // MLflow waits 30 s for an answer by default; a client that sends nothing for long is cut off.
  server.requestTimeout = 30_000
  server.headersTimeout = 10_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(listen.port, listen.host, () => resolve())
  })
  const { address, port } = server.address() as AddressInfo
  const host = address.includes(':') ? `[${address}]` : address
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise((resolve, reject) => {
        server.close(error => (error ? reject(error) : resolve()))
        server.closeIdleConnections()
      })
  }
}

async function respond(
  handler: (request: Request) => Promise<Response>,
  incoming: IncomingMessage,
  outgoing: ServerResponse
): Promise<void> {
  const headers = new Headers()
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value === undefined) continue
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item)
  }
  const method = incoming.method ?? 'GET'
  const hasBody = method !== 'GET' && method !== 'HEAD'
  const request = new Request(`http://relay${incoming.url ?? '/'}`, {
    method,
    headers,
    ...(hasBody ? { body: Readable.toWeb(incoming) as ReadableStream<Uint8Array>, duplex: 'half' } : {})
  })
  const response = await handler(request)
  const responseHeaders = Object.fromEntries(response.headers)
  // A body refused unread is not drained: the connection closes after the answer, so no client reuses it.
  if (!incoming.complete) responseHeaders.connection = 'close'
  outgoing.writeHead(response.status, responseHeaders)
  outgoing.end(Buffer.from(await response.arrayBuffer()))
}
