import { quote, type MlflowClient, type Stage } from '../client.js'
import type { ModelVersion } from '../../domain/registry-model.js'
import { compareVersions, type Lifecycle } from '../../domain/lifecycle.js'

/** The legacy stage lifecycle (deprecated by MLflow since 2.9, still served by 2.x and 3.x). */
export class StagesLifecycle implements Lifecycle {
  readonly kind = 'stages' as const

  constructor(private readonly client: MlflowClient) {}

  private async versionsIn(model: string, stage: Stage): Promise<string[]> {
    // Search filters cannot select a stage, so the model's versions are read and filtered here.
    const versions = await this.client.searchModelVersions(`name=${quote(model)}`)
    return versions
      .filter(version => version.current_stage === stage)
      .map(version => version.version)
      .sort((a, b) => compareVersions(b, a))
  }

  productionIn(versions: ModelVersion[]): string[] {
    return versions
      .filter(version => version.current_stage === 'Production')
      .map(version => version.version)
      .sort((a, b) => compareVersions(b, a))
  }

  productionVersions(model: string): Promise<string[]> {
    return this.versionsIn(model, 'Production')
  }

  stagingVersions(model: string): Promise<string[]> {
    return this.versionsIn(model, 'Staging')
  }

  async moveToStaging(model: string, version: string): Promise<void> {
    await this.client.transitionStage(model, version, 'Staging', false)
  }

  async promoteReplacing(model: string, version: string): Promise<void> {
    // One call: the server archives the other Production (and Staging) versions in the same transaction.
    await this.client.transitionStage(model, version, 'Production', true)
  }

  async promoteAlongside(model: string, version: string): Promise<void> {
    await this.client.transitionStage(model, version, 'Production', false)
  }

  async setProduction(
    model: string,
    versions: string[],
    beforeMove?: (before: string[]) => Promise<void>
  ): Promise<string[]> {
    const production = await this.productionVersions(model)
    await beforeMove?.(production)
    if (versions.length === 1) {
      if (production.length !== 1 || production[0] !== versions[0]) {
        await this.promoteReplacing(model, versions[0])
      }
      return production
    }
    for (const version of versions) {
      if (!production.includes(version)) await this.promoteAlongside(model, version)
    }
    for (const version of production) {
      if (!versions.includes(version)) await this.client.transitionStage(model, version, 'Archived', false)
    }
    return production
  }

  async archiveStagingVersion(model: string, version: string): Promise<void> {
    await this.client.transitionStage(model, version, 'Archived', false)
  }

  async archive(model: string, version: string): Promise<void> {
    const production = await this.productionVersions(model)
    if (production.length === 1 && production[0] === version) {
      throw new Error(
        `Refusing to archive ${model} version ${version}: it is the only production version (promote another first).`
      )
    }
    await this.client.transitionStage(model, version, 'Archived', false)
  }
}
