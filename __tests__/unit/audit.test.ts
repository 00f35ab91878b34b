import { describe, expect, it } from '@jest/globals'
import { detectDrift } from '../../src/domain/drift.js'
import { lifecycleHistory } from '../../src/domain/history.js'
import type { ModelVersion } from '../../src/domain/registry-model.js'

function version(v: string, tags: Record<string, string> = {}): ModelVersion {
  return {
    name: 'm',
    version: v,
    current_stage: 'None',
    source: '',
    aliases: [],
    tags: Object.entries(tags).map(([key, value]) => ({ key, value }))
  }
}

describe('drift', () => {
  const file = '.github/models/m.yml'

  it('is nothing when the registry matches the record, weights included', () => {
    const versions = [
      version('7', { 'promotion.traffic': '90' }),
      version('8', { 'promotion.traffic': '10' })
    ]
    const record = [
      { version: '7', traffic: 90 },
      { version: '8', traffic: 10 }
    ]
    expect(detectDrift('m', record, ['7', '8'], versions, file)).toBeUndefined()
    expect(detectDrift('m', undefined, [], [], file)).toBeUndefined()
  })

  it('names versions on either side, another primary, and changed weights', () => {
    expect(detectDrift('m', [{ version: '7', traffic: 100 }], ['8'], [], file)?.differences).toEqual([
      'v7 is in the record but not in production',
      'v8 is in production but not in the record'
    ])
    const versions = [
      version('7', { 'promotion.traffic': '50' }),
      version('8', { 'promotion.traffic': '10' })
    ]
    const record = [
      { version: '7', traffic: 90 },
      { version: '8', traffic: 10 }
    ]
    expect(detectDrift('m', record, ['8', '7'], versions, file)?.differences).toEqual([
      'the primary production version is v8, the record says v7',
      'v7 carries traffic 50, the record says 90'
    ])
  })

  it('reports production without a record, and says what to do', () => {
    const drift = detectDrift('m', undefined, ['3'], [], file)
    expect(drift?.differences).toEqual([`production is v3 but ${file} does not exist`])
    expect(drift?.advice).toContain(`merge a pull request creating ${file}`)
  })
})

describe('lifecycle history', () => {
  it('reads promotions, rollbacks, archives and evaluations from the tags, newest first', () => {
    const history = lifecycleHistory([
      version('1', {
        'promotion.evaluated_at': '2026-01-01T00:00:00Z',
        'promotion.decision': 'passed',
        'promotion.promoted_at': '2026-01-02T00:00:00Z',
        'promotion.merged_by': 'carol',
        'promotion.approved_by': 'alice,bob',
        'promotion.merge_sha': 'abcdef0123',
        'promotion.previous_production': 'none',
        'promotion.pr': 'https://github.com/acme/models/pull/1'
      }),
      version('2', {
        'promotion.rolled_back_at': '2026-01-05T00:00:00Z',
        'promotion.rolled_back_by': 'dave',
        'promotion.rolled_back_to': '1',
        'promotion.rollback_reason': 'latency',
        'promotion.archived_at': '2026-01-05T00:00:01Z',
        'promotion.archived_reason': 'rolled back to v1: latency'
      })
    ])
    expect(history.map(e => [e.at.slice(0, 10), e.version, e.kind, e.by])).toEqual([
      ['2026-01-05', '2', 'archived', undefined],
      ['2026-01-05', '2', 'rolled back', 'dave'],
      ['2026-01-02', '1', 'promoted', 'carol'],
      ['2026-01-01', '1', 'evaluated', undefined]
    ])
    expect(history[2]).toMatchObject({
      detail: 'approved by alice,bob, merged as abcdef0, replacing none',
      link: 'https://github.com/acme/models/pull/1'
    })
    expect(history[1].detail).toBe('to v1: latency')
  })
})
