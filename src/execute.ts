import { archiveCommand } from './commands/archive.js'
import { auditCommand } from './commands/audit.js'
import type { CommandHandler, CommandOutcome } from './commands/command.js'
import { evaluateCommand } from './commands/evaluate.js'
import { promoteCommand } from './commands/promote.js'
import { rollbackCommand } from './commands/rollback.js'
import { verifyCommand } from './commands/verify.js'
import { createRegistry, maskSecrets, type SecretMasker } from './context.js'
import { InputError, type CommandName, type Inputs } from './inputs.js'
import { inert, type Logger } from './logger.js'
import { RegistryConfigError } from './registry/config.js'
import { FileProblemsError } from './domain/yaml-file.js'

const COMMAND_HANDLERS: Record<CommandName, CommandHandler> = {
  evaluate: evaluateCommand,
  verify: verifyCommand,
  promote: promoteCommand,
  rollback: rollbackCommand,
  archive: archiveCommand,
  audit: auditCommand
}

export interface Runtime {
  env: NodeJS.ProcessEnv
  log: Logger
  mask: SecretMasker
  workspace: string
  /** Who runs the command, when the caller knows (the CLI); inside Actions the workflow run's API says. */
  operator?: string
}

/** Runs one command with validated inputs: what the action and the CLI share. Secrets are masked first. */
export async function executeCommand(inputs: Inputs, runtime: Runtime): Promise<CommandOutcome> {
  maskSecrets(
    [inputs.githubToken, inputs.trackingToken, inputs.trackingPassword].filter(
      (secret): secret is string => secret !== undefined
    ),
    runtime.mask
  )
  const registry = createRegistry(inputs, runtime.env, runtime.log, runtime.mask)
  try {
    return await COMMAND_HANDLERS[inputs.command]({
      inputs,
      registry,
      env: runtime.env,
      log: runtime.log,
      workspace: runtime.workspace,
      operator: runtime.operator,
      now: () => new Date()
    })
  } finally {
    await registry.close()
  }
}

/** An error in words; problems in a policy or record file are also logged as errors pointing at the file. */
export function describeFailure(error: unknown, log: Logger): string {
  if (error instanceof FileProblemsError) {
    for (const problem of error.problems) log.error(problem.message, problem)
    const [first] = error.problems
    const count = error.problems.length
    return `The ${error.what} ${first.file} has ${count} problem${count === 1 ? '' : 's'}; nothing was done:\n${error.message}`
  }
  return inert(error instanceof Error ? error.message : String(error))
}

/** Whether the error is about what the user gave (inputs, the policy, a missing token) rather than a failed run. */
export function isUsageProblem(error: unknown): boolean {
  return (
    error instanceof InputError ||
    error instanceof RegistryConfigError ||
    (error instanceof FileProblemsError && error.what === 'policy')
  )
}
