import type { CommandHandler, CommandOutcome } from './commands/command.js'
import { createRegistry, maskSecrets, type SecretMasker } from './context.js'
import { InputError, type CommandName, type Inputs } from './inputs.js'
import { inert, type Logger } from './logger.js'
import { RegistryConfigError } from './registry/config.js'
import { FileProblemsError } from './domain/yaml-file.js'
import { escapeMarkdown } from './report/markdown.js'

/** Each command's code is loaded when it runs (a chunk of its own in the bundle): a run compiles only its own. */
const COMMAND_HANDLERS: Record<CommandName, () => Promise<CommandHandler>> = {
  evaluate: async () => (await import('./commands/evaluate.js')).evaluateCommand,
  verify: async () => (await import('./commands/verify.js')).verifyCommand,
  promote: async () => (await import('./commands/promote.js')).promoteCommand,
  rollback: async () => (await import('./commands/rollback.js')).rollbackCommand,
  archive: async () => (await import('./commands/archive.js')).archiveCommand,
  audit: async () => (await import('./commands/audit.js')).auditCommand,
  experiment: async () => (await import('./commands/experiment.js')).experimentCommand
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
    const handler = await COMMAND_HANDLERS[inputs.command]()
    if (registry.workspace !== undefined) {
      await registry.checkWorkspace()
      runtime.log.info(`MLflow workspace: ${registry.workspace}`)
    }
    const outcome = await handler({
      inputs,
      registry,
      env: runtime.env,
      log: runtime.log,
      workspace: runtime.workspace,
      operator: runtime.operator,
      now: () => new Date()
    })
    return registry.workspace === undefined ? outcome : inWorkspace(outcome, registry.workspace)
  } finally {
    await registry.close()
  }
}

/** Every command's result and summary say which MLflow workspace they read and changed. */
function inWorkspace(outcome: CommandOutcome, workspace: string): CommandOutcome {
  const outputs = { ...outcome.outputs }
  if (outputs.result !== undefined) {
    const { command, ...rest } = JSON.parse(outputs.result) as { command: string }
    outputs.result = JSON.stringify({ command, workspace, ...rest })
  }
  const [heading, ...body] = outcome.summary.split('\n')
  return {
    ...outcome,
    outputs,
    summary: [heading, '', `**MLflow workspace** ${escapeMarkdown(workspace)}`, ...body].join('\n')
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
