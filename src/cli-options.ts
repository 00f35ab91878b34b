// The CLI's options and commands: every action input is an option of the same name, used by the commands that read
// it. Help text, per-command help and the checks on what a command accepts all come from these tables.
import { COMMANDS, INPUT_DEFAULTS, InputsSchema, inputName, type CommandName } from './inputs.js'

export interface CliOption {
  /** The action input's name, which is also the option's (`--tracking-uri`). */
  name: string
  kind: 'string' | 'boolean'
  /** For string options: what the value is, shown in help (`<url>`). */
  value?: string
  /** What it does; a command may say it in its own words. */
  help: string | Partial<Record<CommandName, string>>
  /** The commands that read it. */
  commands: readonly CommandName[]
}

const ALL = COMMANDS
const GITHUB = ['evaluate', 'verify', 'promote', 'rollback', 'audit', 'experiment'] as const

export const INPUT_OPTIONS: readonly CliOption[] = [
  {
    name: 'model',
    kind: 'string',
    value: '<name>',
    help: {
      evaluate: 'registered model (default: every model the policy names)',
      rollback: 'registered model to roll back (required)',
      archive: 'registered model (default: every model the policy names)',
      audit: 'registered model (default: every model the policy names)',
      experiment: 'registered model (default: every model with an experiment in the policy)'
    },
    commands: ['evaluate', 'rollback', 'archive', 'audit', 'experiment']
  },
  {
    name: 'version',
    kind: 'string',
    value: '<n|latest>',
    help: {
      evaluate: 'model version, a number or latest (default: every version not yet evaluated)',
      rollback: 'the version to put back in production (default: the previous production version)'
    },
    commands: ['evaluate', 'rollback']
  },
  {
    name: 'policy',
    kind: 'string',
    value: '<path>',
    help: `policy file, relative to the working directory (default ${INPUT_DEFAULTS.policy})`,
    commands: ALL
  },
  {
    name: 'tracking-uri',
    kind: 'string',
    value: '<url>',
    help: 'MLflow server (default $MLFLOW_TRACKING_URI)',
    commands: ALL
  },
  {
    name: 'tracking-token',
    kind: 'string',
    value: '<token>',
    help: 'MLflow bearer token (default $MLFLOW_TRACKING_TOKEN)',
    commands: ALL
  },
  {
    name: 'tracking-username',
    kind: 'string',
    value: '<user>',
    help: 'MLflow basic-auth user (default $MLFLOW_TRACKING_USERNAME)',
    commands: ALL
  },
  {
    name: 'tracking-password',
    kind: 'string',
    value: '<password>',
    help: 'MLflow basic-auth password (default $MLFLOW_TRACKING_PASSWORD)',
    commands: ALL
  },
  {
    name: 'workspace',
    kind: 'string',
    value: '<name>',
    help: 'MLflow workspace, on a server with workspaces enabled (default $MLFLOW_WORKSPACE)',
    commands: ALL
  },
  {
    name: 'github-token',
    kind: 'string',
    value: '<token>',
    help: 'GitHub token, used with GITHUB_REPOSITORY=owner/name (default $GITHUB_TOKEN)',
    commands: GITHUB
  },
  {
    name: 'reason',
    kind: 'string',
    value: '<text>',
    help: 'why, recorded on the version taken out of production (required)',
    commands: ['rollback']
  },
  {
    name: 'dry-run',
    kind: 'boolean',
    help: 'read everything, write nothing; the report says what would change',
    commands: ['evaluate', 'promote', 'rollback', 'archive', 'audit', 'experiment']
  },
  {
    name: 'open-pr',
    kind: 'boolean',
    help: {
      evaluate: 'do not open or update the promotion pull request (opened when GITHUB_REPOSITORY is set)',
      rollback: 'do not open the pull request that brings the record in line (opened with GITHUB_REPOSITORY)',
      experiment: 'report the decisions without opening the traffic pull requests'
    },
    commands: ['evaluate', 'rollback', 'experiment']
  },
  {
    name: 'fail-on-reject',
    kind: 'boolean',
    help: 'exit 0 even when the policy rejects a version',
    commands: ['evaluate']
  },
  {
    name: 'fail-on-drift',
    kind: 'boolean',
    help: 'exit 1 when the registry differs from the promotion records',
    commands: ['audit']
  },
  {
    name: 'drift-issue',
    kind: 'boolean',
    help: 'keep one GitHub issue about the drift up to date (needs GITHUB_REPOSITORY)',
    commands: ['audit']
  }
]

