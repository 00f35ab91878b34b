import type { MlflowClient } from '../client.js'
import type { ModelVersion, RegisteredModel } from '../../domain/registry-model.js'
import { AliasesLifecycle } from './aliases.js'
import { compareVersions, DEFAULT_ALIASES, type AliasNames, type Lifecycle } from '../../domain/lifecycle.js'
import { StagesLifecycle } from './stages.js'

/** Stages and aliases kept in step, for teams migrating from one to the other. Aliases move first. */
export class BothLifecycle implements Lifecycle {
  readonly kind = 'both' as const
  private readonly stages: StagesLifecycle
  private readonly aliases: AliasesLifecycle

  readonly aliasNames: AliasNames

  constructor(client: MlflowClient, names: AliasNames = DEFAULT_ALIASES) {
    this.aliasNames = names
    this.stages = new StagesLifecycle(client)
    this.aliases = new AliasesLifecycle(client, names)
  }

  async productionVersions(model: string, registered?: RegisteredModel): Promise<string[]> {
    const [byAlias, byStage] = await Promise.all([
      this.aliases.productionVersions(model, registered),
      this.stages.productionVersions(model)
    ])
    return [...byAlias, ...byStage.filter(v => !byAlias.includes(v)).sort((a, b) => compareVersions(b, a))]
  }

  productionIn(versions: ModelVersion[], registered: RegisteredModel): string[] {
    const byAlias = this.aliases.productionIn(versions, registered)
    return [...byAlias, ...this.stages.productionIn(versions).filter(v => !byAlias.includes(v))]
  }

  async stagingVersions(model: string, registered?: RegisteredModel): Promise<string[]> {
    const [byAlias, byStage] = await Promise.all([
      this.aliases.stagingVersions(model, registered),
      this.stages.stagingVersions(model)
    ])
    return [...new Set([...byAlias, ...byStage])]
  }

  async moveToStaging(model: string, version: string): Promise<void> {
    await this.aliases.moveToStaging(model, version)
    await this.stages.moveToStaging(model, version)
  }

  async promoteReplacing(model: string, version: string): Promise<void> {
    await this.aliases.promoteReplacing(model, version)
    await this.stages.promoteReplacing(model, version)
  }

  async promoteAlongside(model: string, version: string): Promise<void> {
    await this.aliases.promoteAlongside(model, version)
    await this.stages.promoteAlongside(model, version)
  }

  async setProduction(
    model: string,
    versions: string[],
    beforeMove?: (before: string[]) => Promise<void>
  ): Promise<string[]> {
    const before = await this.aliases.setProduction(model, versions, beforeMove)
    await this.stages.setProduction(model, versions)
    return before
  }

  async archiveStagingVersion(model: string, version: string): Promise<void> {
    await this.stages.archiveStagingVersion(model, version)
  }

  async archive(model: string, version: string): Promise<void> {
    await this.aliases.archive(model, version)
    await this.stages.archive(model, version)
  }
}
