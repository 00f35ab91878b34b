import type { Inputs } from '../inputs.js'
import type { Logger } from '../logger.js'
import type { MlflowClient } from '../registry/client.js'

/** What every command receives: validated inputs, a registry client (secrets already masked), a logger. */
export interface CommandContext {
  inputs: Inputs
  registry: MlflowClient
  env: NodeJS.ProcessEnv
  log: Logger
  /** The checked-out repository (GITHUB_WORKSPACE, or the working directory outside Actions). */
  workspace: string
  /** Who runs the command outside GitHub Actions, with where the name came from (see operator.ts). */
  operator?: string
  now: () => Date
}

/**
 * What a command hands back to the entry point, which writes the outputs and the job summary and then fails the
 * step when `failure` is set. Commands never call setFailed themselves.
 */
export interface CommandOutcome {
  outputs: Record<string, string>
  summary: string
  failure?: string
}

export type CommandHandler = (context: CommandContext) => Promise<CommandOutcome>
