import * as core from '@actions/core'
import { afterEach, describe, expect, it, jest } from '@jest/globals'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { workflowCommands, type ActionsToolkit } from '../../src/actions-toolkit.js'
import { coreToolkit } from '../../src/main.js'

// The bundle speaks the runner's protocol itself (src/actions-toolkit.ts) instead of loading @actions/core: every
// call is run through both here, and what reaches the runner (stdout, the output and summary files, the exit code)
// must be the same bytes.

/** What one call sends to the runner. */
interface Sent {
  stdout: string
  output: string
  summary: string
  exitCode: typeof process.exitCode
}

const folder = mkdtempSync(join(tmpdir(), 'toolkit-'))
// One summary file for the whole file: @actions/core's summary keeps the first path it was given.
const summary = join(folder, 'summary')
const savedEnv = { ...process.env }

afterEach(() => {
  process.env = { ...savedEnv }
  process.exitCode = undefined
  jest.restoreAllMocks()
})

async function sentBy(call: () => unknown, options: { outputFile?: boolean } = {}): Promise<Sent> {
  const output = join(folder, 'output')
  writeFileSync(output, '')
  writeFileSync(summary, '')
  if (options.outputFile === false) delete process.env.GITHUB_OUTPUT
  else process.env.GITHUB_OUTPUT = output
  process.env.GITHUB_STEP_SUMMARY = summary
  process.exitCode = undefined
  let stdout = ''
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk)
    return true
  })
  await call()
  jest.restoreAllMocks()
  const sent = {
    stdout,
    // The heredoc delimiter is random in both.
    output: readFileSync(output, 'utf8').replace(/ghadelimiter_[0-9a-f-]{36}/g, 'ghadelimiter_UUID'),
    summary: readFileSync(summary, 'utf8'),
    exitCode: process.exitCode
  }
  process.exitCode = undefined
  return sent
}

/** @actions/core, behind the same interface: the wrapper src/main.ts runs the action on. */
const reference = coreToolkit

const awkward = [
  'plain',
  '',
  '50% done: a, b\r\nnext line\n',
  'ümlaut ✓ `code` ::error::inside',
  '%0A already'
]

type Call = [string, (toolkit: ActionsToolkit) => unknown]

/** The same call with each awkward text. */
const withEachText = (label: string, call: (toolkit: ActionsToolkit, text: string) => unknown): Call[] =>
  awkward.map(text => [`${label} ${JSON.stringify(text)}`, toolkit => call(toolkit, text)])

const calls: Call[] = [
  ...withEachText('info', (t, text) => t.info(text)),
  ...withEachText('warning', (t, text) => t.warning(text)),
  ...withEachText('error with a position', (t, text) =>
    t.error(text, { file: 'policy/a,b:c%.yml', startLine: 3, startColumn: 7 })
  ),
  [
    'error with every property',
    t => t.error('m', { title: 'T: 1, 2', file: 'f', startLine: 1, endLine: 2, startColumn: 3, endColumn: 4 })
  ],
  ['error at line 0 (dropped, as the runner ignores it)', t => t.error('m', { file: 'f', startLine: 0 })],
  ['warning with empty properties', t => t.warning('m', {})],
  ...withEachText('setSecret', (t, text) => t.setSecret(text)),
  ...withEachText('setFailed', (t, text) => t.setFailed(text)),
  [
    'a group',
    t => {
      t.startGroup('Evaluate: iris, v2 %')
      t.info('inside')
      t.endGroup()
    }
  ],
  ...withEachText('setOutput', (t, text) => t.setOutput('result', text)),
  [
    'setOutput of JSON over several lines',
    t => t.setOutput('result', JSON.stringify({ a: [1, 2] }, null, 2))
  ],
  ...withEachText('appendSummary', (t, text) => t.appendSummary(text))
]

describe('the lean toolkit writes what @actions/core writes', () => {
  it.each(calls)('%s', async (_name, call) => {
    const ours = await sentBy(() => call(workflowCommands))
    const theirs = await sentBy(() => call(reference))
    expect(ours).toEqual(theirs)
  })

  it.each(awkward)('setOutput without GITHUB_OUTPUT (the old set-output command): %j', async text => {
    const ours = await sentBy(() => workflowCommands.setOutput('result', text), { outputFile: false })
    const theirs = await sentBy(() => reference.setOutput('result', text), { outputFile: false })
    expect(ours).toEqual(theirs)
  })

  it.each([
    ['model', 'INPUT_MODEL', '  iris  '],
    ['tracking-uri', 'INPUT_TRACKING-URI', 'http://x'],
    ['a name', 'INPUT_A_NAME', 'spaced'],
    ['absent', 'INPUT_NOTHING_ELSE', 'x']
  ])('getInput(%j) reads %s', (name, variable, value) => {
    process.env[variable] = value
    expect(workflowCommands.getInput(name)).toBe(core.getInput(name))
  })

  it('refuses an output file that does not exist, as @actions/core does', () => {
    process.env.GITHUB_OUTPUT = join(folder, 'missing')
    expect(() => workflowCommands.setOutput('a', 'b')).toThrow(
      `Missing file at path: ${join(folder, 'missing')}`
    )
    expect(() => core.setOutput('a', 'b')).toThrow(`Missing file at path: ${join(folder, 'missing')}`)
  })
})
