import { z } from 'zod'
import { parseYamlFile } from '../domain/yaml-file.js'
import { DEFAULT_ROUTES, type RelayRoutes } from './events.js'

// The relay's mapping file (for example .github/mlflow-relay.yml): which repository the dispatches go to, their
// event types, the production aliases, and which models to relay. Every key is optional; flags win over it.

const eventType = z
  .string()
  .min(1)
  .max(100, 'GitHub takes event types of at most 100 characters')
  .describe(
    '`event_type` of the repository dispatch; a workflow listens with `repository_dispatch: types: […]`.'
  )

export const RelayConfigSchema = z.strictObject({
  repository: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/, 'the repository is owner/name')
    .optional()
    .describe('The repository whose workflows the dispatches start (owner/name).'),
  models: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe('Only these models are relayed (default: every model).'),
  evaluate: z
    .strictObject({ event_type: eventType.optional() })
    .optional()
    .describe('The dispatch for `model_version.created` (default event type `model-registered`).'),
  audit: z
    .strictObject({
      event_type: eventType.optional(),
      production_aliases: z
        .array(z.string().min(1))
        .min(1)
        .optional()
        .describe('Aliases whose moves start an audit (default `champion`; `<alias>-<n>` count too).')
    })
    .optional()
    .describe(
      'The dispatch for a production alias moved or a `promotion.*` tag changed (default `registry-changed`).'
    )
})

export type RelayConfig = z.infer<typeof RelayConfigSchema>

const MAX_CONFIG_BYTES = 64 * 1024

export function parseRelayConfig(text: string, file: string): RelayConfig {
  return parseYamlFile(text, file, {
    schema: RelayConfigSchema,
    what: 'relay configuration',
    maxBytes: MAX_CONFIG_BYTES
  })
}

export function routesFrom(config: RelayConfig): RelayRoutes {
  return {
    evaluateEvent: config.evaluate?.event_type ?? DEFAULT_ROUTES.evaluateEvent,
    auditEvent: config.audit?.event_type ?? DEFAULT_ROUTES.auditEvent,
    productionAliases: config.audit?.production_aliases ?? DEFAULT_ROUTES.productionAliases,
    ...(config.models !== undefined ? { models: config.models } : {})
  }
}
