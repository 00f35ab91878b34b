import type { Handler } from '../http.js'
import { actionsHandlers } from './actions.js'
import { deploymentHandlers } from './deployments.js'
import { gitHandlers } from './git.js'
import { issueHandlers } from './issues.js'
import { pullHandlers } from './pulls.js'
import { repositoryHandlers } from './repositories.js'
import { reviewHandlers } from './reviews.js'

/** Handlers by GitHub operationId. */
export const handlers: Record<string, Handler> = {
  ...repositoryHandlers,
  ...gitHandlers,
  ...pullHandlers,
  ...reviewHandlers,
  ...issueHandlers,
  ...deploymentHandlers,
  ...actionsHandlers
}
