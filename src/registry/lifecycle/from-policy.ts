import type { Policy } from '../../domain/policy/schema.js'
import type { MlflowClient } from '../client.js'
import { createLifecycle } from './index.js'
import { DEFAULT_ALIASES, type Lifecycle } from '../../domain/lifecycle.js'

/** The lifecycle a policy's `registry` section asks for (default: aliases `challenger` and `champion`). */
export function lifecycleFromPolicy(registry: MlflowClient, policy: Policy): Lifecycle {
  const settings = policy.registry
  return createLifecycle(registry, settings?.lifecycle ?? 'aliases', {
    staging: settings?.aliases?.staging ?? DEFAULT_ALIASES.staging,
    production: settings?.aliases?.production ?? DEFAULT_ALIASES.production,
    extraProduction: settings?.aliases?.extra_production
  })
}
