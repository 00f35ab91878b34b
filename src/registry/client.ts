import type { z } from 'zod'
import { RegistryConfigError } from './config.js'
import { MlflowApiError, MlflowResponseError, isNotFound } from './errors.js'
import { endpointName, type HttpRequest, type MlflowHttp } from './http.js'
import {
  Responses,
  type LoggedModel,
  type Metric,
  type ModelVersion,
  type RegisteredModel,
  type Run
} from '../domain/registry-model.js'

const API = '/api/2.0/mlflow'
export type Stage = 'None' | 'Staging' | 'Production' | 'Archived'
const PROMPT_TAG = 'mlflow.prompt.is_prompt'

/** Typed access to the parts of MLflow's REST API the action uses. */
export class MlflowClient {
  constructor(readonly http: MlflowHttp) {}

  get baseUrl(): string {
    return this.http.baseUrl
  }

  /** The MLflow workspace every request names, when one is set. */
  get workspace(): string | undefined {
    return this.http.workspace
  }

  /**
   * Fails unless the server has the workspace every request names. MLflow 2.x ignores the header and would answer
   * from its one registry, so the workspace is checked once before anything is read or written.
   */
  async checkWorkspace(): Promise<void> {
    const workspace = this.workspace
    if (workspace === undefined) return
    try {
      await this.call(Responses.empty, {
        method: 'GET',
        path: `/api/3.0/mlflow/workspaces/${encodeURIComponent(workspace)}`
      })
    } catch (error) {
      if (error instanceof MlflowApiError && error.errorCode === 'ENDPOINT_NOT_FOUND') {
        throw new RegistryConfigError(
          `The MLflow server has no workspaces (they came with MLflow 3 and \`mlflow server --enable-workspaces\`), but the workspace "${workspace}" was given (the \`workspace\` input or MLFLOW_WORKSPACE): unset it, or use a server with workspaces.`
        )
      }
      throw error
    }
  }

