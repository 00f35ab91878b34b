import { describe, expect, it } from '@jest/globals'
import {
  mergedRecordCheck,
  originCheck,
  recordValidityCheck,
  strategyCheck,
  targetCheck
} from '../../src/domain/checks.js'

/** The gate's pure checks, one by one; `reviewPullRequest` composes them with the facts it reads. */
describe('the gate’s checks', () => {
  it('targetCheck: merged into the default branch at merge, aimed at it while open', () => {
    expect(targetCheck({ baseRef: 'main', merged: true }, 'main', true)).toMatchObject({ passed: true })
    expect(targetCheck({ baseRef: 'release', merged: true }, 'main', true)).toEqual({
      check: 'merged into the default branch',
      passed: false,
      detail: 'merged into release, not the default branch main'
    })
    expect(targetCheck({ baseRef: 'main', merged: false }, 'main', true)).toMatchObject({
      passed: false,
      detail: 'not merged'
    })
    expect(targetCheck({ baseRef: 'main', merged: false }, 'main', false)).toMatchObject({
      check: 'targets the default branch',
      passed: true
    })
  })

  it('originCheck: a branch of this repository, never a fork or a deleted one', () => {
    expect(originCheck({ headRepo: 'acme/models', headRef: 'promotion/m/v2' }, 'acme/models').passed).toBe(
      true
    )
    expect(originCheck({ headRepo: 'mallory/models', headRef: 'x' }, 'acme/models')).toMatchObject({
      passed: false,
      detail: 'head branch lives in mallory/models (pull requests from forks are never promoted)'
    })
    expect(originCheck({ headRef: 'x' }, 'acme/models').detail).toContain('a deleted repository')
  })

  it('mergedRecordCheck: the record at the merge commit is the one approved at the head', () => {
    const file = '.github/models/m.yml'
    const record = 'model: m\nproduction:\n  - version: 2\n'
    expect(
      mergedRecordCheck(
        file,
        { sha: 'a'.repeat(40), content: record },
        { sha: 'b'.repeat(40), content: record }
      ).passed
    ).toBe(true)
    expect(
      mergedRecordCheck(
        file,
        { sha: 'a'.repeat(40), content: record.replace('2', '3') },
        { sha: 'b'.repeat(40), content: record }
      )
    ).toMatchObject({
      passed: false,
      detail: `${file} at the merge commit aaaaaaa differs from ${file} at the approved head bbbbbbb`
    })
    expect(
      mergedRecordCheck(
        file,
        { sha: 'a'.repeat(40), content: record },
        { sha: 'b'.repeat(40), content: undefined }
      ).passed
    ).toBe(false)
  })

  it('recordValidityCheck: its own file, a covered model, and the versions in words', () => {
    const record = {
      model: 'm',
      production: [
        { version: '7', traffic: 90 },
        { version: '8', traffic: 10 }
      ]
    }
    expect(recordValidityCheck(record, '.github/models/m.yml', '.github/models/m.yml', true)).toEqual({
      check: 'record is valid',
      passed: true,
      detail: 'model m: production v7 (90%), v8 (10%)'
    })
    expect(recordValidityCheck(record, '.github/models/n.yml', '.github/models/m.yml', true).detail).toBe(
      'the record names model "m", whose record file is .github/models/m.yml, not .github/models/n.yml'
    )
    expect(recordValidityCheck(record, '.github/models/m.yml', '.github/models/m.yml', false)).toMatchObject({
      passed: false,
      detail: 'the policy has no entry for model "m"'
    })
  })

  it('strategyCheck: several production versions only with strategy ab', () => {
    expect(strategyCheck('replace', 1).passed).toBe(true)
    expect(strategyCheck('ab', 2).passed).toBe(true)
    expect(strategyCheck('replace', 2)).toMatchObject({
      passed: false,
      detail: "the policy's strategy is replace, but the record lists 2 production versions"
    })
  })
})
