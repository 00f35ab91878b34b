import { describe, expect, it } from '@jest/globals'
import { planArchival } from '../../src/domain/retention.js'
import type { ModelVersion } from '../../src/domain/registry-model.js'

const NOW = new Date('2026-11-26T12:00:00Z')
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString()

function version(
  v: string,
  stage: string,
  tags: Record<string, string> = {},
  createdDaysAgo = 100
): ModelVersion {
  return {
    name: 'm',
    version: v,
    current_stage: stage,
    source: '',
    aliases: [],
    creation_timestamp: Date.parse(daysAgo(createdDaysAgo)),
    tags: Object.entries(tags).map(([key, value]) => ({ key, value }))
  }
}

describe('retention planning', () => {
  const passed = (days: number) => ({
    'promotion.decision': 'passed',
    'promotion.evaluated_at': daysAgo(days)
  })

  it('archives staging versions past the window and protects production, aliased and roll-back versions', () => {
    const versions = [
      version('1', 'Archived', { 'promotion.archived_at': daysAgo(50) }),
      version('2', 'Staging', passed(40)), // previous production, kept for rollback
      version('3', 'Staging', passed(40)),
      version('4', 'Staging', passed(10)),
      version('5', 'Staging', passed(45)), // holds an alias
      version('6', 'None', { 'promotion.decision': 'failed', 'promotion.evaluated_at': daysAgo(90) }),
      version('7', 'Production', { 'promotion.previous_production': '2', ...passed(60) }),
      version('8', 'Staging', {}, 31) // never evaluated: registered 31 days ago
    ]
    const plan = planArchival(
      'm',
      versions,
      [{ alias: 'shadow', version: '5' }],
      ['7'],
      { archive_staging_after_days: 30, keep_archived: 2 },
      'stages',
      NOW
    )
    expect(plan.archive).toEqual([
      { version: '3', reason: 'in staging for 40 days without promotion (retention: 30 days)' },
      { version: '8', reason: 'in staging for 31 days without promotion (retention: 30 days)' }
    ])
    expect(plan.protected).toEqual([
      { version: '2', reason: 'the version production would roll back to' },
      { version: '5', reason: 'holds alias shadow' }
    ])
    // Archived after this run: 1, 3, 8; keep the newest 2.
    expect(plan.beyondKeep).toEqual(['1'])
  })

  it('treats passed, never-promoted versions as staging in the aliases lifecycle', () => {
    const versions = [
      version('1', 'None', passed(40)),
      version('2', 'None', { ...passed(40), 'promotion.promoted_at': daysAgo(39) }),
      version('3', 'None', { ...passed(40), 'promotion.archived_at': daysAgo(5) }),
      version('4', 'None', passed(40))
    ]
    const plan = planArchival(
      'm',
      versions,
      [{ alias: 'challenger', version: '4' }],
      [],
      { archive_staging_after_days: 30 },
      'aliases',
      NOW
    )
    expect(plan.archive.map(step => step.version)).toEqual(['1'])
    expect(plan.protected).toEqual([{ version: '4', reason: 'holds alias challenger' }])
    expect(plan.beyondKeep).toEqual([])
  })

  it('plans nothing without an archive window', () => {
    const plan = planArchival('m', [version('1', 'Staging', passed(400))], [], [], {}, 'stages', NOW)
    expect(plan).toEqual({ model: 'm', archive: [], beyondKeep: [], protected: [] })
  })
})
