import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import fc from 'fast-check'
import { gitBlobSha } from '../../src/commands/policy-file.js'
import { workflowRunUrl } from '../../src/domain/tags.js'
import { metricTrendCharts } from '../../src/report/chart.js'
import { renderEvaluation, type VersionEvaluation } from '../../src/report/evaluation.js'
import { codeFence, escapeMarkdown, fitMarkdown, safeUrl } from '../../src/report/markdown.js'

const HOSTILE =
  'evil | <img src=x onerror=alert(1)> @octocat [click](https://evil.example) `code` **bold**\n# heading'

function evaluation(overrides: Partial<VersionEvaluation> = {}): VersionEvaluation {
  return {
    model: 'fraud-detector',
    version: '8',
    decision: 'failed',
    staging: 'not-moved',
    stagingTarget: 'alias challenger',
    evaluatedAt: '2026-11-26T12:00:00.000Z',
    dryRun: false,
    policy: { path: '.github/model-promotion.yml', sha: 'a'.repeat(40), entry: 'fraud-*' },
    links: { version: 'http://mlflow.local/#/models/fraud-detector/versions/8' },
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
    signature: {},
    trend: [],
    keyMetrics: [],
    tags: {},
    ...overrides
  }
}

describe('Markdown escaping', () => {
  it('makes registry text inert: no HTML, links, mentions, emphasis, table breaks or new lines', () => {
    const escaped = escapeMarkdown(HOSTILE)
    expect(escaped).toBe(
      'evil \\| &lt;img src=x onerror=alert\\(1\\)&gt; @\u200boctocat \\[click\\]\\(https://evil.example\\) \\`code\\` \\*\\*bold\\*\\* \\# heading'
    )
  })

  it('never lets an unescaped markup character, an @mention or a line break through', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), text => {
        const escaped = escapeMarkdown(text)
        expect(escaped).not.toMatch(/[\r\n\u2028\u2029<>]/)
        expect(escaped).not.toMatch(/(^|[^\\])[|`*_[\]()#!~]/)
        expect(escaped).not.toMatch(/@[^\u200b]/)
      })
    )
  })

  it('percent-encodes what could end a link early', () => {
    expect(safeUrl('http://h/#/models/a (b)/x"y')).toBe('http://h/#/models/a%20%28b%29/x%22y')
  })

  it('fences code that itself holds backticks', () => {
    expect(codeFence('text', 'a ```` b')).toBe('`````text\na ```` b\n`````')
    expect(codeFence('mermaid', 'plain')).toBe('```mermaid\nplain\n```')
  })

  it('cuts a report that is too long at a line break and says so', () => {
    const long = Array.from({ length: 1000 }, (_, i) => `line ${i}`).join('\n')
    const cut = fitMarkdown(long, 2000)
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(2000)
    expect(cut).toMatch(/line \d+\n\n_The report was cut here/)
    expect(fitMarkdown('short', 2000)).toBe('short')
  })
})

describe('evaluation report', () => {
  it('renders one row per rule and nested rule, with icons and the staging outcome', () => {
    const report = renderEvaluation(evaluation())
    expect(report).toContain('### ❌ fraud-detector v8: failed')
    expect(report).toContain('Not moved to Staging: 1 blocking rule failed.')
    expect(report).toContain(
      '| ❌ | accuracy ≥ 0.95 | 0.9 | ≥ 0.95 |  |  | accuracy is 0.9, below the minimum 0.95 |'
    )
    expect(report).toContain('| ✅ | ↳ tag team = "fraud" |')
    expect(report).toContain('| ⚠️ | ↳ param solver = "adam" _(warn only)_ |')
    expect(report).toContain('**Champion** none yet')
    expect(report).toContain('**Policy** .github/model-promotion.yml at aaaaaaa (entry fraud-\\*)')
  })

  it('keeps hostile registry text inside its table cell', () => {
    const report = renderEvaluation(
      evaluation({
        model: HOSTILE,
        run: { id: 'r1', name: HOSTILE },
        links: { version: 'http://h/#/models/x', run: 'http://h/#/runs/r1' },
        rules: [
          { rule: `tag ${HOSTILE}`, verdict: 'fail', blocking: true, observed: HOSTILE, reason: HOSTILE }
        ]
      })
    )
    expect(report).not.toContain('<img')
    expect(report).not.toMatch(/@octocat/)
    const row = report.split('\n').find(line => line.startsWith('| ❌'))!
    // Seven cells: the escaped pipes inside the text do not add columns.
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(7)
  })

  it('shows the signature diff against the champion', () => {
    const report = renderEvaluation(
      evaluation({
        champion: { version: '7', url: 'http://h/7' },
        signature: {
          inputs: ['a', 'c'],
          diff: [
            { name: 'a', before: 'double', after: 'long', required: true, change: 'retyped' },
            { name: 'b', before: 'double', required: true, change: 'removed' },
            { name: 'c', after: 'string', required: true, change: 'added' }
          ]
        }
      })
    )
    expect(report).toContain('<summary>Signature: 3 input changes vs champion v7</summary>')
    expect(report).toContain('| a | double | long | **retyped** |')
    expect(report).toContain('| b | double | — | **removed** |')
    expect(report).toContain('| c | — | string | **added** (required) |')
  })

  it('says what a dry run and a repeated evaluation did', () => {
    expect(renderEvaluation(evaluation({ decision: 'passed', staging: 'would-move' }))).toContain(
      'Dry run: would move to Staging (alias challenger); nothing was written.'
    )
    expect(renderEvaluation(evaluation({ decision: 'passed', staging: 'unchanged', rules: [] }))).toContain(
      'Already evaluated with this policy on 2026-11-26T12:00:00.000Z (passed); nothing to do.'
    )
  })
})

describe('metric charts', () => {
  it('draws each key metric over the versions with a finite value, and sanitises labels', () => {
    const charts = metricTrendCharts(
      [
        { version: '1', metrics: { auc: 0.9, 'evil"]\n```': 1 } },
        { version: '2', metrics: { auc: Number.NaN, 'evil"]\n```': 2 } },
        { version: '3', metrics: { auc: 0.95, 'evil"]\n```': 3 } }
      ],
      ['auc', 'evil"]\n```', 'absent'],
      '3'
    )
    expect(charts).toEqual([
      '```mermaid\nxychart-beta\n    title "auc across recent versions"\n    x-axis ["v1", "v3 (this)"]\n    y-axis "auc"\n    line [0.9, 0.95]\n```',
      expect.stringContaining('title "evil______ across recent versions"')
    ])
    expect(charts[1]).toContain('line [1, 2, 3]')
  })
})

describe('recorded identifiers', () => {
  it('names the policy by the blob id Git gives the file', () => {
    const content = Buffer.from('version: 1\nmodels: {}\n')
    expect(gitBlobSha(content)).toBe(
      execFileSync('git', ['hash-object', '--stdin'], { input: content, encoding: 'utf8' }).trim()
    )
  })

  it('links the workflow run, with the attempt when it is a re-run', () => {
    const env = { GITHUB_REPOSITORY: 'acme/models', GITHUB_RUN_ID: '12' }
    expect(workflowRunUrl(env)).toBe('https://github.com/acme/models/actions/runs/12')
    expect(
      workflowRunUrl({ ...env, GITHUB_RUN_ATTEMPT: '2', GITHUB_SERVER_URL: 'https://ghe.example/' })
    ).toBe('https://ghe.example/acme/models/actions/runs/12/attempts/2')
    expect(workflowRunUrl({})).toBeUndefined()
  })
})
