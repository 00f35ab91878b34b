import type { ActionsToolkit } from './actions-toolkit.js'
import type { CommandOutcome } from './commands/command.js'
import { describeFailure, executeCommand } from './execute.js'
import { readInputs } from './inputs.js'
import { actionsLogger, inert } from './logger.js'

/** The action, on whichever toolkit the runner gives: the one place that turns an error into a failed step. */
export async function runAction(toolkit: ActionsToolkit): Promise<void> {
  const log = actionsLogger(toolkit)
  try {
    const inputs = readInputs(name => toolkit.getInput(name))
    const outcome = await executeCommand(inputs, {
      env: process.env,
      log,
      // The runner hides these values in every log line from now on.
      mask: secret => toolkit.setSecret(secret),
      workspace: process.env.GITHUB_WORKSPACE || process.cwd()
    })
    log.endSections()
    await publish(toolkit, outcome)
    if (outcome.failure !== undefined) toolkit.setFailed(inert(outcome.failure))
  } catch (error) {
    log.endSections()
    toolkit.setFailed(describeFailure(error, log))
  }
}

async function publish(toolkit: ActionsToolkit, outcome: CommandOutcome): Promise<void> {
  for (const [name, value] of Object.entries(outcome.outputs)) toolkit.setOutput(name, value)
  if (process.env.GITHUB_STEP_SUMMARY) await toolkit.appendSummary(outcome.summary)
}
