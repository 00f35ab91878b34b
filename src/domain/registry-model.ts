import { z } from 'zod'

// Shapes of MLflow's REST answers (mlflow/protos). MLflow omits unset and empty fields, hence the defaults.
// Objects are not strict: newer servers add fields, which must not break older clients.

const keyValue = z.object({ key: z.string(), value: z.string().default('') })
const int64 = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number)
])

export const ModelVersionSchema = z.object({
  name: z.string(),
  version: z.string(),
  creation_timestamp: int64.optional(),
  last_updated_timestamp: int64.optional(),
  user_id: z.string().optional(),
  current_stage: z.string().default('None'),
  description: z.string().optional(),
  source: z.string().default(''),
  run_id: z.string().optional(),
  status: z.string().optional(),
  status_message: z.string().optional(),
  tags: z.array(keyValue).default([]),
  run_link: z.string().optional(),
  aliases: z.array(z.string()).default([])
})
export type ModelVersion = z.infer<typeof ModelVersionSchema>

export const RegisteredModelSchema = z.object({
  name: z.string(),
  creation_timestamp: int64.optional(),
  last_updated_timestamp: int64.optional(),
  description: z.string().optional(),
  latest_versions: z.array(ModelVersionSchema).default([]),
  tags: z.array(keyValue).default([]),
  aliases: z.array(z.object({ alias: z.string(), version: z.string() })).default([])
})
export type RegisteredModel = z.infer<typeof RegisteredModelSchema>

export const MetricSchema = z.object({
  key: z.string(),
  // MLflow writes NaN and infinities as strings or bare tokens depending on version; keep them as numbers.
  value: z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity']).transform(Number)]),
  timestamp: int64.optional(),
  step: int64.default(0),
  dataset_name: z.string().optional(),
  dataset_digest: z.string().optional(),
  model_id: z.string().optional(),
  run_id: z.string().optional()
})
export type Metric = z.infer<typeof MetricSchema>

export const RunSchema = z.object({
  info: z.object({
    run_id: z.string(),
    run_name: z.string().optional(),
    experiment_id: z.string(),
    status: z.string().default('RUNNING'),
    start_time: int64.optional(),
    end_time: int64.optional(),
    artifact_uri: z.string().optional(),
    lifecycle_stage: z.string().default('active')
  }),
  data: z
    .object({
      metrics: z.array(MetricSchema).default([]),
      params: z.array(keyValue).default([]),
      tags: z.array(keyValue).default([])
    })
    .default({ metrics: [], params: [], tags: [] }),
  inputs: z
    .object({
      dataset_inputs: z
        .array(
          z.object({
            dataset: z.object({ name: z.string(), digest: z.string().optional() }).loose()
          })
        )
        .default([])
    })
    .loose()
    .optional()
})
export type Run = z.infer<typeof RunSchema>

export const LoggedModelSchema = z.object({
  info: z.object({
    model_id: z.string(),
    experiment_id: z.string().optional(),
    name: z.string().optional(),
    artifact_uri: z.string().optional(),
    status: z.string().optional(),
    source_run_id: z.string().optional(),
    tags: z.array(keyValue).default([])
  }),
  data: z.object({ metrics: z.array(MetricSchema).default([]) }).default({ metrics: [] })
})
export type LoggedModel = z.infer<typeof LoggedModelSchema>

export const Responses = {
  registeredModel: z.object({ registered_model: RegisteredModelSchema }),
  registeredModels: z.object({
    registered_models: z.array(RegisteredModelSchema).default([]),
    next_page_token: z.string().optional()
  }),
  modelVersion: z.object({ model_version: ModelVersionSchema }),
  modelVersions: z.object({
    model_versions: z.array(ModelVersionSchema).default([]),
    next_page_token: z.string().optional()
  }),
  run: z.object({ run: RunSchema }),
  runs: z.object({ runs: z.array(RunSchema).default([]), next_page_token: z.string().optional() }),
  metricHistory: z.object({
    metrics: z.array(MetricSchema).default([]),
    next_page_token: z.string().optional()
  }),
  loggedModel: z.object({ model: LoggedModelSchema }),
  experiment: z.object({
    experiment: z.object({
      experiment_id: z.string(),
      name: z.string(),
      lifecycle_stage: z.string().optional()
    })
  }),
  empty: z.object({}).loose()
}
