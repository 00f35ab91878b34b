import { InputError } from '../domain/input-error.js'
import type { ModelPolicy, Policy } from '../domain/policy/schema.js'
import type { MlflowClient } from '../registry/client.js'
import { isNotFound } from '../registry/errors.js'
import { compareVersions, type Lifecycle } from '../registry/lifecycle/index.js'
import type { ModelVersion } from '../domain/registry-model.js'
import { TAGS, tagValue } from '../domain/tags.js'
import type { SkippedVersion } from '../report/evaluation.js'
import { coveredModels, requireModelPolicy, type CoveredModel } from './models.js'

export interface EvaluationTarget {
  model: string
  /** A version number or `latest` when asked for explicitly; the version read by the poll otherwise. */
  version: string | ModelVersion
  entry: { key: string; policy: ModelPolicy }
}

export interface Targets {
  targets: EvaluationTarget[]
  skipped: SkippedVersion[]
  notes: string[]
}

/**
 * What `evaluate` works on: the version asked for, or (polling) every version of the policy's models that has no
 * `promotion.decision` tag yet, oldest first.
 */
export async function findTargets(
  client: MlflowClient,
  lifecycle: Lifecycle,
  policy: Policy,
  policyPath: string,
  model: string | undefined,
  version: string | undefined
): Promise<Targets> {
  if (model === undefined) {
    if (version !== undefined) {
      throw new InputError(
        'The input `version` needs the input `model`: say which registered model the version belongs to.'
      )
    }
    return pollModels(client, lifecycle, await coveredModels(client, policy))
  }
  const entry = requireModelPolicy(policy, policyPath, model)
  if (version !== undefined) return { targets: [{ model, version, entry }], skipped: [], notes: [] }
  return pollModels(client, lifecycle, [{ model, entry }])
}

async function pollModels(
  client: MlflowClient,
  lifecycle: Lifecycle,
  models: CoveredModel[]
): Promise<Targets> {
  const result: Targets = { targets: [], skipped: [], notes: [] }
  const polled = await Promise.all(
    models.map(async ({ model, entry }) => {
      const [versions, registered] = await Promise.all([
        client.versionsOf(model),
        client.getRegisteredModel(model).catch(error => {
          if (isNotFound(error)) return undefined
          throw error
        })
      ])
      const production = registered ? lifecycle.productionIn(versions, registered) : []
      return { model, entry, versions, production }
    })
  )
  for (const { model, entry, versions, production } of polled) {
    if (versions.length === 0) {
      result.notes.push(`Model "${model}" has no versions in the registry yet.`)
      continue
    }
    const newestProduction = production.reduce<string | undefined>(
      (newest, v) => (newest === undefined || compareVersions(v, newest) > 0 ? v : newest),
      undefined
    )
    const unevaluated = versions
      .filter(v => tagValue(v.tags, TAGS.decision) === undefined)
      .sort((a, b) => compareVersions(a.version, b.version))
    for (const version of unevaluated) {
      const why = skipReason(version, production, newestProduction)
      if (why === undefined) result.targets.push({ model, version, entry })
      else result.skipped.push({ model, version: version.version, reason: why })
    }
  }
  return result
}

function skipReason(
  version: ModelVersion,
  production: string[],
  newestProduction: string | undefined
): string | undefined {
  if (version.status !== undefined && version.status !== 'READY') {
    return `registration is ${version.status}; it will be evaluated once READY`
  }
  if (version.current_stage === 'Archived') return 'archived'
  if (production.includes(version.version)) return 'already in production'
  if (newestProduction !== undefined && compareVersions(version.version, newestProduction) < 0) {
    return `older than production version ${newestProduction}; evaluate it by number to include it`
  }
  return undefined
}
