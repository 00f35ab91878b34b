import { quote, type MlflowClient } from './client.js'

export interface TrendPoint {
  version: string
  metrics: Record<string, number>
}

/**
 * The latest run metrics of a model's most recent versions, oldest first, for the report's chart. Two requests
 * whatever the number of versions: one version search, one run search over the experiments already known.
 */
export async function readMetricTrend(
  client: MlflowClient,
  model: string,
  experiments: Promise<string[]>,
  limit = 10
): Promise<TrendPoint[]> {
  const [versions, experimentIds] = await Promise.all([
    client.searchModelVersions(`name=${quote(model)}`, {
      orderBy: ['version_number DESC'],
      pageSize: limit,
      limit
    }),
    experiments
  ])
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
