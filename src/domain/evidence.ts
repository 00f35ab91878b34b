import type { ModelVersion, RegisteredModel } from './registry-model.js'
import type { ModelSignature } from './signature.js'

/** What the registry holds about a candidate version and production, as the staging rules read it. */
export interface DatasetMetric {
  key: string
  value: number
  dataset: string
  step: number
}

export interface RunEvidence {
  runId: string
  experimentId: string
  name?: string
  status: string
  lifecycleStage: string
  startTime?: number
  endTime?: number
  metrics: Record<string, number>
  params: Record<string, string>
  tags: Record<string, string>
  datasets: string[]
  /** Full histories of the metrics the caller asked for, oldest step first. */
  history: Record<string, number[]>
}

/** Everything known about one model version; each `…Problem` says in plain words why a part is missing. */
export interface VersionEvidence {
  model: string
  version: ModelVersion
  aliases: string[]
  run?: RunEvidence
  runProblem?: string
  loggedModelId?: string
  datasetMetrics: DatasetMetric[]
  loggedModelProblem?: string
  signature?: ModelSignature
  signatureProblem?: string
}

export interface Evidence {
  registeredModel: RegisteredModel
  candidate: VersionEvidence
  /** The current production versions (the candidate excluded), primary first. */
  champions: VersionEvidence[]
  /** Every current production version number, primary first (the candidate included when it is one). */
  production: string[]
}

export interface EvidenceOptions {
  /** Metric keys whose whole history is needed (for aggregates). */
  historyKeys?: string[]
  /** Whether MLflow 3 logged-model (dataset) metrics are needed; default true. False saves a request per version. */
  datasetMetrics?: boolean
}
