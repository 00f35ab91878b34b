import { MlflowClient } from '../../src/registry/client.js'
import { MlflowApiError } from '../../src/registry/errors.js'
import {
  Responses,
  type ModelVersion,
  type RegisteredModel,
  type Run
} from '../../src/domain/registry-model.js'

const API = '/api/2.0/mlflow'

/**
 * The registry client with what only tests need: creating models and versions for a scenario, reading an alias
 * directly, the server's version. The action never creates anything in the registry.
 */
export class FixtureClient extends MlflowClient {
  async serverVersion(): Promise<string> {
    return (await this.http.text({ method: 'GET', path: '/version' })).trim()
  }
  async createRegisteredModel(name: string, description?: string): Promise<RegisteredModel> {
    const res = await this.call(Responses.registeredModel, {
      method: 'POST',
      path: `${API}/registered-models/create`,
      body: { name, description }
    })
    return res.registered_model
  }
  async createModelVersion(
    name: string,
    source: string,
    options: { runId?: string; modelId?: string; tags?: Record<string, string>; description?: string } = {}
  ): Promise<ModelVersion> {
    const res = await this.call(Responses.modelVersion, {
      method: 'POST',
      path: `${API}/model-versions/create`,
      body: {
        name,
        source,
        run_id: options.runId,
        model_id: options.modelId,
        description: options.description,
        tags: Object.entries(options.tags ?? {}).map(([key, value]) => ({ key, value }))
      }
    })
    return res.model_version
  }
  /** The version an alias points at, or undefined when the alias is not set. */
  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined> {
    try {
      const res = await this.call(Responses.modelVersion, {
        method: 'GET',
        path: `${API}/registered-models/alias`,
        query: { name, alias }
      })
      return res.model_version
    } catch (error) {
      // MLflow answers a missing alias with 400 INVALID_PARAMETER_VALUE, not 404.
      if (
        error instanceof MlflowApiError &&
        error.errorCode === 'INVALID_PARAMETER_VALUE' &&
        /alias .* not found/i.test(error.message)
      ) {
        return undefined
      }
      throw error
    }
  }

  /** A finished run with these metrics in a new experiment: the evidence of a version made without the seeder. */
  async createRunWithMetrics(experimentName: string, metrics: Record<string, number>): Promise<Run> {
    const experiment = await this.call(Responses.empty, {
      method: 'POST',
      path: `${API}/experiments/create`,
      body: { name: experimentName }
    })
    const created = await this.call(Responses.run, {
      method: 'POST',
      path: `${API}/runs/create`,
      body: { experiment_id: experiment.experiment_id, start_time: Date.now() }
    })
    const runId = created.run.info.run_id
    await this.logMetrics(runId, metrics, { step: 0 })
    await this.call(Responses.empty, {
      method: 'POST',
      path: `${API}/runs/update`,
      body: { run_id: runId, status: 'FINISHED', end_time: Date.now() }
    })
    return (
      await this.call(Responses.run, { method: 'GET', path: `${API}/runs/get`, query: { run_id: runId } })
    ).run
  }

  /**
   * Logs one window of a version's online outcomes as the serving helper (examples/serving/promotion_gate_windows.py)
   * does: the run tagged with the model and version in `promotion-gate/<model>`, found or created, and the window's
   * counts in one log-batch with `step` = the window.
   */
  async logOnlineWindow(
    model: string,
    version: string,
    window: number,
    counts: Record<string, number>
  ): Promise<string> {
    const name = `promotion-gate/${model}`
    const experimentId =
      (await this.getExperimentByName(name))?.id ??
      ((
        await this.call(Responses.empty, {
          method: 'POST',
          path: `${API}/experiments/create`,
          body: { name }
        })
      ).experiment_id as string)
    const filter = `tags.\`promotion.experiment.model\` = '${model}' and tags.\`promotion.experiment.version\` = '${version}'`
    const [found] = await this.searchRuns([experimentId], filter, 2)
    const runId =
      found?.info.run_id ??
      (
        await this.call(Responses.run, {
          method: 'POST',
          path: `${API}/runs/create`,
          body: {
            experiment_id: experimentId,
            start_time: Date.now(),
            tags: [
              { key: 'promotion.experiment.model', value: model },
              { key: 'promotion.experiment.version', value: version }
            ]
          }
        })
      ).run.info.run_id
    await this.logMetrics(runId, counts, { step: window })
    return runId
  }

  /**
   * Logs one window to a version's MLflow 3 logged model with a dataset (`log_metric(…, model_id=…, dataset=…)`):
   * log-batch on a run of the logged model's experiment, each metric carrying the model id and the dataset.
   */
  async logLoggedModelWindow(
    model: string,
    version: string,
    dataset: string,
    window: number,
    counts: Record<string, number>
  ): Promise<void> {
    const source = (await this.getModelVersion(model, version)).source
    const modelId = /^models:\/(m-[0-9a-f]{32})$/.exec(source)?.[1]
    if (modelId === undefined) throw new Error(`${model} v${version} is not from a logged model (${source})`)
    const logged = await this.getLoggedModel(modelId)
    const created = await this.call(Responses.run, {
      method: 'POST',
      path: `${API}/runs/create`,
      body: { experiment_id: logged!.info.experiment_id, start_time: Date.now() }
    })
    await this.logMetrics(created.run.info.run_id, counts, {
      step: window,
      model_id: modelId,
      dataset_name: dataset,
      dataset_digest: 'online'
    })
  }

  /** One log-batch of metrics, each with `fields` (its step; on MLflow 3 a model id and dataset) and one timestamp. */
  async logMetrics(
    runId: string,
    metrics: Record<string, number>,
    fields: { step: number; model_id?: string; dataset_name?: string; dataset_digest?: string }
  ): Promise<void> {
    const timestamp = Date.now()
    await this.call(Responses.empty, {
      method: 'POST',
      path: `${API}/runs/log-batch`,
      body: {
        run_id: runId,
        metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp, ...fields }))
      }
    })
  }
}
