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
