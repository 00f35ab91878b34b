import { describe, expect, it } from '@jest/globals'
import { planRollback } from '../../src/commands/rollback.js'
import type { ModelVersion } from '../../src/domain/registry-model.js'

const version = (v: string, tags: Record<string, string> = {}): ModelVersion => ({
  name: 'm',
  version: v,
  current_stage: 'None',
  source: '',
  tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
  aliases: []
})

describe('the rollback plan', () => {
  const RUN = 'acme/models#7'
  const journal = { 'promotion.rollback_run': RUN, 'promotion.rolled_back_to': '1' }

  it('resumes what this workflow run started, from its journal', () => {
    const versions = [version('1'), version('2', journal), version('3')]
    expect(planRollback('m', versions, ['1', '3'], undefined, RUN)).toEqual({
      model: 'm',
      target: '1',
      retired: ['2', '3'],
      resumed: true
    })
  })

  it('never lets a journal (registry tags anyone may write) overrule the version asked for', () => {
    const versions = [version('1'), version('2', journal), version('3')]
    expect(() => planRollback('m', versions, ['2'], '3', RUN)).toThrow(
      "This workflow run's rollback journal (on v2) says it rolled m back to v1, but the input `version` asks for v3"
    )
    expect(planRollback('m', versions, ['2'], '1', RUN).target).toBe('1')
  })

  it('needs a production version to roll back from, unless a version is given', () => {
    expect(() => planRollback('m', [version('1')], [], undefined, undefined)).toThrow(
      'm has no production version to roll back from'
    )
    expect(planRollback('m', [version('1')], [], '1', undefined)).toMatchObject({ target: '1', retired: [] })
  })
})
