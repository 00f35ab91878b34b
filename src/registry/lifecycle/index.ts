import type { MlflowClient } from '../client.js'
import { AliasesLifecycle } from './aliases.js'
import { BothLifecycle } from './both.js'
import {
  DEFAULT_ALIASES,
  type AliasNames,
  type Lifecycle,
  type LifecycleKind
} from '../../domain/lifecycle.js'
import { StagesLifecycle } from './stages.js'

export * from '../../domain/lifecycle.js'
export { AliasesLifecycle, BothLifecycle, StagesLifecycle }

export function createLifecycle(
  client: MlflowClient,
  kind: LifecycleKind,
  names: AliasNames = DEFAULT_ALIASES
): Lifecycle {
  switch (kind) {
    case 'stages':
      return new StagesLifecycle(client)
    case 'aliases':
      return new AliasesLifecycle(client, names)
    case 'both':
      return new BothLifecycle(client, names)
  }
}
