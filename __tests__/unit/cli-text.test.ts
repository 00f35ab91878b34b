import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { displayWidth, inlineText, markdownToText, withoutColor } from '../../src/cli-text.js'
import { renderEvaluateReport, type VersionEvaluation } from '../../src/report/evaluation.js'
import { escapeMarkdown } from '../../src/report/markdown.js'
import { renderPromotion } from '../../src/report/promotion.js'

const plain = { color: false }
const hasColor = (text: string) => withoutColor(text) !== text

function evaluation(overrides: Partial<VersionEvaluation> = {}): VersionEvaluation {
  return {
    model: 'fraud_detector',
    version: '8',
    decision: 'failed',
    staging: 'not-moved',
    stagingTarget: 'alias challenger',
    evaluatedAt: '2026-11-26T12:00:00.000Z',
    dryRun: true,
    policy: { path: '.github/model-promotion.yml', sha: 'a'.repeat(40), entry: 'fraud_*' },
    links: {
      version: 'http://mlflow.local/#/models/fraud_detector/versions/8',
      run: 'http://mlflow.local/#/experiments/1/runs/abc'
    },
    run: { id: 'abc', name: 'nightly_run (v2)' },
    champion: { version: '7', url: 'http://mlflow.local/#/models/fraud_detector/versions/7' },
    rules: [
      {
        rule: 'accuracy ≥ 0.95',
        verdict: 'fail',
        blocking: true,
        observed: 0.9,
        threshold: '≥ 0.95',
        reason: 'accuracy is 0.9, below the minimum 0.95'
      },
      {
        rule: 'f1 vs champion',
        verdict: 'pass',
        blocking: true,
        observed: 0.91,
        baseline: 0.9,
        delta: 0.01,
        threshold: 'regression ≤ 0.005',
        reason: 'f1 improved'
      },
      {
        rule: 'any of 2 rules',
        verdict: 'pass',
        blocking: true,
        reason: 'at least one rule passed',
        children: [
          { rule: 'tag team = "fraud"', verdict: 'pass', blocking: true, reason: 'tag team is "fraud"' },
          {
            rule: 'param solver = "adam"',
            verdict: 'warn',
            blocking: false,
            reason: 'param solver is not set'
          }
        ]
      }
    ],
    signature: {
      diff: [
        { name: 'amount', before: 'double', after: 'double', required: true, change: 'unchanged' },
        { name: 'merchant_id', before: 'long', after: 'string', required: true, change: 'retyped' }
      ]
    },
    trend: [
      { version: '6', metrics: { accuracy: 0.93 } },
      { version: '7', metrics: { accuracy: 0.95 } },
      { version: '8', metrics: { accuracy: 0.9 } }
    ],
    keyMetrics: ['accuracy'],
    tags: {},
    ...overrides
  }
}

const report = renderEvaluateReport(
  [evaluation()],
  [{ model: 'fraud_detector', version: '5', reason: 'archived <2024>' }],
  ['Polled @octocat & co']
)

