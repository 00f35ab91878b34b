/**
 * Set to true on globalThis by bin/mlflow-promotion-gate.cjs before it loads dist/index.js: the bundle then runs
 * the CLI instead of the action. A global, not an environment variable, so child processes do not inherit it.
 */
export const CLI_ENTRY = Symbol.for('mlflow-promotion-gate.cli')
