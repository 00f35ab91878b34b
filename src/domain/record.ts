import { stringify } from 'yaml'
import { z } from 'zod'
import { FileProblemsError, parseYamlFile } from './yaml-file.js'

// The promotion record (`<records>/<model>.yml`): the desired production state of one model. The gate's pull
// request changes exactly this file; merging it makes the registry match it.

const versionNumber = z
  .preprocess(
    // Any number is read as text, so `2.5` is told what a version is rather than that a string was expected.
    value => (typeof value === 'number' ? String(value) : value),
    z.string().regex(/^[1-9]\d{0,9}$/, 'a version is a whole number from 1, such as 7')
  )
  .describe('A registered model version number.')

export const RecordSchema = z
  .strictObject({
    $schema: z.string().optional(),
    model: z.string().min(1).describe('The registered model name.'),
    production: z
      .array(
        z.strictObject({
          version: versionNumber,
          traffic: z
            .number()
            .int()
            .min(0)
            .max(100)
            .optional()
            .describe('Share of traffic in percent (A/B); the weights sum to 100.')
        })
      )
      .min(1, 'a model keeps at least one production version: `production` may not be empty')
      .describe('The production versions, primary first.')
  })
  .superRefine((record, ctx) => {
    const seen = new Set<string>()
    record.production.forEach((entry, index) => {
      if (seen.has(entry.version)) {
        ctx.addIssue({
          code: 'custom',
          path: ['production', index, 'version'],
          message: `version ${entry.version} is listed twice`
        })
      }
      seen.add(entry.version)
    })
    if (record.production.length > 1) {
      const missing = record.production.findIndex(entry => entry.traffic === undefined)
      if (missing !== -1) {
        ctx.addIssue({
          code: 'custom',
          path: ['production', missing],
          message: 'with several production versions each needs `traffic`'
        })
        return
      }
    }
    const total = record.production.reduce((sum, entry) => sum + (entry.traffic ?? 100), 0)
    if (total !== 100) {
      ctx.addIssue({
        code: 'custom',
        path: ['production'],
        message: `the traffic weights sum to ${total}, not 100`
      })
    }
  })

export type PromotionRecord = z.infer<typeof RecordSchema>

export interface ProductionEntry {
  version: string
  /** Percent of traffic; 100 when the record has one version. */
  traffic: number
}

const MAX_RECORD_BYTES = 64 * 1024
export const DEFAULT_RECORDS_FOLDER = '.github/models'

export function parseRecord(text: string, file: string): PromotionRecord {
  return parseYamlFile(text, file, {
    schema: RecordSchema,
    what: 'promotion record',
    maxBytes: MAX_RECORD_BYTES
  })
}

/**
 * A record that is only context (the one before a pull request, the one a new pull request replaces): a broken one
 * counts as none, so it never blocks the pull request that repairs it; the registry then says what production was.
 */
export function readableRecord(text: string, file: string): PromotionRecord | undefined {
  try {
    return parseRecord(text, file)
  } catch (error) {
    if (error instanceof FileProblemsError) return undefined
    throw error
  }
}

export function productionEntries(record: PromotionRecord): ProductionEntry[] {
  return record.production.map(entry => ({ version: entry.version, traffic: entry.traffic ?? 100 }))
}

/** The record file's text: stable, so rewriting an unchanged record changes nothing. */
export function renderRecord(model: string, entries: ProductionEntry[]): string {
  const production = entries.map(entry =>
    entries.length === 1
      ? { version: Number(entry.version) }
      : { version: Number(entry.version), traffic: entry.traffic }
  )
  return (
    '# Desired production state of this model, maintained by MLflow Promotion Gate.\n' +
    '# Merging a change to this file (with the approvals the policy asks for) makes the registry match it.\n' +
    stringify({ model, production }, { lineWidth: 0 })
  )
}

/**
 * The record file of a model inside the records folder. Model names may hold characters a path cannot (`/`), and
 * a few that would be awkward; those are percent-encoded so each model maps to exactly one file.
 */
export function recordPath(recordsFolder: string, model: string): string {
  const encode = (char: string) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`
  const safe = [...model]
    .map(char => (/[/\\%:*?"<>|]/.test(char) || char.charCodeAt(0) < 0x20 ? encode(char) : char))
    .join('')
  const folder = recordsFolder.replace(/\/+$/, '')
  return `${folder}/${safe.startsWith('.') ? `%2E${safe.slice(1)}` : safe}.yml`
}

/** Production versions from the registry as record entries: the weights split evenly, the primary taking the rest. */
export function evenSplit(versions: string[]): ProductionEntry[] {
  const share = Math.floor(100 / Math.max(versions.length, 1))
  return versions.map((version, i) => ({
    version,
    traffic: i === 0 ? 100 - share * (versions.length - 1) : share
  }))
}

/** Whether two lists of entries name the same versions (in any order, whatever their weights). */
export function sameVersions(a: ProductionEntry[], b: ProductionEntry[]): boolean {
  const set = new Set(a.map(entry => entry.version))
  return a.length === b.length && b.every(entry => set.has(entry.version))
}

/**
 * The proposed record when a version passes: `replace` makes it the only production version; `ab` adds it with
 * 10 % of the traffic and scales the current versions' weights to the remaining 90 % (reviewers may edit the
 * weights on the pull-request branch before approving).
 */
export function proposeRecord(
  current: ProductionEntry[],
  version: string,
  strategy: 'replace' | 'ab'
): ProductionEntry[] {
  const others = current.filter(entry => entry.version !== version)
  if (strategy === 'replace' || others.length === 0) return [{ version, traffic: 100 }]
  const currentTotal = others.reduce((sum, entry) => sum + entry.traffic, 0)
  const weights = others.map(entry => (currentTotal === 0 ? 1 : entry.traffic))
  const weightSum = weights.reduce((sum, weight) => sum + weight, 0)
  const scaled = others.map((entry, i) => ({
    version: entry.version,
    traffic: Math.floor((90 * weights[i]) / weightSum)
  }))
  const remainder = 90 - scaled.reduce((sum, entry) => sum + entry.traffic, 0)
  scaled[0].traffic += remainder
  return [...scaled, { version, traffic: 10 }]
}
