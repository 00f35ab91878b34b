import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parse } from 'yaml'
import { INPUT_DEFAULTS } from '../../src/inputs.js'

const root = resolve(import.meta.dirname, '../..')
const action = parse(readFileSync(resolve(root, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { description: string; default?: string }>
  outputs: Record<string, { description: string }>
}
const readme = readFileSync(resolve(root, 'README.md'), 'utf8')

const normalize = (text: string) => text.replace(/\s+/g, ' ').trim()

/** The rows of the first table after a `## heading`, as arrays of cells. */
function tableAfter(heading: string): string[][] {
  const start = readme.indexOf(`\n## ${heading}\n`)
  expect(start).toBeGreaterThan(-1)
  const lines = readme.slice(start).split('\n').slice(2)
  const rows = lines.slice(lines.findIndex(line => line.startsWith('|')))
  return rows
    .slice(
      2,
      rows.findIndex(line => !line.startsWith('|'))
    )
    .map(line =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map(cell => cell.trim())
    )
}

const unquote = (cell: string) => cell.replace(/^`(.*)`$/, '$1')

describe('README and action.yml', () => {
  it('list the same inputs, with the same defaults and descriptions', () => {
    const rows = tableAfter('Inputs')
    expect(rows.map(([name]) => unquote(name))).toEqual(Object.keys(action.inputs))
    for (const [name, defaultCell, description] of rows) {
      const input = action.inputs[unquote(name)]
      expect([unquote(name), unquote(defaultCell)]).toEqual([unquote(name), input.default ?? ''])
      expect([unquote(name), normalize(description)]).toEqual([unquote(name), normalize(input.description)])
    }
  })

  it('list the same outputs with the same descriptions', () => {
    const rows = tableAfter('Outputs')
    expect(rows.map(([name]) => unquote(name))).toEqual(Object.keys(action.outputs))
    for (const [name, description] of rows) {
      expect([unquote(name), normalize(description)]).toEqual([
        unquote(name),
        normalize(action.outputs[unquote(name)].description)
      ])
    }
  })

  it('agree with the defaults the code applies', () => {
    for (const [name, value] of Object.entries(INPUT_DEFAULTS))
      expect([name, action.inputs[name]?.default]).toEqual([name, value])
    for (const [name, input] of Object.entries(action.inputs)) {
      if (input.default !== undefined && !input.default.startsWith('${{')) {
        expect([name, INPUT_DEFAULTS[name]]).toEqual([name, input.default])
      }
    }
  })
})
