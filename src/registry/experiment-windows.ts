import {
  armPath,
  ExperimentDataError,
  metricKeys,
  type ArmPath,
  type MetricPoint,
  type MetricSpec
} from '../domain/experiment/windows.js'
import type { MlflowClient } from './client.js'
import { quote } from './client.js'
import type { ModelVersion } from '../domain/registry-model.js'
import { loggedModelIdOf } from './evidence.js'

// Where the serving layer's windows are (examples/serving/promotion_gate_windows.py writes them): one active run
// per model version, tagged with the model and the version, in one MLflow experiment.

export const EXPERIMENT_TAGS = {
  model: 'promotion.experiment.model',
  version: 'promotion.experiment.version'
} as const

export const defaultExperimentName = (model: string) => `promotion-gate/${model}`

/** The run that holds a version's online windows; refuses none, and more than one. */
export async function findWindowsRun(
  client: MlflowClient,
  experimentName: string,
  model: string,
  version: string
): Promise<string> {
  const experiment = await client.getExperimentByName(experimentName)
  if (experiment === undefined) {
    throw new ExperimentDataError(
      `MLflow has no experiment named ${experimentName}: the serving layer logs the online windows there`
    )
  }
  const filter = `tags.\`${EXPERIMENT_TAGS.model}\` = ${quote(model)} and tags.\`${EXPERIMENT_TAGS.version}\` = ${quote(version)}`
  const runs = (await client.searchRuns([experiment.id], filter, 10)).filter(
    run => run.info.lifecycle_stage === 'active'
  )
  if (runs.length === 0) {
    throw new ExperimentDataError(
      `${model} v${version} has no run of online windows in the experiment ${experimentName}`
    )
  }
  if (runs.length > 1) {
    throw new ExperimentDataError(
      `${model} v${version} has ${runs.length} runs of online windows in ${experimentName} (${runs.map(r => r.info.run_id).join(', ')}); the gate reads one`
    )
  }
  return runs[0].info.run_id
}

/** The histories of metric keys of one run, read at once. */
export async function readHistories(
  client: MlflowClient,
  runId: string,
  keys: string[]
): Promise<Record<string, MetricPoint[]>> {
  return Object.fromEntries(
    await Promise.all(
      [...new Set(keys)].map(async key => {
        const history = await client.getMetricHistory(runId, key)
        return [key, history.map(point => ({ step: point.step, value: point.value }))] as const
      })
    )
  )
}

/** One version's windows of one metric, added up: every key's history read, then checked and summed. */
export async function readArmPath(
  client: MlflowClient,
  runId: string,
  version: string,
  spec: MetricSpec
): Promise<ArmPath> {
  return armPath(spec, await readHistories(client, runId, metricKeys(spec)), `run ${runId} of v${version}`)
}

/**
 * On MLflow 3, a version's windows logged to its logged model with a dataset (`log_metric(…, step=window,
 * model_id=…, dataset=…)`): the logged model returns every step of each metric, which are read as the run's
 * would be. `source` names the logged model in errors.
 */
export async function readLoggedModelHistories(
  client: MlflowClient,
  version: ModelVersion,
  dataset: string,
  keys: string[]
): Promise<{ source: string; histories: Record<string, MetricPoint[]> }> {
  const modelId = loggedModelIdOf(version)
  if (modelId === undefined) {
    throw new ExperimentDataError(
      `v${version.version} was not registered from an MLflow 3 logged model (its source is ${version.source}), so it has no windows logged with the dataset ${dataset}; log them to a run instead (drop \`dataset\` from the experiment)`
    )
  }
  const logged = await client.getLoggedModel(modelId)
  if (logged === undefined) {
    throw new ExperimentDataError(
      `the server is MLflow 2.x, which has no logged models: the experiment's \`dataset\` needs MLflow 3; log the windows to runs instead`
    )
  }
  const wanted = new Set(keys)
  const histories: Record<string, MetricPoint[]> = {}
  for (const metric of logged.data.metrics) {
    if (metric.dataset_name !== dataset || !wanted.has(metric.key)) continue
    ;(histories[metric.key] ??= []).push({ step: metric.step, value: metric.value })
  }
  for (const points of Object.values(histories)) points.sort((a, b) => a.step - b.step)
  return { source: `logged model ${modelId} of v${version.version} (dataset ${dataset})`, histories }
}