/** Options of the CLI itself, for every command. */
export const TOOL_OPTIONS: readonly CliOption[] = [
  {
    name: 'format',
    kind: 'string',
    value: '<text|markdown|json>',
    help: 'stdout: plain text (the default on a terminal), the Markdown report (the default otherwise) or the JSON `result`',
    commands: ALL
  },
  {
    name: 'actor',
    kind: 'string',
    value: '<name>',
    help: "who runs the rollback, as recorded (default: the CI system's user variable, else the OS user)",
    commands: ['rollback']
  },
  { name: 'help', kind: 'boolean', help: 'this help', commands: ALL },
  {
    name: 'tool-version',
    kind: 'boolean',
    help: 'the version of mlflow-promotion-gate itself',
    commands: ALL
  }
]

/**
 * Every option: the table above, and any action input it does not list yet (read from the inputs schema, so a new
 * input is an option at once), accepted by every command.
 */
export function allOptions(): CliOption[] {
  const listed = new Set(INPUT_OPTIONS.map(option => option.name))
  const unlisted: CliOption[] = Object.keys(InputsSchema.shape)
    .map(inputName)
    .filter(name => name !== 'command' && !listed.has(name))
    .map(name => ({
      name,
      kind: INPUT_DEFAULTS[name] === 'true' || INPUT_DEFAULTS[name] === 'false' ? 'boolean' : 'string',
      value: '<value>',
      help: `the action input \`${name}\``,
      commands: ALL
    }))
  return [...INPUT_OPTIONS, ...unlisted, ...TOOL_OPTIONS]
}

export interface CommandHelp {
  summary: string
  /** What else it needs, in a sentence or two. */
  notes?: string
  examples: string[]
}

const BIN = 'mlflow-promotion-gate'

export const COMMAND_HELP: Record<CommandName, CommandHelp> = {
  evaluate: {
    summary:
      'Check model versions against the staging rules of the policy; move passing ones to Staging, tag the verdict.',
    notes:
      'Opens the promotion pull request only with GITHUB_REPOSITORY and a GitHub token; elsewhere give --no-open-pr.',
    examples: [
      `${BIN} evaluate --model fraud-detector --version latest --dry-run`,
      `${BIN} evaluate --model fraud-detector --version 8 --tracking-uri http://mlflow:5000`,
      `${BIN} evaluate --format json > result.json`
    ]
  },
  verify: {
    summary:
      'Re-check a promotion pull request: its shape, the record, the evidence of every version it brings in.',
    notes:
      'Reads the pull request from the event: needs GITHUB_REPOSITORY, GITHUB_EVENT_NAME=pull_request and GITHUB_EVENT_PATH (a payload with pull_request.number), and a GitHub token.',
    examples: [
      'export GITHUB_REPOSITORY=acme/models GITHUB_EVENT_NAME=pull_request GITHUB_EVENT_PATH=event.json',
      `${BIN} verify`
    ]
  },
  promote: {
    summary:
      'After a promotion pull request is merged: verify the merge and approvals, make the registry match the record.',
    notes:
      'Reads the merge from the event: needs GITHUB_REPOSITORY, GITHUB_EVENT_NAME and GITHUB_EVENT_PATH, and a GitHub token.',
    examples: [
      'export GITHUB_REPOSITORY=acme/models GITHUB_EVENT_NAME=push GITHUB_EVENT_PATH=event.json',
      `${BIN} promote --dry-run`
    ]
  },
  rollback: {
    summary:
      'Put the previous production version (or --version) back in production, take the faulty one out, record why.',
    notes: 'Proves the target from the record history on GitHub: needs GITHUB_REPOSITORY and a GitHub token.',
    examples: [
      `${BIN} rollback --model fraud-detector --reason "p95 latency doubled" --dry-run`,
      `${BIN} rollback --model fraud-detector --version 7 --reason "wrong features"`
    ]
  },
  archive: {
    summary: 'Apply the retention rules of the policy: archive staging versions never promoted.',
    examples: [`${BIN} archive --dry-run`, `${BIN} archive --model fraud-detector`]
  },
  audit: {
    summary:
      'Report each model’s lifecycle history and any drift: registry state that differs from the promotion records.',
    notes:
      'Reads the records from the working directory, or from GitHub with GITHUB_REPOSITORY and a GitHub token.',
    examples: [`${BIN} audit`, `${BIN} audit --model fraud-detector --fail-on-drift --format json`]
  },
  experiment: {
    summary:
      'Judge each A/B challenger against the primary version on the online windows; propose the traffic change.',
    notes:
      'Reads the traffic in force from the record history on GitHub and opens pull requests: needs GITHUB_REPOSITORY and a GitHub token.',
    examples: [`${BIN} experiment --dry-run`, `${BIN} experiment --model recommender --format json`]
  }
}

