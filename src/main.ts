import * as core from '@actions/core'
import type { CommandContext } from './context.js'
import { createRegistry, maskSecrets } from './context.js'
import { readInputs, type CommandName } from './inputs.js'

export type CommandHandler = (context: CommandContext) => Promise<void>

const COMMAND_HANDLERS: Partial<Record<CommandName, CommandHandler>> = {}

/** The action's entry point: the one place that turns an error into a failed step. */
export async function run(): Promise<void> {
  try {
    const inputs = readInputs(name => core.getInput(name))
    maskSecrets(
      [inputs.githubToken, inputs.trackingToken, inputs.trackingPassword].filter(
        (secret): secret is string => secret !== undefined
      )
    )
    const handler = COMMAND_HANDLERS[inputs.command]
    if (handler === undefined) {
      throw new Error(`The \`${inputs.command}\` command is not available in this version of the action.`)
    }
    const registry = createRegistry(inputs, process.env)
    try {
      await handler({ inputs, registry, env: process.env })
    } finally {
      await registry.http.close()
    }
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error))
  }
}
