import * as core from '@actions/core'
import type { CommandHandler, CommandOutcome } from './commands/command.js'
import { archiveCommand } from './commands/archive.js'
import { auditCommand } from './commands/audit.js'
import { evaluateCommand } from './commands/evaluate.js'
import { promoteCommand } from './commands/promote.js'
import { rollbackCommand } from './commands/rollback.js'
import { verifyCommand } from './commands/verify.js'
import { createRegistry, maskSecrets } from './context.js'
import { readInputs, type CommandName } from './inputs.js'
import { actionsLogger, inert } from './logger.js'
import { FileProblemsError } from './yaml-file.js'

const COMMAND_HANDLERS: Record<CommandName, CommandHandler> = {
  evaluate: evaluateCommand,
  verify: verifyCommand,
  promote: promoteCommand,
  rollback: rollbackCommand,
  archive: archiveCommand,
  audit: auditCommand
}

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
    const registry = createRegistry(inputs, process.env)
    let outcome: CommandOutcome
    try {
      outcome = await handler({
        inputs,
        registry,
        env: process.env,
        log: actionsLogger,
        workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
        now: () => new Date()
      })
    } finally {
      await registry.http.close()
    }
    await publish(outcome)
    if (outcome.failure !== undefined) core.setFailed(inert(outcome.failure))
  } catch (error) {
    core.setFailed(failureMessage(error))
  }
}

async function publish(outcome: CommandOutcome): Promise<void> {
  for (const [name, value] of Object.entries(outcome.outputs)) core.setOutput(name, value)
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(outcome.summary).write()
}

/** Problems in a policy or record file become annotations on that file; every other error is one line. */
function failureMessage(error: unknown): string {
  if (error instanceof FileProblemsError) {
    for (const problem of error.problems) actionsLogger.error(problem.message, problem)
    const [first] = error.problems
    const count = error.problems.length
    return `The ${error.what} ${first.file} has ${count} problem${count === 1 ? '' : 's'}; nothing was done:\n${error.message}`
  }
  return inert(error instanceof Error ? error.message : String(error))
}