function optionLabel(option: CliOption): string {
  if (option.kind === 'string') return `--${option.name} ${option.value ?? '<value>'}`
  // Options that are on unless told otherwise are shown the way they are used.
  if (INPUT_DEFAULTS[option.name] === 'true') return `--no-${option.name}`
  if (option.name === 'tool-version') return '-V, --tool-version'
  if (option.name === 'help') return '-h, --help'
  return `--${option.name}`
}

function helpFor(option: CliOption, command: CommandName | undefined): string {
  if (typeof option.help === 'string') return option.help
  return (command && option.help[command]) ?? Object.values(option.help)[0] ?? ''
}

const HELP_WIDTH = 100

/** Text wrapped at HELP_WIDTH columns. */
function wrap(text: string): string {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > HELP_WIDTH) {
      lines.push(line)
      line = word
    } else line = line === '' ? word : `${line} ${word}`
  }
  return [...lines, line].join('\n')
}

/** `label  text`, the text wrapped at HELP_WIDTH columns under itself. */
function columns(rows: [string, string][]): string[] {
  const indent = Math.max(...rows.map(([label]) => label.length)) + 4
  return rows.map(([label, text]) => {
    const lines: string[] = []
    let line = `  ${label}`.padEnd(indent)
    for (const word of text.split(' ')) {
      if (line.trim() !== label && line.length + word.length > HELP_WIDTH) {
        lines.push(line.trimEnd())
        line = ' '.repeat(indent)
      }
      line += `${word} `
    }
    lines.push(line.trimEnd())
    return lines.join('\n')
  })
}

function optionLines(options: CliOption[], command: CommandName | undefined): string[] {
  return columns(options.map(option => [optionLabel(option), helpFor(option, command)]))
}

const EXIT_CODES = `Exit codes: 0 done; 1 the command failed or refused (a rejected version, a refused promotion,
drift with --fail-on-drift, a registry error); 2 bad usage or inputs (an unknown option, a bad value,
a policy with problems, a missing tracking URI, a Node.js older than 22.19).
Progress and errors go to stderr.`

/** `mlflow-promotion-gate --help`. */
export function generalHelp(): string {
  return `Usage: ${BIN} <command> [options]

The MLflow Promotion Gate outside GitHub Actions (Jenkins, GitLab, a laptop): the same commands,
options and checks as the action. Every action input is an option of the same name.

Commands:
${columns(COMMANDS.map(command => [command, COMMAND_HELP[command].summary])).join('\n')}

The MLflow webhook relay is a program of its own: \`${BIN} relay --help\`.

Options for every command:
${optionLines(
  allOptions().filter(option => option.commands.length === COMMANDS.length),
  undefined
).join('\n')}

Run \`${BIN} <command> --help\` for the options of one command, with examples.

${EXIT_CODES}
`
}

/** `mlflow-promotion-gate <command> --help`: only the options that command uses. */
export function commandHelp(command: CommandName): string {
  const help = COMMAND_HELP[command]
  const options = allOptions().filter(option => option.commands.includes(command))
  return `Usage: ${BIN} ${command} [options]

${wrap(help.summary)}${help.notes ? `\n${wrap(help.notes)}` : ''}

Options:
${optionLines(options, command).join('\n')}

Examples:
${help.examples.map(example => `  ${example}`).join('\n')}

${EXIT_CODES}
`
}
