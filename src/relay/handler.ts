import { DeliveryLog } from './deliveries.js'
import { routeEvent, type Dispatch, type RelayRoutes } from './events.js'
import { verifyDelivery } from './signature.js'

/** One structured log line: `level` and `msg`, then what the line is about. Never a secret. */
export type RelayLog = (
  entry: { level: 'info' | 'warn' | 'error'; msg: string } & Record<string, unknown>
) => void

export interface RelayHandlerOptions {
  /** The webhook's secret, as given to MLflow when the webhook was created. */
  secret: string
  routes: RelayRoutes
  /** Sends one repository_dispatch; throws when GitHub did not take it (after its own retries). */
  dispatch: (dispatch: Dispatch) => Promise<void>
  log: RelayLog
  now?: () => number
  /** Larger bodies are refused unread; MLflow's registry events are well under 1 KiB. */
  maxBodyBytes?: number
  deliveries?: DeliveryLog
}

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024

type Outcome = 'dispatched' | 'ignored' | 'refused' | 'failed'

/**
 * MLflow webhooks in, GitHub repository dispatches out, as a Web-standard handler (`Request` → `Response`) that the
 * relay's HTTP server and any serverless platform can host. A delivery is verified before anything else is read
 * from it; every refusal is a 4xx and sends nothing; a dispatch GitHub does not take is a 502, which MLflow retries.
 */
export function createRelayHandler(options: RelayHandlerOptions): (request: Request) => Promise<Response> {
  if (options.secret.length === 0) throw new Error('The relay needs the webhook secret MLflow signs with.')
  const now = options.now ?? Date.now
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const deliveries = options.deliveries ?? new DeliveryLog()
  const reply = (status: number, outcome: Outcome, detail: Record<string, unknown> = {}) =>
    Response.json({ outcome, ...detail }, { status })

  return async request => {
    const path = new URL(request.url).pathname
    if (request.method === 'GET' && path === '/healthz') return Response.json({ status: 'ok' })
    if (request.method !== 'POST') {
      return new Response(null, { status: 405, headers: { allow: 'POST' } })
    }
    const body = await readBody(request, maxBodyBytes)
    if (body === undefined) {
      options.log({ level: 'warn', msg: 'refused: body too large', limit: maxBodyBytes })
      return reply(413, 'refused', { reason: `the body is over ${maxBodyBytes} bytes` })
    }
    const verified = verifyDelivery(options.secret, request.headers, body, now())
    if (!verified.ok) {
      options.log({ level: 'warn', msg: `refused: ${verified.reason}` })
      return reply(verified.status, 'refused', { reason: verified.reason })
    }
    const { deliveryId } = verified.delivery
    let parsed: unknown
    try {
      parsed = JSON.parse(body)
    } catch {
      options.log({ level: 'warn', msg: 'refused: the body is not JSON', delivery: deliveryId })
      return reply(400, 'refused', { reason: 'the body is not JSON' })
    }
    const routing = routeEvent(parsed, options.routes, deliveryId)
    if (routing.kind === 'refused') {
      options.log({ level: 'warn', msg: `refused: ${routing.reason}`, delivery: deliveryId })
      return reply(422, 'refused', { reason: routing.reason })
    }
    const claim = deliveries.begin(deliveryId, now())
    if (claim === 'full') {
      options.log({
        level: 'error',
        msg: 'turned away: too many deliveries in the replay window',
        delivery: deliveryId
      })
      return reply(503, 'failed', { reason: 'too many deliveries at once; deliver again later' })
    }
    if (claim !== 'new') {
      options.log({
        level: 'warn',
        msg: `refused: delivery ${claim === 'done' ? 'replayed' : 'already in flight'}`,
        delivery: deliveryId
      })
      return reply(409, 'refused', { reason: `delivery ${deliveryId} was already received` })
    }
    if (routing.kind === 'ignored') {
      deliveries.finish(deliveryId)
      options.log({
        level: 'info',
        msg: `ignored: ${routing.reason}`,
        delivery: deliveryId,
        event: routing.event
      })
      return reply(200, 'ignored', { event: routing.event, reason: routing.reason })
    }
    try {
      await options.dispatch(routing.dispatch)
    } catch (error) {
      deliveries.abandon(deliveryId)
      options.log({
        level: 'error',
        msg: `dispatch failed: ${(error as Error).message}`,
        delivery: deliveryId,
        event: routing.event,
        eventType: routing.dispatch.eventType
      })
      return reply(502, 'failed', { event: routing.event, reason: 'GitHub did not take the dispatch' })
    }
    deliveries.finish(deliveryId)
    options.log({
      level: 'info',
      msg: 'dispatched',
      delivery: deliveryId,
      event: routing.event,
      eventType: routing.dispatch.eventType,
      model: routing.dispatch.clientPayload.model
    })
    return reply(200, 'dispatched', { event: routing.event, eventType: routing.dispatch.eventType })
  }
}

/** The body as text, or undefined once it passes the limit (a declared length over it is not read at all). */
async function readBody(request: Request, limit: number): Promise<string | undefined> {
  const declared = Number(request.headers.get('content-length') ?? NaN)
  if (Number.isFinite(declared) && declared > limit) return undefined
  if (request.body === null) return ''
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      return undefined
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}
