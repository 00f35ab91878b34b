import { describe, expect, it } from '@jest/globals'
import { parseRelayConfig, routesFrom } from '../../src/relay/config.js'
import { DeliveryLog } from '../../src/relay/deliveries.js'
import { DEFAULT_ROUTES, routeEvent, type Dispatch } from '../../src/relay/events.js'
import { createRelayHandler } from '../../src/relay/handler.js'
import { signDelivery, verifyDelivery } from '../../src/relay/signature.js'

// A delivery signed by MLflow's own code (mlflow.webhooks.delivery._generate_hmac_signature, MLflow 3.17.2), with
// the body byte for byte as MLflow's json.dumps writes it.
const SECRET = 'whsec-test-5f2c'
const DELIVERY = '3f0b5a8e-6b1c-4f7e-9a44-1c2d3e4f5a6b'
const TIMESTAMP = '1796212800'
const BODY =
  '{"entity": "model_version", "action": "created", "timestamp": "2026-12-02T12:00:00+00:00", "data": {"name": "fraud-detector", "version": "8", "source": "models:/m-1", "run_id": "r1", "tags": {}, "description": null}}'
const MLFLOW_SIGNATURE = 'v1,SRsGs7/aWgq9Hcz4duxdoADYPaltL5CRrx7dC+Fpht8='
const AT = Number(TIMESTAMP) * 1000

const headersOf = (overrides: Record<string, string | undefined> = {}) => {
  const headers = new Headers()
  const all = {
    'x-mlflow-delivery-id': DELIVERY,
    'x-mlflow-timestamp': TIMESTAMP,
    'x-mlflow-signature': MLFLOW_SIGNATURE,
    ...overrides
  }
  for (const [name, value] of Object.entries(all)) if (value !== undefined) headers.set(name, value)
  return headers
}

describe('the relay’s signature check', () => {
  it('computes MLflow’s signature and accepts MLflow’s delivery', () => {
    expect(signDelivery(SECRET, DELIVERY, TIMESTAMP, BODY)).toBe(MLFLOW_SIGNATURE)
    expect(verifyDelivery(SECRET, headersOf(), BODY, AT)).toEqual({
      ok: true,
      delivery: { deliveryId: DELIVERY, timestamp: Number(TIMESTAMP) }
    })
  })

  it.each<[string, Record<string, string | undefined>, string, number, RegExp]>([
    ['no signature', { 'x-mlflow-signature': undefined }, BODY, AT, /not signed/],
    [
      'another secret',
      { 'x-mlflow-signature': signDelivery('other', DELIVERY, TIMESTAMP, BODY) },
      BODY,
      AT,
      /does not match/
    ],
    ['a changed body', {}, BODY.replace('"8"', '"9"'), AT, /does not match/],
    [
      'a changed timestamp',
      { 'x-mlflow-timestamp': String(Number(TIMESTAMP) + 1) },
      BODY,
      AT,
      /does not match/
    ],
    [
      'another delivery id',
      { 'x-mlflow-delivery-id': DELIVERY.replace('3f0b', '4f0b') },
      BODY,
      AT,
      /does not match/
    ],
    [
      'a truncated signature',
      { 'x-mlflow-signature': MLFLOW_SIGNATURE.slice(0, -2) },
      BODY,
      AT,
      /does not match/
    ],
    ['no delivery id', { 'x-mlflow-delivery-id': undefined }, BODY, AT, /delivery id/],
    ['a timestamp that is not a number', { 'x-mlflow-timestamp': '12:00' }, BODY, AT, /timestamp/],
    ['a delivery 6 minutes old', {}, BODY, AT + 6 * 60_000, /more than 5 minutes from now/],
    ['a delivery from 6 minutes ahead', {}, BODY, AT - 6 * 60_000, /more than 5 minutes from now/]
  ])('refuses %s', (_what, overrides, body, now, reason) => {
    const result = verifyDelivery(SECRET, headersOf(overrides), body, now)
    expect(result.ok).toBe(false)
    expect(result.ok ? '' : result.reason).toMatch(reason)
  })

  it('accepts a delivery up to 5 minutes old', () => {
    expect(verifyDelivery(SECRET, headersOf(), BODY, AT + 5 * 60_000).ok).toBe(true)
  })
})

