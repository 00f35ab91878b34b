import { z } from 'zod'

// MLflow's webhook body (mlflow/webhooks/delivery.py): `{entity, action, timestamp, data}`, plus `workspace` on a
// server with workspaces. The entities and actions are MLflow's WebhookEntity and WebhookAction (webhooks.proto);
// the `data` of the events the relay acts on follows mlflow/webhooks/types.py.

/** Every event MLflow 3.x sends: a body naming anything else did not come from MLflow. */
const KNOWN_EVENTS = new Set([
  'registered_model.created',
  'model_version.created',
  'model_version_tag.set',
  'model_version_tag.deleted',
  'model_version_alias.created',
  'model_version_alias.deleted',
  'prompt.created',
  'prompt_version.created',
  'prompt_tag.set',
  'prompt_tag.deleted',
  'prompt_version_tag.set',
  'prompt_version_tag.deleted',
  'prompt_alias.created',
  'prompt_alias.deleted',
  'budget_policy.exceeded'
])

const Envelope = z.object({
  entity: z.string(),
  action: z.string(),
  data: z.record(z.string(), z.unknown()),
  workspace: z.string().nullish()
})

const VersionData = z.object({ name: z.string().min(1), version: z.string().regex(/^[1-9]\d*$/) })
const TagData = z.object({ name: z.string().min(1), version: z.string(), key: z.string() })
const AliasData = z.object({ name: z.string().min(1), alias: z.string(), version: z.string().optional() })

export interface RelayRoutes {
  /** `event_type` of the dispatch for a new model version (what examples/workflows/evaluate.yml listens to). */
  evaluateEvent: string
  /** `event_type` of the dispatch that audits a model whose production alias or gate tags changed. */
  auditEvent: string
  /** Production aliases; `<alias>-<n>` (the extra versions of an A/B split) count too. */
  productionAliases: string[]
  /** When set, events of other models are acknowledged and left alone. */
  models?: string[]
}

export const DEFAULT_ROUTES: RelayRoutes = {
  evaluateEvent: 'model-registered',
  auditEvent: 'registry-changed',
  productionAliases: ['champion']
}

/** A `repository_dispatch` to send: at most 10 top-level properties in `client_payload`, as GitHub allows. */
export interface Dispatch {
  eventType: string
  clientPayload: Record<string, string>
}

export type Routing =
  | { kind: 'dispatch'; event: string; dispatch: Dispatch }
  | { kind: 'ignored'; event: string; reason: string }
  | { kind: 'refused'; reason: string }

/** What one webhook body asks for: a dispatch, nothing (an event the gate does not act on), or a refusal. */
export function routeEvent(body: unknown, routes: RelayRoutes, deliveryId: string): Routing {
  const envelope = Envelope.safeParse(body)
  if (!envelope.success) return { kind: 'refused', reason: 'the body is not an MLflow webhook event' }
  const { entity, action, data, workspace } = envelope.data
  const event = `${entity}.${action}`
  if (!KNOWN_EVENTS.has(event)) return { kind: 'refused', reason: `unknown event ${event}` }
  const extra = {
    ...(workspace ? { workspace } : {}),
    mlflow_event: event,
    mlflow_delivery: deliveryId
  }
  const ignored = (reason: string): Routing => ({ kind: 'ignored', event, reason })
  const model = typeof data.name === 'string' ? data.name : undefined
  if (model !== undefined && routes.models !== undefined && !routes.models.includes(model)) {
    return ignored(`model ${model} is not one the relay is configured for`)
  }

  if (event === 'model_version.created') {
    const version = VersionData.safeParse(data)
    if (!version.success) return { kind: 'refused', reason: `${event} without a model name and version` }
    return {
      kind: 'dispatch',
      event,
      dispatch: {
        eventType: routes.evaluateEvent,
        clientPayload: { model: version.data.name, version: version.data.version, ...extra }
      }
    }
  }
  if (event === 'model_version_alias.created' || event === 'model_version_alias.deleted') {
    const alias = AliasData.safeParse(data)
    if (!alias.success) return { kind: 'refused', reason: `${event} without a model name and alias` }
    if (!isProductionAlias(alias.data.alias, routes.productionAliases)) {
      return ignored(`alias ${alias.data.alias} is not a production alias`)
    }
    const moved =
      action === 'created'
        ? `alias ${alias.data.alias} set on v${alias.data.version ?? '?'}`
        : `alias ${alias.data.alias} deleted`
    return audit(routes, alias.data.name, moved, extra, event)
  }
  if (event === 'model_version_tag.set' || event === 'model_version_tag.deleted') {
    const tag = TagData.safeParse(data)
    if (!tag.success) return { kind: 'refused', reason: `${event} without a model name, version and key` }
    if (!tag.data.key.startsWith('promotion.')) return ignored(`tag ${tag.data.key} is not one of the gate's`)
    const changed = `tag ${tag.data.key} ${action === 'set' ? 'set' : 'deleted'} on v${tag.data.version}`
    return audit(routes, tag.data.name, changed, extra, event)
  }
  return ignored(`the gate does not act on ${event}`)
}

function audit(
  routes: RelayRoutes,
  model: string,
  reason: string,
  extra: Record<string, string>,
  event: string
): Routing {
  return {
    kind: 'dispatch',
    event,
    dispatch: { eventType: routes.auditEvent, clientPayload: { model, reason, ...extra } }
  }
}

function isProductionAlias(alias: string, productionAliases: string[]): boolean {
  return productionAliases.some(
    production => alias === production || new RegExp(`^${escapeRegExp(production)}-\\d+$`).test(alias)
  )
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