describe('the terminal text of a Markdown report', () => {
  const text = markdownToText(report, plain)

  it('shows the evaluate report without Markdown: no escapes, entities, HTML, heading marks or charts', () => {
    expect(report).toContain('fraud\\_detector') // the Markdown does escape
    expect(report).toContain('```mermaid')
    expect(text).not.toMatch(/\\[_*[\]()#|`<>]/)
    expect(text).not.toMatch(/&(lt|gt|amp);/)
    expect(text).not.toMatch(/<\/?(details|summary)>/)
    expect(text).not.toMatch(/^#+ /m)
    expect(text).not.toContain('```')
    expect(text).not.toContain('xychart')
    expect(text).not.toContain('\u200b')
    expect(hasColor(text)).toBe(false)
    expect(text).toContain('MLflow Promotion Gate: evaluate\n═══')
    expect(text).toContain('❌ fraud_detector v8: failed')
    expect(text).toContain('Polled @octocat & co')
    expect(text).toContain(
      'Model version fraud_detector v8 (http://mlflow.local/#/models/fraud_detector/versions/8)\nRun nightly_run (v2) (http://mlflow.local/#/experiments/1/runs/abc)\nChampion v7'
    )
    expect(text).toContain(
      '(a chart of accuracy across recent versions: shown in the Markdown report, --format markdown)'
    )
    expect(text).toContain('Signature: 1 input change vs champion v7')
    expect(text).toContain('archived <2024>')
    expect(text).toContain('param solver = "adam" (warn only)')
  })

  it('aligns each table as text, with a rule under the header, and keeps every cell', () => {
    const lines = text.split('\n')
    const header = lines.findIndex(line =>
      /^\s*Rule\s+Observed\s+Threshold\s+Champion\s+Δ\s+Reason$/.test(line)
    )
    expect(header).toBeGreaterThan(-1)
    expect(lines[header + 1]).toMatch(/^[─ ]+$/)
    const rows = lines.slice(header + 2, header + 7)
    expect(rows.map(row => row.split(' ')[0])).toEqual(['❌', '✅', '✅', '✅', '⚠️'])
    // Every column starts where its header starts (emoji count two columns, as a terminal shows them).
    const columnOf = (line: string, text: string) => displayWidth(line.slice(0, line.indexOf(text)))
    expect(columnOf(rows[0], 'accuracy ≥ 0.95')).toBe(columnOf(lines[header], 'Rule'))
    expect(columnOf(rows[0], '0.9 ')).toBe(columnOf(lines[header], 'Observed'))
    expect(columnOf(rows[1], '+0.01')).toBe(columnOf(lines[header], 'Δ'))
    expect(columnOf(rows[4], 'param solver is not set')).toBe(columnOf(lines[header], 'Reason'))
    expect(rows[3]).toContain('↳ tag team = "fraud"')
    expect(lines.some(line => /^Input\s+Champion v7\s+This version\s+Change$/.test(line))).toBe(true)
    expect(lines.some(line => /^merchant_id\s+long\s+string\s+retyped$/.test(line))).toBe(true)
  })

  it('leaves out a column that is empty in every row', () => {
    const table = '| A | B | C |\n| --- | --- | --- |\n| 1 |  | x |\n| 22 |  | y |\n'
    expect(markdownToText(table, plain)).toBe('A   C\n──  ─\n1   x\n22  y\n')
  })

  it('shows the verify and promote report the same way', () => {
    const promotion = renderPromotion(
      {
        command: 'promote',
        decision: 'promoted',
        model: 'fraud_detector',
        pullRequest: { number: 12, url: 'https://github.com/acme/models/pull/12' },
        checks: [
          { check: 'merged into main', passed: true, detail: 'merged by @octocat' },
          { check: 'approvals', passed: true, detail: '2 of 2: alice, bob' }
        ],
        production: [{ version: '8', traffic: 100 }],
        entered: ['8'],
        retired: ['7'],
        approvedBy: ['alice', 'bob'],
        mergedBy: 'octocat'
      },
      version => `http://mlflow.local/#/models/fraud_detector/versions/${version}`
    )
    const text = markdownToText(promotion, plain)
    expect(text).toContain('✅ Promoted fraud_detector (#12 (https://github.com/acme/models/pull/12))')
    expect(text).toContain('Production: v8 (http://mlflow.local/#/models/fraud_detector/versions/8)')
    expect(text).toContain('Retired: v7')
    expect(text).toMatch(/^✅ {2}merged into main\s+merged by @octocat$/m)
    expect(text).not.toContain('**')
  })

  it('colours only when asked: bold headings, red for a failure, dim links', () => {
    const colored = markdownToText(report, { color: true })
    expect(hasColor(colored)).toBe(true)
    expect(colored).toContain('\x1b[31m\x1b[1m❌ fraud_detector v8: failed\x1b[22m\x1b[39m')
    expect(withoutColor(colored)).toBe(text)
  })

  it('turns escaped Markdown back into the text it came from', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), raw => {
        const expected = raw.replace(/[\r\n\u2028\u2029]+/g, ' ').replaceAll('\u200b', '')
        expect(inlineText(escapeMarkdown(raw), plain)).toBe(expected)
      })
    )
  })

  it('counts emoji and wide characters as two columns, marks and selectors as none', () => {
    expect(displayWidth('✅')).toBe(2)
    expect(displayWidth('⚠️')).toBe(2)
    expect(displayWidth('ℹ️ x')).toBe(4)
    expect(displayWidth('模型')).toBe(4)
    expect(displayWidth('e\u0301')).toBe(1)
    expect(displayWidth('\x1b[1mab\x1b[22m')).toBe(2)
  })
})
