import type { MlflowClient } from './client.js'
import { isNotFound } from './errors.js'
import type { Lifecycle } from './lifecycle/index.js'
import type { Metric, ModelVersion } from '../domain/registry-model.js'
import { parseSignature, type ModelSignature } from '../domain/signature.js'
import type {
  DatasetMetric,
  Evidence,
  EvidenceOptions,
  RunEvidence,
  VersionEvidence
} from '../domain/evidence.js'

const REDACTED_RUN_ID = 'REDACTED-RUN-ID'
const LOGGED_MODEL_SOURCE = /^models:\/(m-[0-9a-f]{32})$/

/** The MLflow 3 logged model a version was registered from (its source `models:/m-…`), if any. */
export const loggedModelIdOf = (version: ModelVersion): string | undefined =>
  LOGGED_MODEL_SOURCE.exec(version.source)?.[1]

/** Resolves `latest` or a version number to the model version; throws RESOURCE_DOES_NOT_EXIST errors as they come. */
export async function resolveVersion(
  client: MlflowClient,
  model: string,
  version: string
): Promise<ModelVersion> {
  if (version === 'latest') {
    const latest = await client.latestModelVersion(model)
    if (latest === undefined) {
      await client.getRegisteredModel(model) // a missing model gets MLflow's own RESOURCE_DOES_NOT_EXIST error
      throw new Error(`Registered model "${model}" has no versions yet.`)
    }
    return latest
  }
  return client.getModelVersion(model, version)
}

/**
 * Gathers the evidence for a candidate version (a number, `latest`, or an already read version) and the current
 * production versions, concurrently.
 */
export async function gatherEvidence(
  client: MlflowClient,
  lifecycle: Lifecycle,
  model: string,
  version: string | ModelVersion,
  options: EvidenceOptions = {},
  /** Versions already being read (the report's recent-versions search): a production version found there is not read again. */
  known: Promise<ModelVersion[]> = Promise.resolve([])
): Promise<Evidence> {
  const registered = client.getRegisteredModel(model)
  const [registeredModel, candidateVersion, production] = await Promise.all([
    registered,
    typeof version === 'string' ? resolveVersion(client, model, version) : version,
    registered.then(r => lifecycle.productionVersions(model, r))
  ])
  const productionVersions = production.filter(v => v !== candidateVersion.version)
  const aliasesOf = (v: string): string[] =>
    registeredModel.aliases.filter(alias => alias.version === v).map(alias => alias.alias)
  const [candidate, ...champions] = await Promise.all([
    versionEvidence(client, candidateVersion, aliasesOf(candidateVersion.version), options),
    ...productionVersions.map(async v => {
      const read = (await known).find(k => k.version === v) ?? (await client.getModelVersion(model, v))
      return versionEvidence(client, read, aliasesOf(v), options)
    })
  ])
  return { registeredModel, candidate, champions, production }
}

export async function versionEvidence(
  client: MlflowClient,
  version: ModelVersion,
  aliases: string[],
  options: EvidenceOptions = {}
): Promise<VersionEvidence> {
  const loggedModelId = loggedModelIdOf(version)
  const [runPart, loggedPart, signaturePart] = await Promise.all([
    readRun(client, version.run_id, options.historyKeys ?? []),
    options.datasetMetrics === false
      ? Promise.resolve({ datasetMetrics: [], loggedModelProblem: 'not read: no rule names a dataset' })
      : readLoggedModel(client, loggedModelId),
    readSignature(client, version)
  ])
  return {
    model: version.name,
    version,
    aliases,
    ...runPart,
    loggedModelId,
    ...loggedPart,
    ...signaturePart
  }
}

async function readRun(
  client: MlflowClient,
  runId: string | undefined,
  historyKeys: string[]
): Promise<{ run?: RunEvidence; runProblem?: string }> {
  if (runId === undefined || runId === '' || runId === REDACTED_RUN_ID) {
    return { runProblem: 'no MLflow run is linked to this version' }
  }
  try {
    const run = await client.getRun(runId)
    const wanted = historyKeys.filter(key => run.data.metrics.some(metric => metric.key === key))
    const histories = await Promise.all(wanted.map(key => client.getMetricHistory(runId, key)))
    const evidence: RunEvidence = {
      runId,
      experimentId: run.info.experiment_id,
      name: run.info.run_name,
      status: run.info.status,
      lifecycleStage: run.info.lifecycle_stage,
      startTime: run.info.start_time,
      endTime: run.info.end_time,
      metrics: latestByKey(run.data.metrics),
      params: Object.fromEntries(run.data.params.map(p => [p.key, p.value])),
      tags: Object.fromEntries(run.data.tags.map(t => [t.key, t.value])),
      datasets: [...new Set((run.inputs?.dataset_inputs ?? []).map(input => input.dataset.name))],
      history: Object.fromEntries(wanted.map((key, i) => [key, histories[i].map(metric => metric.value)]))
    }
    if (run.info.lifecycle_stage === 'deleted') {
      return { run: evidence, runProblem: `run ${runId} has been deleted` }
    }
    return { run: evidence }
  } catch (error) {
    if (isNotFound(error)) return { runProblem: `run ${runId} no longer exists (it was deleted permanently)` }
    throw error
  }
}

function latestByKey(metrics: Metric[]): Record<string, number> {
  const result: Record<string, number> = {}
  const steps: Record<string, number> = {}
  for (const metric of metrics) {
    // runs/get already returns the latest value per key; datasets can repeat a key, keep the newest step.
    if (steps[metric.key] === undefined || metric.step >= steps[metric.key]) {
      result[metric.key] = metric.value
      steps[metric.key] = metric.step
    }
  }
  return result
}

async function readLoggedModel(
  client: MlflowClient,
  modelId: string | undefined
): Promise<{ datasetMetrics: DatasetMetric[]; loggedModelProblem?: string }> {
  if (modelId === undefined) {
    return {
      datasetMetrics: [],
      loggedModelProblem:
        'this version is not backed by an MLflow 3 logged model, so it has no dataset metrics'
    }
  }
  try {
    const logged = await client.getLoggedModel(modelId)
    if (logged === undefined) {
      return {
        datasetMetrics: [],
        loggedModelProblem: 'the server is MLflow 2.x, which has no logged models'
      }
    }
    const datasetMetrics = logged.data.metrics
      .filter(metric => metric.dataset_name !== undefined && metric.dataset_name !== '')
      .map(metric => ({
        key: metric.key,
        value: metric.value,
        dataset: metric.dataset_name!,
        step: metric.step
      }))
    return { datasetMetrics }
  } catch (error) {
    if (isNotFound(error))
      return { datasetMetrics: [], loggedModelProblem: `logged model ${modelId} was not found` }
    throw error
  }
}

async function readSignature(
  client: MlflowClient,
  version: ModelVersion
): Promise<{ signature?: ModelSignature; signatureProblem?: string }> {
  let text: string | undefined
  try {
    text = await client.getModelVersionArtifact(version.name, version.version, 'MLmodel')
  } catch (error) {
    return { signatureProblem: `the MLmodel file could not be read: ${(error as Error).message}` }
  }
  if (text === undefined) return { signatureProblem: 'the version has no MLmodel file' }
  try {
    const signature = parseSignature(text)
    return signature === undefined
      ? { signatureProblem: 'the model was logged without a signature' }
      : { signature }
  } catch (error) {
    return { signatureProblem: (error as Error).message }
  }
}