describe('the relay’s routing of MLflow events', () => {
  const route = (entity: string, action: string, data: Record<string, unknown>, routes = DEFAULT_ROUTES) =>
    routeEvent({ entity, action, timestamp: 'now', data }, routes, DELIVERY)

  it('turns a new model version into the evaluate dispatch', () => {
    expect(route('model_version', 'created', { name: 'fraud-detector', version: '8', tags: {} })).toEqual({
      kind: 'dispatch',
      event: 'model_version.created',
      dispatch: {
        eventType: 'model-registered',
        clientPayload: {
          model: 'fraud-detector',
          version: '8',
          mlflow_event: 'model_version.created',
          mlflow_delivery: DELIVERY
        }
      }
    })
  })

  it('audits a model whose production alias moved or whose gate tags changed, and ignores other aliases and tags', () => {
    const auditOf = (routing: ReturnType<typeof route>) =>
      routing.kind === 'dispatch' ? routing.dispatch : routing.kind
    expect(
      auditOf(route('model_version_alias', 'created', { name: 'm', alias: 'champion', version: '3' }))
    ).toMatchObject({
      eventType: 'registry-changed',
      clientPayload: { model: 'm', reason: 'alias champion set on v3' }
    })
    expect(
      auditOf(route('model_version_alias', 'deleted', { name: 'm', alias: 'champion-2' }))
    ).toMatchObject({
      clientPayload: { reason: 'alias champion-2 deleted' }
    })
    expect(
      auditOf(
        route('model_version_tag', 'set', { name: 'm', version: '3', key: 'promotion.decision', value: 'x' })
      )
    ).toMatchObject({
      clientPayload: { reason: 'tag promotion.decision set on v3' }
    })
    expect(
      auditOf(route('model_version_alias', 'created', { name: 'm', alias: 'challenger', version: '3' }))
    ).toBe('ignored')
    expect(
      auditOf(route('model_version_alias', 'created', { name: 'm', alias: 'champion-x', version: '3' }))
    ).toBe('ignored')
    expect(
      auditOf(route('model_version_tag', 'set', { name: 'm', version: '3', key: 'owner', value: 'x' }))
    ).toBe('ignored')
    expect(auditOf(route('prompt_version', 'created', { name: 'p', version: '1' }))).toBe('ignored')
  })

  it('passes the workspace on, and leaves models it is not configured for alone', () => {
    const inWorkspace = routeEvent(
      { entity: 'model_version', action: 'created', data: { name: 'm', version: '1' }, workspace: 'team-a' },
      DEFAULT_ROUTES,
      DELIVERY
    )
    expect(inWorkspace).toMatchObject({ dispatch: { clientPayload: { workspace: 'team-a' } } })
    expect(
      route('model_version', 'created', { name: 'other', version: '1' }, { ...DEFAULT_ROUTES, models: ['m'] })
    ).toMatchObject({
      kind: 'ignored'
    })
  })

  it.each<[string, unknown]>([
    ['an unknown event', { entity: 'model_version', action: 'exploded', data: {} }],
    ['no envelope', { name: 'm', version: '1' }],
    [
      'a version that is not a number',
      { entity: 'model_version', action: 'created', data: { name: 'm', version: 'x' } }
    ],
    [
      'an alias event without an alias',
      { entity: 'model_version_alias', action: 'created', data: { name: 'm' } }
    ],
    ['a JSON array', []]
  ])('refuses %s', (_what, body) => {
    expect(routeEvent(body, DEFAULT_ROUTES, DELIVERY).kind).toBe('refused')
  })
})

describe('the relay’s delivery log', () => {
  it('claims an id once, keeps it for the replay window, and forgets one whose dispatch failed', () => {
    const log = new DeliveryLog(1000, 2)
    expect(log.begin('a', 0)).toBe('new')
    expect(log.begin('a', 10)).toBe('in-flight')
    log.finish('a')
    expect(log.begin('a', 20)).toBe('done')
    expect(log.begin('b', 30)).toBe('new')
    log.abandon('b')
    expect(log.begin('b', 40)).toBe('new')
    expect(log.begin('c', 50)).toBe('full')
    expect(log.begin('a', 1001)).toBe('new')
  })
})

