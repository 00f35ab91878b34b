import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  countApprovals,
  describeApprovals,
  reviewsBefore,
  type PeopleFacts
} from '../../src/gate/approvals.js'
import { pushersOf, type PushFacts } from '../../src/domain/pushers.js'
import {
  modelSlug,
  promotionBranch,
  rollbackBranch,
  versionOfBranch,
  versionOfRollbackBranch
} from '../../src/domain/names.js'
import { parseRecord, proposeRecord, recordPath, renderRecord } from '../../src/domain/record.js'
import type { ReviewFacts } from '../../src/github/repository.js'
import { FileProblemsError } from '../../src/domain/yaml-file.js'

const HEAD = 'f'.repeat(40)
const OLD = 'e'.repeat(40)
let nextId = 1
const review = (login: string, state: string, commitId = HEAD, isBot = false): ReviewFacts => ({
  id: nextId++,
  login,
  state,
  commitId,
  isBot
})
const people = (overrides: Partial<PeopleFacts> = {}): PeopleFacts => ({
  authors: ['github-actions[bot]'],
  inAllowedTeam: new Set(),
  writers: new Set(['alice', 'bob', 'carol', 'dave']),
  ...overrides
})
const policy = { required: 2, allowAuthorApproval: false }

describe('approval counting', () => {
  it('counts the latest deciding review per person, approved on the final head', () => {
    const count = countApprovals(
      [
        review('alice', 'CHANGES_REQUESTED'),
        review('alice', 'APPROVED'),
        review('bob', 'APPROVED'),
        review('bob', 'COMMENTED') // a later comment does not revoke an approval
      ],
      HEAD,
      policy,
      people()
    )
    expect(count).toEqual({
      approvedBy: ['alice', 'bob'],
      required: 2,
      notCounted: [],
      changesRequestedBy: []
    })
  })

  it('says why each review did not count', () => {
    const count = countApprovals(
      [
        review('renovate[bot]', 'APPROVED', HEAD, true),
        review('alice', 'APPROVED', OLD),
        review('bob', 'APPROVED'),
        review('carol', 'APPROVED'),
        review('carol', 'DISMISSED'),
        review('dave', 'APPROVED'),
        review('erin', 'APPROVED'),
        review('frank', 'APPROVED'),
        review('frank', 'CHANGES_REQUESTED')
      ],
      HEAD,
      { required: 2, approvers: ['alice', 'bob', 'erin', '@acme/leads'], allowAuthorApproval: false },
      people({
        authors: ['bob'],
        inAllowedTeam: new Set(['carol']),
        writers: new Set(['alice', 'bob', 'carol', 'dave', 'frank'])
      })
    )
    expect(count.approvedBy).toEqual([])
    expect(count.changesRequestedBy).toEqual(['frank'])
    expect(describeApprovals(count)).toBe(
      '0 of 2 required approvals; changes requested by frank; renovate[bot] not counted: is a bot; ' +
        'alice not counted: approved an earlier commit (eeeeeee), not the final fffffff; ' +
        'bob not counted: is an author of the pull request; carol not counted: their review was dismissed; ' +
        'dave not counted: is not on the policy’s approver list; erin not counted: has no write access to the repository'
    )
  })

  it('counts a request for changes only from someone with write access, as branch protection does', () => {
    const reviews = [
      review('alice', 'APPROVED'),
      review('bob', 'APPROVED'),
      review('outsider', 'CHANGES_REQUESTED')
    ]
    const count = countApprovals(reviews, HEAD, policy, people())
    expect(count.approvedBy).toEqual(['alice', 'bob'])
    expect(count.changesRequestedBy).toEqual([])
    expect(describeApprovals(count)).toContain(
      'outsider not counted: has no write access, so their request for changes does not block'
    )
    const fromWriter = countApprovals(
      [...reviews, review('carol', 'CHANGES_REQUESTED')],
      HEAD,
      policy,
      people()
    )
    expect(fromWriter.changesRequestedBy).toEqual(['carol'])
  })

  it('keeps only the reviews submitted before the decision', () => {
    const at = (login: string, submittedAt?: string) => ({ ...review(login, 'APPROVED'), submittedAt })
    const reviews = [at('alice', '2026-12-01T10:00:00Z'), at('bob', '2026-12-01T10:00:01Z'), at('carol')]
    expect(reviewsBefore(reviews, '2026-12-01T10:00:00Z').map(r => r.login)).toEqual(['alice'])
    expect(reviewsBefore(reviews, undefined)).toHaveLength(3)
  })

  it('lets an author approve only when the policy allows it, and matches logins without regard to case', () => {
    const reviews = [review('Alice', 'APPROVED')]
    expect(countApprovals(reviews, HEAD, policy, people({ authors: ['alice'] })).approvedBy).toEqual([])
    expect(
      countApprovals(reviews, HEAD, { ...policy, allowAuthorApproval: true }, people({ authors: ['alice'] }))
        .approvedBy
    ).toEqual(['Alice'])
  })

  it('never counts more approvals than distinct eligible people', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            login: fc.constantFrom('alice', 'bob', 'carol', 'bot[bot]'),
            state: fc.constantFrom('APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED'),
            head: fc.boolean()
          })
        ),
        reviews => {
          const facts = reviews.map(r =>
            review(r.login, r.state, r.head ? HEAD : OLD, r.login.endsWith('[bot]'))
          )
          const count = countApprovals(facts, HEAD, policy, people())
          expect(new Set(count.approvedBy).size).toBe(count.approvedBy.length)
          expect(count.approvedBy).not.toContain('bot[bot]')
          for (const login of count.approvedBy) {
            const last = facts.filter(f => f.login === login && f.state !== 'COMMENTED').at(-1)
            expect(last).toMatchObject({ state: 'APPROVED', commitId: HEAD })
          }
        }
      )
    )
  })
})

