import { quote, type MlflowClient } from './client.js'
import type { TrendPoint } from '../domain/trend.js'
import type { ModelVersion } from '../domain/registry-model.js'

/** A model's most recent versions, newest first: one search. */
export async function readRecentVersions(
  client: MlflowClient,
  model: string,
  limit = 10
): Promise<ModelVersion[]> {
  return client.searchModelVersions(`name=${quote(model)}`, {
    orderBy: ['version_number DESC'],
    pageSize: limit,
    limit
  })
}

/**
 * The latest run metrics of a model's most recent versions (as read by `readRecentVersions`), oldest first, for
 * the report's chart: one run search over the experiments already known, whatever the number of versions.
 */
export async function readMetricTrend(
  client: MlflowClient,
  recent: Promise<ModelVersion[]>,
  experiments: Promise<string[]>
): Promise<TrendPoint[]> {
  const [versions, experimentIds] = await Promise.all([recent, experiments])
  if (experimentIds.length === 0) return []
  const runIds = [...new Set(versions.map(v => v.run_id).filter((id): id is string => !!id))]
  if (runIds.length === 0) return []
  const runs = await client.searchRuns(
    experimentIds,
    `attributes.run_id IN (${runIds.map(id => quote(id)).join(', ')})`,
    runIds.length
  )
  const metricsByRun = new Map(
    runs.map(run => [run.info.run_id, Object.fromEntries(run.data.metrics.map(m => [m.key, m.value]))])
  )
  return versions
    .filter(v => v.run_id && metricsByRun.has(v.run_id))
    .map(v => ({ version: v.version, metrics: metricsByRun.get(v.run_id!)! }))
    .reverse()
}
