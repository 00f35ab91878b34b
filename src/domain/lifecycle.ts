import type { ModelVersion, RegisteredModel } from './registry-model.js'

export type LifecycleKind = 'stages' | 'aliases' | 'both'

export interface AliasNames {
  staging: string
  production: string
  /** How extra production versions (A/B) are named: a template with `{n}` (2, 3, …); default `<production>-{n}`. */
  extraProduction?: string
}

/** The alias of the n-th production version (n from 1; the first is the production alias itself). */
export function productionAliasName(names: AliasNames, n: number): string {
  return n === 1 ? names.production : extraProductionTemplate(names).replace('{n}', String(n))
}

export function extraProductionTemplate(names: AliasNames): string {
  return names.extraProduction ?? `${names.production}-{n}`
}

export const DEFAULT_ALIASES: AliasNames = { staging: 'challenger', production: 'champion' }

/**
 * How a registry expresses staging, production and archived. Every move is a single atomic registry call
 * where the registry allows one, so a model never has zero production versions in between.
 * (A Databricks workspace adapter, with transition requests, fits behind the same interface.)
 */
export interface Lifecycle {
  readonly kind: LifecycleKind
  /** The alias names in use, when the lifecycle uses aliases. */
  readonly aliasNames?: AliasNames
  /** Current production versions, primary first. `registered` saves a request when the caller has it. */
  productionVersions(model: string, registered?: RegisteredModel): Promise<string[]>
  /** The production versions, from state already read (every version of the model, and the model). */
  productionIn(versions: ModelVersion[], registered: RegisteredModel): string[]
  stagingVersions(model: string, registered?: RegisteredModel): Promise<string[]>
  moveToStaging(model: string, version: string): Promise<void>
  /** Makes `version` the (primary) production version and retires every other production version. */
  promoteReplacing(model: string, version: string): Promise<void>
  /** Adds `version` to production next to the current ones (A/B). */
  promoteAlongside(model: string, version: string): Promise<void>
  /**
   * Marks a staging version archived as the lifecycle expresses it (stage `Archived`; nothing for aliases, where
   * the archive tags are the record): the caller has checked it holds no alias and is not in production.
   */
  archiveStagingVersion(model: string, version: string): Promise<void>
  /** Takes `version` out of staging and production. */
  archive(model: string, version: string): Promise<void>
  /**
   * Makes the production set exactly `versions` (primary first): new versions are added before old ones are
   * retired, so production is never empty on the way. Already-right state costs no write. `beforeMove` is called
   * with the production set read (primary first) before anything is written — where a caller journals where it
   * started — and that set is returned.
   */
  setProduction(
    model: string,
    versions: string[],
    beforeMove?: (before: string[]) => Promise<void>
  ): Promise<string[]>
}

export function compareVersions(a: string, b: string): number {
  return Number(a) - Number(b)
}
