import { InputError } from '../domain/input-error.js'
import { findModelPolicy } from '../domain/policy/models.js'
import type { ModelPolicy, Policy } from '../domain/policy/schema.js'
import type { MlflowClient } from '../registry/client.js'

export interface CoveredModel {
  model: string
  entry: { key: string; policy: ModelPolicy }
}

const GLOB_CHARS = /[*?[\]{}]/

/** The policy entry of a model; a model the policy does not cover is an error (it is never promoted). */
export function requireModelPolicy(policy: Policy, policyPath: string, model: string): CoveredModel['entry'] {
  const entry = findModelPolicy(policy, model)
  if (entry === undefined) {
    throw new InputError(
      `The policy ${policyPath} has no entry for model "${model}" (it covers: ${Object.keys(policy.models).join(', ')}). ` +
        'A model without a policy is never promoted.'
    )
  }
  return entry
}

/** The registered models the policy covers: its exact names, and every registered model a glob matches. */
export async function coveredModels(client: MlflowClient, policy: Policy): Promise<CoveredModel[]> {
  const keys = Object.keys(policy.models)
  const names = new Set(keys.filter(key => !GLOB_CHARS.test(key)))
  if (keys.some(key => GLOB_CHARS.test(key))) {
    for (const registered of await client.searchRegisteredModels()) names.add(registered.name)
  }
  return [...names].flatMap(model => {
    const entry = findModelPolicy(policy, model)
    return entry === undefined ? [] : [{ model, entry }]
  })
}

/** The `model` input's model, or every model the policy covers when it is empty. */
export async function selectModels(
  client: MlflowClient,
  policy: Policy,
  policyPath: string,
  model: string | undefined
): Promise<CoveredModel[]> {
  if (model === undefined) return coveredModels(client, policy)
  return [{ model, entry: requireModelPolicy(policy, policyPath, model) }]
}
