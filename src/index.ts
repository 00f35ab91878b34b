import { workflowCommands } from './actions-toolkit.js'
import { CLI_ENTRY } from './cli-mark.js'
import { malformedEventPayload } from './github/event.js'

// One bundle for the action and the CLI: bin/mlflow-promotion-gate.cjs marks the process as the CLI before it loads
// this file, and each side's code is a chunk of its own, loaded only when it runs.
if ((globalThis as Record<symbol, unknown>)[CLI_ENTRY] === true) {
  const { runCli } = await import('./cli.js')
  process.exitCode = await runCli(process.argv.slice(2), process.env)
} else {
  // @actions/github parses the event payload when it is loaded, and crashes on a malformed file with a stack trace:
  // check the file first.
  const malformed = malformedEventPayload(process.env)
  if (malformed !== undefined) {
    workflowCommands.setFailed(malformed)
  } else {
    const { runAction } = await import('./action.js')
    await runAction(workflowCommands)
  }
}