describe('promotion records', () => {
  it('round-trips through the file format', () => {
    const text = renderRecord('fraud-detector', [
      { version: '7', traffic: 90 },
      { version: '8', traffic: 10 }
    ])
    expect(text).toContain(
      'model: fraud-detector\nproduction:\n  - version: 7\n    traffic: 90\n  - version: 8\n    traffic: 10\n'
    )
    expect(parseRecord(text, 'r.yml').production).toEqual([
      { version: '7', traffic: 90 },
      { version: '8', traffic: 10 }
    ])
    expect(renderRecord('m', [{ version: '3', traffic: 100 }])).toContain('production:\n  - version: 3\n')
  })

  it.each([
    [
      'model: m\nproduction: []\n',
      2,
      13,
      'production: a model keeps at least one production version: `production` may not be empty'
    ],
    [
      'model: m\nproduction:\n  - version: 1\n    traffic: 60\n  - version: 2\n    traffic: 30\n',
      3,
      3,
      'production: the traffic weights sum to 90, not 100'
    ],
    [
      'model: m\nproduction:\n  - version: 1\n    traffic: 50\n  - version: 2\n',
      5,
      5,
      'production[1]: with several production versions each needs `traffic`'
    ],
    [
      'model: m\nproduction:\n  - version: 1\n    traffic: 50\n  - version: 1\n    traffic: 50\n',
      5,
      14,
      'production[1].version: version 1 is listed twice'
    ],
    [
      'model: m\nproduction:\n  - version: one\n',
      3,
      14,
      'production[0].version: a version is a whole number from 1, such as 7'
    ],
    ['model: m\nproduction:\n  - version: 1\n    weight: 100\n', 4, 5, 'production[0]: unknown key `weight`']
  ])('rejects %j at line %i, column %i', (text, line, column, message) => {
    let error: unknown
    try {
      parseRecord(text, '.github/models/m.yml')
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(FileProblemsError)
    expect((error as FileProblemsError).problems[0]).toEqual({
      file: '.github/models/m.yml',
      line,
      column,
      message
    })
  })

  it('proposes the new version alone, or with 10 % next to the current weights', () => {
    expect(proposeRecord([{ version: '7', traffic: 100 }], '8', 'replace')).toEqual([
      { version: '8', traffic: 100 }
    ])
    expect(proposeRecord([{ version: '7', traffic: 100 }], '8', 'ab')).toEqual([
      { version: '7', traffic: 90 },
      { version: '8', traffic: 10 }
    ])
    expect(
      proposeRecord(
        [
          { version: '6', traffic: 50 },
          { version: '7', traffic: 50 }
        ],
        '8',
        'ab'
      )
    ).toEqual([
      { version: '6', traffic: 45 },
      { version: '7', traffic: 45 },
      { version: '8', traffic: 10 }
    ])
    expect(proposeRecord([], '1', 'ab')).toEqual([{ version: '1', traffic: 100 }])
  })

  it('keeps weights summing to 100 whatever the current ones are', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 6 }), weights => {
        const current = weights.map((traffic, i) => ({ version: String(i + 1), traffic }))
        const proposed = proposeRecord(current, '99', 'ab')
        expect(proposed.reduce((sum, e) => sum + e.traffic, 0)).toBe(100)
        expect(proposed.at(-1)).toEqual({ version: '99', traffic: 10 })
      })
    )
  })

  it('maps every model name to one file and one branch', () => {
    expect(recordPath('.github/models/', 'fraud-detector')).toBe('.github/models/fraud-detector.yml')
    expect(recordPath('.github/models', 'team/fraud: v2')).toBe('.github/models/team%2Ffraud%3A v2.yml')
    expect(recordPath('.github/models', '..')).toBe('.github/models/%2E..yml')
    expect(promotionBranch('fraud-detector', '7')).toBe('promotion/fraud-detector/v7')
    expect(modelSlug('fraud detector.v2 café-模型')).toMatch(/^fraud-detector\.v2-caf-[0-9a-f]{8}$/)
    expect(modelSlug('a b')).not.toBe(modelSlug('a_b'))
    expect(versionOfBranch('fraud-detector', 'promotion/fraud-detector/v12')).toBe('12')
    expect(versionOfBranch('fraud-detector', 'promotion/fraud-detector-2/v12')).toBeUndefined()
  })

  it('names rollback branches, with the suffixes a rollback falls back to when its branch is taken', () => {
    expect(rollbackBranch('fraud-detector', '3')).toBe('promotion/fraud-detector/rollback-v3')
    expect(rollbackBranch('fraud-detector', '3', 'run-42')).toBe(
      'promotion/fraud-detector/rollback-v3-run-42'
    )
    for (const branch of [
      'promotion/fraud-detector/rollback-v3',
      'promotion/fraud-detector/rollback-v3-run-42',
      'promotion/fraud-detector/rollback-v3-0123456789ab'
    ]) {
      expect(versionOfRollbackBranch('fraud-detector', branch)).toBe('3')
    }
    for (const branch of [
      'promotion/fraud-detector/rollback-v3-anything',
      'promotion/fraud-detector/rollback-v3-run-',
      'promotion/fraud-detector/v3'
    ]) {
      expect(versionOfRollbackBranch('fraud-detector', branch)).toBeUndefined()
    }
  })
})

