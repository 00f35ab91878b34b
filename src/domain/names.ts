import { createHash } from 'node:crypto'

/** A Git-ref-safe form of a model name; names that had to change get a short hash so two models never collide. */
export function modelSlug(model: string): string {
  const slug = model
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[-.]+|[-.]+$/g, '')
    .replace(/\.lock$/i, '-lock')
  if (slug === model && slug !== '') return slug
  const hash = createHash('sha1').update(model).digest('hex').slice(0, 8)
  return slug === '' ? hash : `${slug}-${hash}`
}

export const BRANCH_PREFIX = 'promotion/'

export function promotionBranch(model: string, version: string): string {
  return `${BRANCH_PREFIX}${modelSlug(model)}/v${version}`
}

/**
 * The branch of the record pull request that follows an emergency rollback; with a suffix (`run-<id>`, or random
 * hex), the one it falls back to when someone else created the plain one first.
 */
export function rollbackBranch(model: string, version: string, suffix?: string): string {
  return `${BRANCH_PREFIX}${modelSlug(model)}/rollback-v${version}${suffix === undefined ? '' : `-${suffix}`}`
}

/** The version a rollback branch of this model returns to (suffixed or not), or undefined when it is not one. */
export function versionOfRollbackBranch(model: string, branch: string): string | undefined {
  const prefix = `${BRANCH_PREFIX}${modelSlug(model)}/rollback-v`
  if (!branch.startsWith(prefix)) return undefined
  return /^(\d+)(?:-run-\d+|-[0-9a-f]{12})?$/.exec(branch.slice(prefix.length))?.[1]
}

/** The branch of an experiment's traffic change: challenger `version` to `traffic` percent (0: out, 100: winner). */
export function experimentBranch(model: string, version: string, traffic: number | string): string {
  return `${BRANCH_PREFIX}${modelSlug(model)}/experiment-v${version}-to-${traffic}`
}

/** The challenger and traffic an experiment branch of this model proposes, or undefined when it is not one. */
export function experimentOfBranch(
  model: string,
  branch: string
): { version: string; traffic: number } | undefined {
  const prefix = `${BRANCH_PREFIX}${modelSlug(model)}/experiment-v`
  if (!branch.startsWith(prefix)) return undefined
  const match = /^([1-9]\d*)-to-(0|[1-9]\d?|100)$/.exec(branch.slice(prefix.length))
  return match ? { version: match[1], traffic: Number(match[2]) } : undefined
}

/** The version a promotion branch of this model is for, or undefined when the branch is not one. */
export function versionOfBranch(model: string, branch: string): string | undefined {
  const prefix = `${BRANCH_PREFIX}${modelSlug(model)}/v`
  if (!branch.startsWith(prefix)) return undefined
  const version = branch.slice(prefix.length)
  return /^\d+$/.test(version) ? version : undefined
}

/** Hidden markers that let later runs find what earlier runs wrote. */
export const MARKERS = {
  pullRequest: '<!-- mlflow-promotion-gate:promotion-pr -->',
  promoteComment: '<!-- mlflow-promotion-gate:promote -->',
  supersededComment: '<!-- mlflow-promotion-gate:superseded -->'
}
