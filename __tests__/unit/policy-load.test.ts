import { describe, expect, it } from '@jest/globals'
import { parsePolicy, PolicyError } from '../../src/policy/load.js'
import { CORPUS, VALID } from './policy-corpus.js'

const FILE = '.github/model-promotion.yml'

describe('policy loading', () => {
  it('parses a valid policy', () => {
    const policy = parsePolicy(VALID, FILE)
    expect(policy.models['fraud-detector'].staging.rules).toEqual([{ metric: 'accuracy', min: 0.95 }])
  })

  it('parses every rule kind of the documented example', () => {
    const policy = parsePolicy(
      `# yaml-language-server: $schema=../schema/model-promotion.schema.json
version: 1
registry:
  lifecycle: aliases
  aliases: { staging: challenger, production: champion }
records: .github/models
models:
  fraud-detector:
    staging:
      rules:
        - metric: accuracy
          min: 0.95
        - metric: latency_p95_ms
          max: 100
        - metric: f1
          baseline: champion
          direction: higher
          max_regression: 0.005
        - metric: auc
          dataset: holdout
          min: 0.9
        - metric: loss
          aggregate: mean
          steps: 3
          max: 0.5
        - signature: required
        - tag: validation_status
          equals: passed
        - param: solver
          matches: "^lbfgs$"
        - run_status: FINISHED
        - max_age_days: 14
        - any:
            - metric: recall
              min: 0.9
            - metric: precision
              min: 0.95
          severity: warn
      on_missing: fail
    production:
      approvals: 2
      approvers: [octocat, "@my-org/ml-leads"]
      allow_author_approval: false
      strategy: replace
    retention:
      archive_staging_after_days: 30
      keep_archived: 10
`,
      FILE
    )
    expect(policy.models['fraud-detector'].staging.rules).toHaveLength(11)
    expect(policy.models['fraud-detector'].production?.approvals).toBe(2)
  })

  it.each(CORPUS)('rejects %s with the exact problem and position', (_name, text, expected) => {
    let error: unknown
    try {
      parsePolicy(text, FILE)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(PolicyError)
    const problems = (error as PolicyError).problems
    expect(problems.map(p => `${p.line}:${p.column}: ${p.message}`)).toEqual(expected)
    expect(problems.every(p => p.file === FILE)).toBe(true)
    expect((error as Error).message.split('\n')[0]).toBe(`${FILE}:${expected[0]}`)
  })

  it('refuses a policy larger than 256 KiB', () => {
    expect(() => parsePolicy(`# ${'x'.repeat(300 * 1024)}\n${VALID}`, FILE)).toThrow(
      /larger than 262144 bytes/
    )
  })
})
