import * as core from '@actions/core'
import type { ActionsToolkit } from './actions-toolkit.js'
import { runAction } from './action.js'

/** @actions/core behind the toolkit interface (src/actions-toolkit.ts is tested to write the same bytes). */
export const coreToolkit: ActionsToolkit = {
  getInput: name => core.getInput(name),
  setOutput: (name, value) => core.setOutput(name, value),
  setSecret: secret => core.setSecret(secret),
  setFailed: message => core.setFailed(message),
  info: message => core.info(message),
  warning: (message, properties) => core.warning(message, properties),
  error: (message, properties) => core.error(message, properties),
  startGroup: name => core.startGroup(name),
  endGroup: () => core.endGroup(),
  appendSummary: async markdown => void (await core.summary.addRaw(markdown).write())
}

/**
 * The action on @actions/core itself, in the layout of actions/typescript-action: what @github/local-action runs
 * (it swaps @actions/core for its stubs). The bundle (src/index.ts) runs the same action on a lean toolkit.
 */
export function run(): Promise<void> {
  return runAction(coreToolkit)
}
