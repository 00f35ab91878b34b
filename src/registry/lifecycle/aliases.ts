import type { MlflowClient } from '../client.js'
import type { ModelVersion, RegisteredModel } from '../../domain/registry-model.js'
import {
  DEFAULT_ALIASES,
  extraProductionTemplate,
  productionAliasName,
  type AliasNames,
  type Lifecycle
} from '../../domain/lifecycle.js'

/**
 * The alias lifecycle MLflow recommends since 2.9: `champion` marks production, `challenger` staging.
 * Extra production versions (A/B) carry `<production>-2`, `<production>-3`, …
 */
export class AliasesLifecycle implements Lifecycle {
  readonly kind = 'aliases' as const

  constructor(
    private readonly client: MlflowClient,
    readonly names: AliasNames = DEFAULT_ALIASES
  ) {}

  get aliasNames(): AliasNames {
    return this.names
  }

  /** The slot number of an extra production alias (2, 3, …), or undefined for any other alias. */
  private extraSlot(alias: string): number | undefined {
    const template = extraProductionTemplate(this.names)
    const pattern = new RegExp(`^${escapeRegExp(template).replace('\\{n\\}', '(\\d+)')}$`)
    const slot = pattern.exec(alias)?.[1]
    return slot === undefined || Number(slot) < 2 ? undefined : Number(slot)
  }

  private isExtraProductionAlias(alias: string): boolean {
    return this.extraSlot(alias) !== undefined
  }

  /** The production aliases among a model's aliases, primary first: [alias, version] pairs. */
  private productionPairs(aliases: RegisteredModel['aliases']): [string, string][] {
    const primary = aliases.filter(a => a.alias === this.names.production)
    const extra = aliases
      .filter(a => this.isExtraProductionAlias(a.alias))
      .sort((a, b) => this.extraSlot(a.alias)! - this.extraSlot(b.alias)!)
    return [...primary, ...extra].map(a => [a.alias, a.version])
  }

  async productionAliases(model: string, registered?: RegisteredModel): Promise<[string, string][]> {
    const { aliases } = registered ?? (await this.client.getRegisteredModel(model))
    return this.productionPairs(aliases)
  }

  productionIn(_versions: ModelVersion[], registered: RegisteredModel): string[] {
    return [...new Set(this.productionPairs(registered.aliases).map(([, version]) => version))]
  }

  async productionVersions(model: string, registered?: RegisteredModel): Promise<string[]> {
    const versions = (await this.productionAliases(model, registered)).map(([, version]) => version)
    return [...new Set(versions)]
  }

  async stagingVersions(model: string, registered?: RegisteredModel): Promise<string[]> {
    const { aliases } = registered ?? (await this.client.getRegisteredModel(model))
    return aliases.filter(a => a.alias === this.names.staging).map(a => a.version)
  }

  async moveToStaging(model: string, version: string): Promise<void> {
    await this.client.setAlias(model, this.names.staging, version)
  }

  async promoteReplacing(model: string, version: string): Promise<void> {
    // Moving the alias is atomic: it points at the old version until the instant it points at the new one.
    await this.client.setAlias(model, this.names.production, version)
    const registered = await this.client.getRegisteredModel(model)
    const retired = registered.aliases.filter(
      ({ alias, version: target }) =>
        this.isExtraProductionAlias(alias) || (alias === this.names.staging && target === version)
    )
    await Promise.all(retired.map(({ alias }) => this.client.deleteAlias(model, alias)))
  }

  async promoteAlongside(model: string, version: string): Promise<void> {
    const current = await this.productionAliases(model)
    if (current.some(([, target]) => target === version)) return
    if (!current.some(([alias]) => alias === this.names.production)) {
      await this.client.setAlias(model, this.names.production, version)
      return
    }
    const taken = new Set(current.map(([alias]) => alias))
    let slot = 2
    while (taken.has(productionAliasName(this.names, slot))) slot++
    await this.client.setAlias(model, productionAliasName(this.names, slot), version)
  }

  async setProduction(
    model: string,
    versions: string[],
    beforeMove?: (before: string[]) => Promise<void>
  ): Promise<string[]> {
    const registered = await this.client.getRegisteredModel(model)
    const before = await this.productionVersions(model, registered)
    await beforeMove?.(before)
    const current = new Map(registered.aliases.map(a => [a.alias, a.version]))
    const wanted = versions.map((version, i) => [productionAliasName(this.names, i + 1), version])
    // One alias at a time, primary first: each move is atomic, and no alias is removed before its replacement is set.
    for (const [alias, version] of wanted) {
      if (current.get(alias) !== version) await this.client.setAlias(model, alias, version)
    }
    const keep = new Set(wanted.map(([alias]) => alias))
    const stale = registered.aliases.filter(
      ({ alias, version }) =>
        (this.isExtraProductionAlias(alias) && !keep.has(alias)) ||
        (alias === this.names.staging && versions.includes(version))
    )
    await Promise.all(stale.map(({ alias }) => this.client.deleteAlias(model, alias)))
    return before
  }

  async archiveStagingVersion(): Promise<void> {
    // A staging version of the aliases lifecycle holds no alias by then: its archive tags are the whole record.
  }

  async archive(model: string, version: string): Promise<void> {
    const registered = await this.client.getRegisteredModel(model)
    const production = await this.productionVersions(model, registered)
    if (production.length === 1 && production[0] === version) {
      throw new Error(
        `Refusing to archive ${model} version ${version}: it is the only production version (promote another first).`
      )
    }
    for (const { alias, version: target } of registered.aliases) {
      if (target !== version) continue
      if (
        alias === this.names.production ||
        alias === this.names.staging ||
        this.isExtraProductionAlias(alias)
      ) {
        await this.client.deleteAlias(model, alias)
      }
    }
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
