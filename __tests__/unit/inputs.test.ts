import { describe, expect, it } from '@jest/globals'
import { readInputs } from '../../src/inputs.js'

const reader =
  (values: Record<string, string>) =>
  (name: string): string =>
    values[name] ?? ''

describe('action inputs', () => {
  it('applies the documented defaults', () => {
    const inputs = readInputs(reader({}))
    expect(inputs).toMatchObject({
      command: 'evaluate',
      policy: '.github/model-promotion.yml',
      dryRun: false,
      openPr: true,
      failOnReject: true,
      failOnDrift: false
    })
    expect(inputs.model).toBeUndefined()
    expect(inputs.version).toBeUndefined()
  })

  it('accepts a version number or latest', () => {
    expect(readInputs(reader({ version: '12' })).version).toBe('12')
    expect(readInputs(reader({ version: 'latest' })).version).toBe('latest')
  })

  it('lists every bad input in one message', () => {
    expect(() => readInputs(reader({ command: 'deploy', version: 'v1', 'dry-run': 'yes' }))).toThrow(
      'Invalid input: input `command` must be one of evaluate, verify, promote, rollback, archive, audit, experiment, got "deploy"; input `version` must be a version number or `latest`; input `dry-run` must be true or false, got "yes"'
    )
  })
})
