import type { MlflowClient } from '../client.js'
import type { RegisteredModel } from '../schemas.js'
import { compareVersions, DEFAULT_ALIASES, type AliasNames, type Lifecycle } from './lifecycle.js'

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

  private isExtraProductionAlias(alias: string): boolean {
    return new RegExp(`^${escapeRegExp(this.names.production)}-\\d+$`).test(alias)
  }

  /** The production aliases of a model, primary first: [alias, version] pairs. */
  async productionAliases(model: string, registered?: RegisteredModel): Promise<[string, string][]> {
    const { aliases } = registered ?? (await this.client.getRegisteredModel(model))
    const primary = aliases.filter(a => a.alias === this.names.production)
    const extra = aliases
      .filter(a => this.isExtraProductionAlias(a.alias))
      .sort((a, b) => compareVersions(a.alias.split('-').pop()!, b.alias.split('-').pop()!))
    return [...primary, ...extra].map(a => [a.alias, a.version])
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
    while (taken.has(`${this.names.production}-${slot}`)) slot++
    await this.client.setAlias(model, `${this.names.production}-${slot}`, version)
  }

  async setProduction(model: string, versions: string[]): Promise<void> {
    const registered = await this.client.getRegisteredModel(model)
    const current = new Map(registered.aliases.map(a => [a.alias, a.version]))
    const wanted = versions.map((version, i) => [
      i === 0 ? this.names.production : `${this.names.production}-${i + 1}`,
      version
    ])
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
