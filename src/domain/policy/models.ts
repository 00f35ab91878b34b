import { matchesGlob } from 'node:path'
import type { ModelPolicy, Policy } from './schema.js'

const GLOB_CHARS = /[*?[\]{}]/

/**
 * The policy entry for a registered model: an exact name wins over a glob pattern; among patterns, the first one
 * written in the file wins. Undefined when the policy does not cover the model.
 */
export function findModelPolicy(
  policy: Policy,
  model: string
): { key: string; policy: ModelPolicy } | undefined {
  const exact = policy.models[model]
  if (exact !== undefined) return { key: model, policy: exact }
  for (const [key, entry] of Object.entries(policy.models)) {
    if (GLOB_CHARS.test(key) && matchesGlob(model, key)) return { key, policy: entry }
  }
  return undefined
}
