import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { CommandHandler, CommandOutcome } from '../../src/commands/command.js'
import { readInputs } from '../../src/inputs.js'
import type { Logger } from '../../src/logger.js'
import { clientFor } from './servers.js'

export interface LogLine {
  level: 'info' | 'warning' | 'error'
  message: string
}

export interface CommandRun {
  outcome?: CommandOutcome
  error?: Error
  logs: LogLine[]
  /** The parsed `result` output. */
  result?: Record<string, unknown>
}

/** A workspace holding the given files (path → content), like a checked-out repository. */
export function workspaceWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gate-workspace-'))
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  return dir
}

/** The inputs of a dry-run evaluate of one version without a pull request: what connection tests run. */
export function dryRunEvaluateInputs(model: string, trackingUri: string): Record<string, string> {
  return {
    command: 'evaluate',
    model,
    version: '1',
    'tracking-uri': trackingUri,
    'open-pr': 'false',
    'dry-run': 'true'
  }
}

/** Runs a command in-process against a real MLflow server, as main.ts would, collecting what it logs. */
export async function runCommand(
  handler: CommandHandler,
  options: {
    url: string
    workspace: string
    inputs: Record<string, string>
    env?: NodeJS.ProcessEnv
    now?: Date
  }
): Promise<CommandRun> {
  const logs: LogLine[] = []
  const log: Logger = {
    info: message => logs.push({ level: 'info', message }),
    warning: message => logs.push({ level: 'warning', message }),
    error: message => logs.push({ level: 'error', message })
  }
  // Pull requests are opened only where a test brings a GitHub stand-in (the end-to-end gate tests).
  const defaults: Record<string, string> = { command: 'evaluate', 'open-pr': 'false' }
  const inputs = readInputs(name => options.inputs[name] ?? defaults[name] ?? '')
  const registry = clientFor(options.url)
  try {
    const outcome = await handler({
      inputs,
      registry,
      env: options.env ?? {},
      log,
      workspace: options.workspace,
      now: () => options.now ?? new Date()
    })
    const result = JSON.parse(outcome.outputs.result) as Record<string, unknown>
    return { outcome, logs, result }
  } catch (error) {
    return { error: error as Error, logs }
  } finally {
    await registry.http.close()
  }
}
