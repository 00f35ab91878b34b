import type { ProductionEntry } from './record.js'
import type { ModelVersion } from './registry-model.js'
import { PROMOTE_TAGS, tagValue } from './tags.js'

/** A difference between the registry and the promotion record on the default branch. */
export interface Drift {
  model: string
  /** What the record says (undefined: the model has no record). */
  expected?: ProductionEntry[]
  /** The registry's production versions, primary first. */
  actual: string[]
  differences: string[]
  advice: string
}

/**
 * Compares the registry's production set with the record. Differences: versions in one and not the other, another
 * primary version (the production alias), and A/B weights that differ from `promotion.traffic`. Pure.
 */
export function detectDrift(
  model: string,
  record: ProductionEntry[] | undefined,
  production: string[],
  versions: ModelVersion[],
  recordFile: string
): Drift | undefined {
  if (record === undefined) {
    if (production.length === 0) return undefined
    return {
      model,
      actual: production,
      differences: [`production is ${list(production)} but ${recordFile} does not exist`],
      advice: `Bring ${model} under the gate: merge a pull request creating ${recordFile} with the versions that should serve.`
    }
  }
  const expected = record.map(entry => entry.version)
  const differences: string[] = []
  const missing = expected.filter(v => !production.includes(v))
  const extra = production.filter(v => !expected.includes(v))
  if (missing.length > 0)
    differences.push(
      `${list(missing)} ${missing.length === 1 ? 'is' : 'are'} in the record but not in production`
    )
  if (extra.length > 0)
    differences.push(
      `${list(extra)} ${extra.length === 1 ? 'is' : 'are'} in production but not in the record`
    )
  if (missing.length === 0 && extra.length === 0 && production[0] !== expected[0] && production.length > 1) {
    differences.push(`the primary production version is v${production[0]}, the record says v${expected[0]}`)
  }
  if (record.length > 1) {
    for (const entry of record) {
      const tags = versions.find(v => v.version === entry.version)?.tags ?? []
      const traffic = tagValue(tags, PROMOTE_TAGS.traffic)
      if (production.includes(entry.version) && traffic !== String(entry.traffic)) {
        differences.push(
          `v${entry.version} carries traffic ${traffic ?? 'none'}, the record says ${entry.traffic}`
        )
      }
    }
  }
  if (differences.length === 0) return undefined
  return {
    model,
    expected: record,
    actual: production,
    differences,
    advice:
      `Production was changed outside the gate (in the MLflow UI or with a client). To restore the record, run ` +
      `rollback with version ${expected[0]}${record.length > 1 ? ' and re-run promote on the last merge' : ''}; ` +
      `to keep the registry as it is, merge a pull request that changes ${recordFile} to ${list(production)}.`
  }
}

function list(versions: string[]): string {
  return versions.length === 0 ? 'nothing' : versions.map(v => `v${v}`).join(', ')
}