describe('the relay’s handler', () => {
  const handlerWith = (dispatch: (d: Dispatch) => Promise<void>, now = AT) => {
    const lines: string[] = []
    const handler = createRelayHandler({
      secret: SECRET,
      routes: DEFAULT_ROUTES,
      dispatch,
      log: entry => lines.push(JSON.stringify(entry)),
      now: () => now,
      maxBodyBytes: 1024
    })
    return { handler, lines }
  }
  const post = (body: string, headers = headersOf()) =>
    new Request('http://relay/', { method: 'POST', headers, body })

  it('dispatches a verified delivery once, refuses its replay, and never logs the secret', async () => {
    const sent: Dispatch[] = []
    const { handler, lines } = handlerWith(async d => void sent.push(d))
    const first = await handler(post(BODY))
    expect(first.status).toBe(200)
    expect(await first.json()).toEqual({
      outcome: 'dispatched',
      event: 'model_version.created',
      eventType: 'model-registered'
    })
    const replay = await handler(post(BODY))
    expect(replay.status).toBe(409)
    expect(sent).toHaveLength(1)
    expect(lines.join('\n')).not.toContain(SECRET)
    expect(lines.join('\n')).not.toContain(MLFLOW_SIGNATURE)
  })

  it('answers 502 when GitHub does not take the dispatch, so that MLflow delivers again, and takes the retry', async () => {
    let fail = true
    const sent: Dispatch[] = []
    const { handler } = handlerWith(async d => {
      if (fail) throw new Error('GitHub said 503')
      sent.push(d)
    })
    expect((await handler(post(BODY))).status).toBe(502)
    fail = false
    expect((await handler(post(BODY))).status).toBe(200)
    expect(sent).toHaveLength(1)
  })

  it.each<[string, () => Request, number]>([
    [
      'a forged signature',
      () => post(BODY, headersOf({ 'x-mlflow-signature': signDelivery('guess', DELIVERY, TIMESTAMP, BODY) })),
      401
    ],
    ['an unsigned delivery', () => post(BODY, headersOf({ 'x-mlflow-signature': undefined })), 401],
    ['a body over the limit', () => post(`${BODY}${' '.repeat(2000)}`), 413],
    [
      'a body that is not JSON',
      () => {
        const text = 'not json'
        return post(
          text,
          headersOf({ 'x-mlflow-signature': signDelivery(SECRET, DELIVERY, TIMESTAMP, text) })
        )
      },
      400
    ],
    [
      'an unknown event',
      () => {
        const text = '{"entity": "model_version", "action": "exploded", "data": {}}'
        return post(
          text,
          headersOf({ 'x-mlflow-signature': signDelivery(SECRET, DELIVERY, TIMESTAMP, text) })
        )
      },
      422
    ],
    ['a GET that is not the health check', () => new Request('http://relay/'), 405]
  ])('refuses %s and sends nothing', async (_what, request, status) => {
    const sent: Dispatch[] = []
    const { handler } = handlerWith(async d => void sent.push(d))
    expect((await handler(request())).status).toBe(status)
    expect(sent).toEqual([])
  })

  it('answers the health check', async () => {
    const { handler } = handlerWith(async () => undefined)
    const health = await handler(new Request('http://relay/healthz'))
    expect(await health.json()).toEqual({ status: 'ok' })
  })
})

describe('the relay’s mapping file', () => {
  it('reads the repository, models, event types and production aliases, with defaults for the rest', () => {
    const config = parseRelayConfig(
      'repository: acme/models\nmodels: [fraud-detector]\naudit:\n  production_aliases: [prod]\n',
      '.github/mlflow-relay.yml'
    )
    expect(config.repository).toBe('acme/models')
    expect(routesFrom(config)).toEqual({
      evaluateEvent: 'model-registered',
      auditEvent: 'registry-changed',
      productionAliases: ['prod'],
      models: ['fraud-detector']
    })
  })

  it('points at the line of a mistake', () => {
    expect(() => parseRelayConfig('repository: acme/models\nevaluate:\n  event: x\n', 'relay.yml')).toThrow(
      /relay\.yml:3:3/
    )
  })
})
