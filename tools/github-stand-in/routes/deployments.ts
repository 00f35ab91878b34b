import {
  type Handler,
  integerParam,
  notFound,
  paginate,
  type RequestContext,
  repositoryOf,
  requireWrite,
  stringOption,
  validationFailed
} from '../http.js'
import { timestamp, type Deployment, type DeploymentStatus, type Repository } from '../state.js'

function deploymentOf(context: RequestContext, repository: Repository): Deployment {
  const deployment = repository.deployments.find(
    candidate => candidate.id === integerParam(context, 'deployment_id')
  )
  if (deployment === undefined) throw notFound()
  return deployment
}

/** Newest first, filtered by sha, ref, task and environment. */
const listDeployments: Handler = context => {
  const repository = repositoryOf(context)
  const filters: [keyof Deployment, unknown][] = [
    ['sha', context.query.sha],
    ['ref', context.query.ref],
    ['task', context.query.task],
    ['environment', context.query.environment]
  ]
  const deployments = repository.deployments
    .filter(deployment =>
      filters.every(([field, wanted]) => wanted === undefined || deployment[field] === wanted)
    )
    .reverse()
  return paginate(context, deployments, deployment => context.resources.deployment(repository, deployment))
}

function parsePayload(payload: unknown): unknown {
  if (typeof payload !== 'string') return payload ?? {}
  try {
    return JSON.parse(payload)
  } catch {
    return payload
  }
}

const createDeployment: Handler = context => {
  const repository = repositoryOf(context)
  requireWrite(context, repository)
  const ref = String(context.body.ref)
  const sha = context.world.resolve(repository, ref)
  if (sha === undefined) throw validationFailed(`No ref found for: ${ref}`)
  const environment = stringOption(context.body.environment) ?? 'production'
  const now = timestamp()
  const deployment: Deployment = {
    id: context.world.newId(),
    sha,
    ref,
    task: stringOption(context.body.task) ?? 'deploy',
    environment,
    originalEnvironment: environment,
    payload: parsePayload(context.body.payload),
    description: stringOption(context.body.description) ?? '',
    productionEnvironment:
      typeof context.body.production_environment === 'boolean'
        ? context.body.production_environment
        : environment === 'production',
    transientEnvironment: context.body.transient_environment === true,
    creator: context.user.login,
    createdAt: now,
    updatedAt: now,
    statuses: []
  }
  repository.deployments.push(deployment)
  return { status: 201, body: context.resources.deployment(repository, deployment) }
}

function addStatus(
  context: RequestContext,
  deployment: Deployment,
  fields: Pick<DeploymentStatus, 'state' | 'description' | 'environmentUrl' | 'logUrl'>
): DeploymentStatus {
  const status: DeploymentStatus = {
    id: context.world.newId(),
    environment: deployment.environment,
    creator: context.user.login,
    createdAt: timestamp(),
    ...fields
  }
  deployment.statuses.push(status)
  deployment.updatedAt = status.createdAt
  return status
}

/**
 * `auto_inactive` (default true), as GitHub documents it: a success marks earlier successful, non-transient,
 * non-production deployments to the same environment inactive.
 */
function deactivatePredecessors(context: RequestContext, repository: Repository, current: Deployment): void {
  for (const deployment of repository.deployments) {
    const latest = deployment.statuses.at(-1)
    if (
      deployment !== current &&
      deployment.environment === current.environment &&
      !deployment.transientEnvironment &&
      !deployment.productionEnvironment &&
      latest?.state === 'success'
    ) {
      addStatus(context, deployment, { state: 'inactive', description: '', environmentUrl: '', logUrl: '' })
    }
  }
}

const createDeploymentStatus: Handler = context => {
  const repository = repositoryOf(context)
  requireWrite(context, repository)
  const deployment = deploymentOf(context, repository)
  const environment = stringOption(context.body.environment)
  if (environment !== undefined) deployment.environment = environment
  const status = addStatus(context, deployment, {
    state: String(context.body.state),
    description: stringOption(context.body.description) ?? '',
    environmentUrl: stringOption(context.body.environment_url) ?? '',
    logUrl: stringOption(context.body.log_url) ?? stringOption(context.body.target_url) ?? ''
  })
  if (status.state === 'success' && context.body.auto_inactive !== false) {
    deactivatePredecessors(context, repository, deployment)
  }
  return { status: 201, body: context.resources.deploymentStatus(repository, deployment, status) }
}

const listDeploymentStatuses: Handler = context => {
  const repository = repositoryOf(context)
  const deployment = deploymentOf(context, repository)
  return paginate(context, [...deployment.statuses].reverse(), status =>
    context.resources.deploymentStatus(repository, deployment, status)
  )
}

export const deploymentHandlers: Record<string, Handler> = {
  'repos/list-deployments': listDeployments,
  'repos/create-deployment': createDeployment,
  'repos/create-deployment-status': createDeploymentStatus,
  'repos/list-deployment-statuses': listDeploymentStatuses
}
