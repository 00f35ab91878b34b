import { describe, expect, it } from '@jest/globals'
import { parseRecord } from '../../src/domain/record.js'
import { parsePolicy, PolicyError } from '../../src/domain/policy/load.js'
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

  /** The problems of a file, as `line:column: message`. */
  function problemsOf(parse: () => unknown): string[] {
    try {
      parse()
    } catch (error) {
      return (error as PolicyError).problems.map(p => `${p.line}:${p.column}: ${p.message}`)
    }
    throw new Error('expected problems')
  }

  it('suggests the key meant by a typo, from the keys valid at that place', () => {
    const rule = (text: string) =>
      `version: 1\nmodels:\n  m:\n    staging:\n      rules:\n        - { ${text} }\n`
    expect(problemsOf(() => parsePolicy(rule('metric: a, mni: 1'), FILE))).toEqual([
      '6:24: models.m.staging.rules[0]: unknown key `mni`; did you mean `min`?',
      '6:11: models.m.staging.rules[0]: metric rule "a" needs `min`, `max` or `baseline: champion`'
    ])
    // The keys of the rule's own kind, at any depth: a tag rule inside `all`, a signature rule.
    expect(problemsOf(() => parsePolicy(rule('all: [ { tag: t, equal: x } ]'), FILE))).toContain(
      '6:30: models.m.staging.rules[0].all[0]: unknown key `equal`; did you mean `equals`?'
    )
    expect(problemsOf(() => parsePolicy(rule('signature: required, severty: warn'), FILE))).toEqual([
      '6:34: models.m.staging.rules[0]: unknown key `severty`; did you mean `severity`?'
    ])
    expect(problemsOf(() => parsePolicy(rule('metric: a, min: 1, max_regresion: 1'), FILE))).toEqual([
      '6:32: models.m.staging.rules[0]: unknown key `max_regresion`; did you mean `max_regression`?'
    ])
    // Other levels: the model entry, the top level.
    const stagin = VALID.replace('    staging:', '    stagin:')
    expect(problemsOf(() => parsePolicy(stagin, FILE))).toContain(
      '4:5: models.fraud-detector: unknown key `stagin`; did you mean `staging`?'
    )
    expect(problemsOf(() => parsePolicy(VALID + 'registri: {}\n', FILE))).toEqual([
      '8:1: unknown key `registri`; did you mean `registry`?'
    ])
    // Promotion records too.
    expect(
      problemsOf(() => parseRecord('model: m\nproduction:\n  - version: 1\n    trafic: 100\n', 'r.yml'))
    ).toEqual(['4:5: production[0]: unknown key `trafic`; did you mean `traffic`?'])
  })

  it('suggests nothing far from every valid key, nor a key the object already has', () => {
    const rule = (text: string) =>
      `version: 1\nmodels:\n  m:\n    staging:\n      rules:\n        - { ${text} }\n`
    expect(problemsOf(() => parsePolicy(rule('metric: a, min: 1, mni: 2'), FILE))).toEqual([
      '6:32: models.m.staging.rules[0]: unknown key `mni`'
    ])
    expect(problemsOf(() => parsePolicy(rule('metric: a, min: 1, threshold: 2'), FILE))).toEqual([
      '6:32: models.m.staging.rules[0]: unknown key `threshold`'
    ])
  })

  it('refuses a policy larger than 256 KiB', () => {
    expect(() => parsePolicy(`# ${'x'.repeat(300 * 1024)}\n${VALID}`, FILE)).toThrow(
      /larger than 262144 bytes/
    )
  })
})
