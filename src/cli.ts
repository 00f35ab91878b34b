import { parseArgs } from 'node:util'
import { describeFailure, executeCommand, isUsageProblem } from './execute.js'
import { COMMANDS, readInputs } from './inputs.js'
import { inert, type Logger } from './logger.js'

const BOOLEAN_OPTIONS = ['dry-run', 'open-pr', 'fail-on-reject', 'fail-on-drift', 'drift-issue'] as const
const STRING_OPTIONS = [
  'model',
  'version',
  'policy',
  'tracking-uri',
  'tracking-token',
  'tracking-username',
  'tracking-password',
  'github-token',
  'reason'
] as const

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const

const HELP = `Usage: mlflow-promotion-gate <command> [options]

The MLflow Promotion Gate outside GitHub Actions (Jenkins, GitLab, a laptop): the same commands, options and
checks as the action. Commands: ${COMMANDS.join(', ')}.

Options (the action's inputs):
  --model <name>              registered model (default: every model the policy names)
  --version <n|latest>        model version
  --policy <path>             policy file (default .github/model-promotion.yml, relative to the working directory)
  --tracking-uri <url>        MLflow server (default $MLFLOW_TRACKING_URI)
  --tracking-token <token>    bearer token (default $MLFLOW_TRACKING_TOKEN)
  --tracking-username <user>  basic auth (default $MLFLOW_TRACKING_USERNAME)
  --tracking-password <pw>    basic auth (default $MLFLOW_TRACKING_PASSWORD)
  --github-token <token>      GitHub token for pull requests (default $GITHUB_TOKEN)
  --reason <text>             why (rollback)
  --dry-run                   read everything, write nothing
  --no-open-pr                do not open the promotion pull request (opened only with GITHUB_REPOSITORY set)
  --no-fail-on-reject         exit 0 even when the policy rejects a version
  --fail-on-drift             audit exits 1 on drift
  --drift-issue               audit keeps an issue about drift (needs GITHUB_REPOSITORY)
  --format <markdown|json>    stdout: the Markdown report (default) or the JSON result (the action's \`result\`)
  --help                      this text

Exit codes: 0 done; 1 the command failed or refused (a rejected version, a refused promotion, drift with
--fail-on-drift, a registry error); 2 bad usage or inputs. Progress and errors go to stderr.
`

const stderrLogger: Logger = {
  info: message => process.stderr.write(`${inert(message)}\n`),
  warning: (message, at) =>
    process.stderr.write(`${at ? `${at.file}:${at.line}:${at.column}: ` : ''}warning: ${inert(message)}\n`),
  error: (message, at) =>
    process.stderr.write(`${at ? `${at.file}:${at.line}:${at.column}: ` : ''}error: ${inert(message)}\n`)
}

/** Runs the CLI with the given arguments; returns the exit code. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      allowNegative: true,
      options: {
        ...Object.fromEntries(STRING_OPTIONS.map(name => [name, { type: 'string' as const }])),
        ...Object.fromEntries(BOOLEAN_OPTIONS.map(name => [name, { type: 'boolean' as const }])),
        format: { type: 'string', default: 'markdown' },
        help: { type: 'boolean', short: 'h' }
      }
    })
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${HELP}`)
    return EXIT.usage
  }
  const { values, positionals } = parsed
  if (values.help) {
    process.stdout.write(HELP)
    return EXIT.ok
  }
  if (positionals.length !== 1) {
    process.stderr.write(`Give exactly one command (${COMMANDS.join(', ')}).\n\n${HELP}`)
    return EXIT.usage
  }
  if (values.format !== 'markdown' && values.format !== 'json') {
    process.stderr.write(`--format must be markdown or json, got "${String(values.format)}"\n`)
    return EXIT.usage
  }
  const given = values as Record<string, string | boolean | undefined>
  let inputs
  try {
    inputs = readInputs(name => {
      if (name === 'command') return positionals[0]
      const value = given[name]
      if (typeof value === 'boolean') return String(value)
      if (value !== undefined) return value
      if (name === 'github-token') return env.GITHUB_TOKEN ?? ''
      return ''
    })
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`)
    return EXIT.usage
  }
  try {
    // Outside Actions nothing masks output, so the CLI never prints a secret in the first place.
    const outcome = await executeCommand(inputs, {
      env,
      log: stderrLogger,
      mask: () => undefined,
      workspace: process.cwd()
    })
    process.stdout.write(values.format === 'json' ? `${outcome.outputs.result}\n` : outcome.summary)
    if (outcome.failure !== undefined) {
      stderrLogger.error(outcome.failure)
      return EXIT.failed
    }
    return EXIT.ok
  } catch (error) {
    stderrLogger.error(describeFailure(error, stderrLogger))
    return isUsageProblem(error) ? EXIT.usage : EXIT.failed
  }
}
