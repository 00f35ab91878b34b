import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const bundle = resolve(import.meta.dirname, '../../dist/index.js')

/** Runs the committed bundle the way a runner does: INPUT_* variables and the runner's files. */
function runBundle(inputs: Record<string, string>): {
  status: number | null
  stdout: string
  output: string
} {
  const dir = mkdtempSync(join(tmpdir(), 'gate-e2e-'))
  const outputFile = join(dir, 'output')
  const summaryFile = join(dir, 'summary')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_REPOSITORY: 'acme/models',
    GITHUB_EVENT_NAME: 'workflow_dispatch'
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  const result = spawnSync(process.execPath, [bundle], { env, encoding: 'utf8', timeout: 60_000 })
  return {
    status: result.status,
    stdout: result.stdout + result.stderr,
    output: readFileSync(outputFile, 'utf8')
  }
}

describe('the committed dist/index.js', () => {
  it('fails the step with every bad input named, and masks the secrets it was given', () => {
    const token = 'ghp_RecognisableTokenValue0123456789'
    const result = runBundle({
      command: 'deploy',
      version: 'seven',
      'github-token': token,
      'dry-run': 'maybe'
    })
    expect(result.status).toBe(1)
    expect(result.stdout).toContain(
      '::error::Invalid input: input `command` must be one of evaluate, verify, promote, rollback, archive, audit, got "deploy"; input `version` must be a version number or `latest`; input `dry-run` must be true or false, got "maybe"'
    )
    expect(result.stdout).not.toContain(token)
  })

  it('masks MLflow secrets before anything else runs', () => {
    const password = 'Recognisable-MLflow-Password-4242'
    const result = runBundle({
      command: 'evaluate',
      'tracking-uri': 'http://127.0.0.1:9',
      'tracking-username': 'ci',
      'tracking-password': password
    })
    expect(result.status).toBe(1)
    expect(result.stdout).toContain(`::add-mask::${password}`)
    expect(result.stdout.replace(`::add-mask::${password}`, '')).not.toContain(password)
  })
})
