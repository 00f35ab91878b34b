import { z } from 'zod'
import { PolicySchema } from './schema.js'

/** The policy's JSON Schema (draft 2020-12), generated from the zod schema, for editors and other tools. */
export function policyJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(PolicySchema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any'
  })
  return {
    ...schema,
    $id: 'https://github.com/mlflow-promotion-gate/mlflow-promotion-gate/blob/main/schema/model-promotion.schema.json',
    title: 'MLflow Promotion Gate policy'
  }
}
