import * as core from '@actions/core'
import type { CommandOutcome } from './commands/command.js'
import { actionsMasker } from './context.js'
import { describeFailure, executeCommand } from './execute.js'
import { readInputs } from './inputs.js'
import { actionsLogger, endSections, inert } from './logger.js'

/** The action's entry point: the one place that turns an error into a failed step. */
export async function run(): Promise<void> {
  try {
    const inputs = readInputs(name => core.getInput(name))
    const outcome = await executeCommand(inputs, {
      env: process.env,
      log: actionsLogger,
      mask: actionsMasker,
      workspace: process.env.GITHUB_WORKSPACE || process.cwd()
    })
    endSections()
    await publish(outcome)
    if (outcome.failure !== undefined) core.setFailed(inert(outcome.failure))
  } catch (error) {
    endSections()
    core.setFailed(describeFailure(error, actionsLogger))
  }
}

async function publish(outcome: CommandOutcome): Promise<void> {
  for (const [name, value] of Object.entries(outcome.outputs)) core.setOutput(name, value)
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(outcome.summary).write()
}