describe('authors from pushes', () => {
  const push = (type: string, actor: string | undefined, after: string, isBot = false): PushFacts => ({
    type,
    actor,
    actorIsBot: isBot,
    before: '0'.repeat(40),
    after,
    at: '2026-12-01T10:00:00Z'
  })
  const opener = { login: 'github-actions[bot]', isBot: true }
  const A = 'a'.repeat(40)
  const B = 'b'.repeat(40)

  it('names every person who pushed since the branch was last created, and keeps automated pushes apart', () => {
    const result = pushersOf(
      [
        push('branch_creation', 'mallory', A),
        push('branch_deletion', 'mallory', A),
        push('branch_creation', 'github-actions[bot]', A, true),
        push('push', 'github-actions[bot]', B, true),
        push('push', 'alice', HEAD),
        push('push', 'Alice', HEAD)
      ],
      'promotion/m/v2',
      HEAD,
      opener
    )
    expect(result).toEqual({
      known: true,
      authors: ['alice'],
      automated: [expect.objectContaining({ after: A }), expect.objectContaining({ after: B })]
    })
  })

  it('counts a person who opened the pull request as an author', () => {
    const result = pushersOf([push('push', 'github-actions[bot]', HEAD, true)], 'b', HEAD, {
      login: 'dave',
      isBot: false
    })
    expect(result).toMatchObject({ known: true, authors: ['dave'] })
  })

  it('cannot tell the authors when GitHub lists no push, no push of the head, or a push without an account', () => {
    expect(pushersOf([], 'b', HEAD, opener)).toMatchObject({
      known: false,
      why: expect.stringContaining('no pushes')
    })
    expect(pushersOf([push('push', 'alice', A)], 'b', HEAD, opener)).toMatchObject({
      known: false,
      why: expect.stringContaining('is not the head commit')
    })
    expect(pushersOf([push('push', undefined, HEAD)], 'b', HEAD, opener)).toMatchObject({
      known: false,
      why: expect.stringContaining('names no account')
    })
  })
})
