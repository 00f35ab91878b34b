import { describe, expect, it } from '@jest/globals'
import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { policyJsonSchema } from '../../src/domain/policy/json-schema.js'

const committed = resolve(import.meta.dirname, '../../schema/model-promotion.schema.json')

describe('the published JSON Schema of the policy', () => {
  it('matches the zod schema (run `npm run schema` after changing src/domain/policy/schema.ts)', () => {
    const generated = `${JSON.stringify(policyJsonSchema(), null, 2)}\n`
    if (process.env.UPDATE_SCHEMA === '1') writeFileSync(committed, generated)
    expect(readFileSync(committed, 'utf8')).toBe(generated)
  })

  it('describes strict objects and every rule kind', () => {
    const text = JSON.stringify(policyJsonSchema())
    for (const key of ['metric', 'signature', 'tag', 'param', 'run_status', 'max_age_days', 'any', 'all']) {
      expect(text).toContain(`"${key}"`)
    }
    expect(text).toContain('"additionalProperties":false')
  })
})