  protected async call<S extends z.ZodType>(schema: S, req: HttpRequest): Promise<z.infer<S>> {
    const body = await this.http.json(req)
    const parsed = schema.safeParse(body)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const where = issue?.path.length ? ` at ${issue.path.join('.')}` : ''
      throw new MlflowResponseError(endpointName(req.path), `${issue?.message ?? 'invalid shape'}${where}`)
    }
    return parsed.data
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const res = await this.call(Responses.registeredModel, {
      method: 'GET',
      path: `${API}/registered-models/get`,
      query: { name }
    })
    return res.registered_model
  }

  /** Every registered model matching `filter`, across pages; prompts (also registered models) are left out. */
  async searchRegisteredModels(filter?: string): Promise<RegisteredModel[]> {
    const models: RegisteredModel[] = []
    let pageToken: string | undefined
    do {
      const res = await this.call(Responses.registeredModels, {
        method: 'GET',
        path: `${API}/registered-models/search`,
        query: { filter, max_results: 1000, page_token: pageToken }
      })
      models.push(...res.registered_models)
      pageToken = res.next_page_token || undefined
    } while (pageToken !== undefined)
    return models.filter(model => !model.tags.some(tag => tag.key === PROMPT_TAG && tag.value === 'true'))
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const res = await this.call(Responses.modelVersion, {
      method: 'GET',
      path: `${API}/model-versions/get`,
      query: { name, version }
    })
    return res.model_version
  }

  /** Every version of one registered model, across pages (the search with MLflow's filter language kept here). */
  versionsOf(model: string, options: { orderBy?: string[]; pageSize?: number; limit?: number } = {}) {
    return this.searchModelVersions(`name=${quote(model)}`, options)
  }

  /** Closes the connections to the server (the end of a command). */
  close(): Promise<void> {
    return this.http.close()
  }

  /**
   * Every model version matching `filter`, across pages. Search answers carry no aliases (mlflow#16734):
   * read them from the registered model.
   */
  async searchModelVersions(
    filter: string,
    options: { orderBy?: string[]; pageSize?: number; limit?: number } = {}
  ): Promise<ModelVersion[]> {
    const versions: ModelVersion[] = []
    let pageToken: string | undefined
    do {
      const res = await this.call(Responses.modelVersions, {
        method: 'GET',
        path: `${API}/model-versions/search`,
        query: {
          filter,
          max_results: options.pageSize ?? 1000,
          order_by: options.orderBy,
          page_token: pageToken
        }
      })
      versions.push(...res.model_versions)
      pageToken = res.next_page_token || undefined
    } while (pageToken !== undefined && (options.limit === undefined || versions.length < options.limit))
    return options.limit === undefined ? versions : versions.slice(0, options.limit)
  }

  /** The newest version of a model by version number, or undefined when it has none. */
  async latestModelVersion(name: string): Promise<ModelVersion | undefined> {
    const [latest] = await this.searchModelVersions(`name=${quote(name)}`, {
      orderBy: ['version_number DESC'],
      pageSize: 1,
      limit: 1
    })
    return latest
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await upsert(() =>
      this.call(Responses.empty, {
        method: 'POST',
        path: `${API}/registered-models/alias`,
        body: { name, alias, version }
      })
    )
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.call(Responses.empty, {
      method: 'DELETE',
      path: `${API}/registered-models/alias`,
      body: { name, alias }
    })
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await upsert(() =>
      this.call(Responses.empty, {
        method: 'POST',
        path: `${API}/model-versions/set-tag`,
        body: { name, version, key, value }
      })
    )
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    await this.call(Responses.empty, {
      method: 'DELETE',
      path: `${API}/model-versions/delete-tag`,
      body: { name, version, key }
    })
  }

  async transitionStage(
    name: string,
    version: string,
    stage: Stage,
    archiveExistingVersions: boolean
  ): Promise<ModelVersion> {
    const res = await this.call(Responses.modelVersion, {
      method: 'POST',
      path: `${API}/model-versions/transition-stage`,
      body: { name, version, stage, archive_existing_versions: archiveExistingVersions }
    })
    return res.model_version
  }

  async getRun(runId: string): Promise<Run> {
    const res = await this.call(Responses.run, {
      method: 'GET',
      path: `${API}/runs/get`,
      query: { run_id: runId }
    })
    return res.run
  }

  /** An experiment by name; undefined when there is none (or only a deleted one). */
  async getExperimentByName(name: string): Promise<{ id: string; name: string } | undefined> {
    try {
      const res = await this.call(Responses.experiment, {
        method: 'GET',
        path: `${API}/experiments/get-by-name`,
        query: { experiment_name: name }
      })
      const { experiment } = res
      return experiment.lifecycle_stage === 'deleted'
        ? undefined
        : { id: experiment.experiment_id, name: experiment.name }
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw error
    }
  }

  /** Runs of the given experiments matching `filter` (one page of at most `maxResults`). */
  async searchRuns(experimentIds: string[], filter: string, maxResults: number): Promise<Run[]> {
    const res = await this.call(Responses.runs, {
      method: 'POST',
      path: `${API}/runs/search`,
      body: { experiment_ids: experimentIds, filter, max_results: maxResults, run_view_type: 'ALL' }
    })
    return res.runs
  }

  async getMetricHistory(runId: string, metricKey: string): Promise<Metric[]> {
    const metrics: Metric[] = []
    let pageToken: string | undefined
    do {
      const res = await this.call(Responses.metricHistory, {
        method: 'GET',
        path: `${API}/metrics/get-history`,
        query: { run_id: runId, metric_key: metricKey, max_results: 25000, page_token: pageToken }
      })
      metrics.push(...res.metrics)
      pageToken = res.next_page_token || undefined
    } while (pageToken !== undefined)
    return metrics.sort((a, b) => a.step - b.step || (a.timestamp ?? 0) - (b.timestamp ?? 0))
  }

  /** An MLflow 3 logged model; undefined on a 2.x server, which has no such endpoint. */
  async getLoggedModel(modelId: string): Promise<LoggedModel | undefined> {
    try {
      const res = await this.call(Responses.loggedModel, {
        method: 'GET',
        path: `${API}/logged-models/${encodeURIComponent(modelId)}`
      })
      return res.model
    } catch (error) {
      if (error instanceof MlflowApiError && error.errorCode === 'ENDPOINT_NOT_FOUND') return undefined
      throw error
    }
  }

  /** A file of a model version's artifacts (e.g. `MLmodel`), read through the server; undefined when absent. */
  async getModelVersionArtifact(name: string, version: string, path: string): Promise<string | undefined> {
    try {
      return await this.http.text({
        method: 'GET',
        path: '/model-versions/get-artifact',
        query: { name, version, path }
      })
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw error
    }
  }

  modelVersionUrl(name: string, version: string): string {
    return this.uiUrl(`/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`)
  }

  runUrl(experimentId: string, runId: string): string {
    return this.uiUrl(`/experiments/${encodeURIComponent(experimentId)}/runs/${encodeURIComponent(runId)}`)
  }

  /** A page of MLflow's UI; in a workspace, the UI takes it from the route's `workspace` query parameter. */
  private uiUrl(route: string): string {
    const workspace = this.workspace === undefined ? '' : `?workspace=${encodeURIComponent(this.workspace)}`
    return `${this.baseUrl}/#${route}${workspace}`
  }
}

/**
 * A string literal for MLflow's search filter language, which has no escape sequences: a value holding a
 * single quote is written in double quotes, and one holding both kinds cannot be written at all.
 */
export function quote(value: string): string {
  if (!value.includes("'")) return `'${value}'`
  if (!value.includes('"')) return `"${value}"`
  throw new Error(`MLflow's search filters cannot express a value with both kinds of quotes: ${value}`)
}

/**
 * MLflow's stores set a tag or an alias by reading, then inserting or updating: two writers of the same key at
 * once can make one insert collide (HTTP 400 from the database's unique constraint). Setting is idempotent, so the
 * loser simply sets again, which now updates.
 */
async function upsert(write: () => Promise<unknown>, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await write()
      return
    } catch (error) {
      const collided =
        error instanceof MlflowApiError &&
        error.httpStatus === 400 &&
        /UNIQUE constraint|IntegrityError|Duplicate entry|duplicate key value/i.test(error.message)
      if (!collided || attempt >= attempts) throw error
    }
  }
}
