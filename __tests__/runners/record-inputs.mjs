// Preloaded into the action's own Node process by the act check (the gate step's env sets
// NODE_OPTIONS=--import=<this file>): writes the INPUT_* variables the runner gave the action to
// $GATE_CHECK_INPUTS_FILE with the Node version it runs on, so that the check can tell action.yml's defaults applied by the runner from the action's
// own fallbacks (src/inputs.ts falls back to the same values when an input is empty).
import { writeFileSync } from 'node:fs'

const file = process.env.GATE_CHECK_INPUTS_FILE
if (file) {
  const inputs = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('INPUT_')))
  writeFileSync(file, JSON.stringify({ node: process.version, inputs }, null, 2))
}
