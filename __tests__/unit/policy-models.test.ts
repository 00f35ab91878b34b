import { describe, expect, it } from '@jest/globals'
import { findModelPolicy } from '../../src/domain/policy/models.js'
import type { Policy } from '../../src/domain/policy/schema.js'

const entry = (min: number) => ({ staging: { rules: [{ metric: 'accuracy', min }] } })
const policy: Policy = {
  version: 1,
  models: { 'fraud-*': entry(0.9), 'fraud-detector': entry(0.95), '*-v[0-9]': entry(0.8) }
}

describe('model entries by exact name or glob', () => {
  it('prefers an exact name to a pattern', () => {
    expect(findModelPolicy(policy, 'fraud-detector')?.key).toBe('fraud-detector')
  })

  it('matches patterns in the order the file lists them', () => {
    expect(findModelPolicy(policy, 'fraud-scorer')?.key).toBe('fraud-*')
    expect(findModelPolicy(policy, 'churn-v2')?.key).toBe('*-v[0-9]')
  })

  it('covers nothing else', () => {
    expect(findModelPolicy(policy, 'churn')).toBeUndefined()
    expect(findModelPolicy(policy, 'FRAUD-scorer')).toBeUndefined()
  })
})
