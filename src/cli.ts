import { parseArgs } from 'node:util'
import { allOptions, commandHelp, generalHelp, type CliOption } from './cli-options.js'
import { markdownToText } from './cli-text.js'
import { TOOL_VERSION } from './cli-version.js'
import { cliWords } from './cli-words.js'
import { closestName } from './domain/did-you-mean.js'
import { operatorOutsideActions } from './operator.js'
import { describeFailure, executeCommand, isUsageProblem } from './execute.js'
import { COMMANDS, readInputs, type CommandName } from './inputs.js'
import { inert, type Logger } from './logger.js'
import { FileProblemsError } from './domain/yaml-file.js'

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const

const BIN = 'mlflow-promotion-gate'
const FORMATS = ['text', 'markdown', 'json'] as const
type Format = (typeof FORMATS)[number]

/** Where the CLI writes, and whether each stream is a terminal (tests give their own). */
export interface CliIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  stdoutIsTTY: boolean
  stderrIsTTY: boolean
}

const processIo = (): CliIo => ({
  stdout: text => void process.stdout.write(text),
  stderr: text => void process.stderr.write(text),
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true
})

/** Colour only on a terminal, and never with NO_COLOR (https://no-color.org) or TERM=dumb. */
function colorFor(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  return isTTY && !env.NO_COLOR && env.TERM !== 'dumb'
}

/** A usage problem: said on stderr with where to look for help, exit 2. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: CommandName
  ) {
    super(message)
  }

  get hint(): string {
    return `Run \`${BIN}${this.command === undefined ? '' : ` ${this.command}`} --help\` for the options.`
  }
}

type Values = Record<string, string | boolean | undefined>

function isCommand(name: string | undefined): name is CommandName {
  return (COMMANDS as readonly string[]).includes(name ?? '')
}

/** The spellings a user may type for an option: `--name`, and `--no-name` for switches. */
function spellings(option: CliOption): string[] {
  return option.kind === 'boolean' && option.name !== 'help' && option.name !== 'tool-version'
    ? [`--${option.name}`, `--no-${option.name}`]
    : [`--${option.name}`]
}

/** The option meant by a typo (`dry-rn`) or by the start of one name (`dry`, `no-fail`). */
function meantOption(typed: string, names: string[]): string | undefined {
  const starting = typed.length >= 3 ? names.filter(name => name.startsWith(typed)) : []
  return starting.length === 1 ? starting[0] : closestName(typed, names)
}

function unknownCommand(name: string): string {
  const meant = closestName(name, COMMANDS)
  return `unknown command ${name}${meant ? `; did you mean ${meant}?` : ''} (commands: ${COMMANDS.join(', ')})`
}

/**
 * Reads the arguments: a command, its options. Every problem is a UsageError naming what is wrong, with the closest
 * valid name for a typo; options another command uses are refused with that command named.
 */
function parseCommandLine(argv: string[]) {
  const options = allOptions()
  const config = Object.fromEntries(
    options.map(option => [
      option.name,
      {
        type: option.kind,
        ...(option.name === 'help' ? { short: 'h' } : option.name === 'tool-version' ? { short: 'V' } : {})
      }
    ])
  )
  const loose = parseArgs({
    args: argv,
    options: config,
    strict: false,
    tokens: true,
    allowPositionals: true,
    allowNegative: true
  })
  const [name, ...extra] = loose.positionals
  const command = isCommand(name) ? name : undefined
  const wants = { help: loose.values.help === true, toolVersion: loose.values['tool-version'] === true }
  if (wants.toolVersion) return { wants, command, values: {} as Values }
  if (name === 'help' || (wants.help && (name === undefined || command !== undefined))) {
    const topic = name === 'help' ? extra[0] : name
    if (topic !== undefined && !isCommand(topic)) throw new UsageError(unknownCommand(topic))
    return {
      wants: { ...wants, help: true },
      command: topic as CommandName | undefined,
      values: {} as Values
    }
  }
  const forCommand = options.filter(option => command === undefined || option.commands.includes(command))
  for (const token of loose.tokens) {
    if (token.kind !== 'option') continue
    const known = options.find(option => spellings(option).includes(token.rawName))
    const short = token.rawName === '-h' || token.rawName === '-V'
    if (known === undefined && !short) {
      const meant = token.rawName.startsWith('--')
        ? meantOption(
            token.rawName.slice(2),
            forCommand.flatMap(spellings).map(spelling => spelling.slice(2))
          )
        : undefined
      throw new UsageError(
        `unknown option ${token.rawName}${meant ? `; did you mean --${meant}?` : ''}`,
        command
      )
    }
    if (known !== undefined && command !== undefined && !known.commands.includes(command)) {
      throw new UsageError(
        `${token.rawName} is not an option of ${command} (it is one of ${known.commands.join(', ')})`,
        command
      )
    }
  }
  if (name === undefined) throw new UsageError(`give a command: ${COMMANDS.join(', ')}`)
  if (command === undefined) throw new UsageError(unknownCommand(name))
  if (extra.length > 0) {
    throw new UsageError(
      `unexpected argument ${JSON.stringify(extra[0])}: ${command} takes options only (quote a value that holds spaces)`,
      command
    )
  }
  try {
    const { values } = parseArgs({ args: argv, options: config, allowPositionals: true, allowNegative: true })
    return { wants, command, values: values as Values }
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0], command)
  }
}

/** The logger of the CLI: stderr, `file:line:column:` for file problems, messages in the CLI's words. */
function stderrLogger(io: CliIo, color: boolean): Logger {
  const flags = allOptions()
  // A problem in a file (it has a position) is about the file's content, not an input: left as it is.
  const words = (message: string, at: unknown) => inert(at === undefined ? cliWords(message, flags) : message)
  const where = (at?: { file: string; line: number; column: number }) =>
    at ? `${at.file}:${at.line}:${at.column}: ` : ''
  const label = (text: string, code: string) => (color ? `\x1b[${code}m${text}\x1b[39m` : text)
  return {
    info: message => io.stderr(`${words(message, undefined)}\n`),
    warning: (message, at) => io.stderr(`${where(at)}${label('warning:', '33')} ${words(message, at)}\n`),
    error: (message, at) => io.stderr(`${where(at)}${label('error:', '31')} ${words(message, at)}\n`),
    section: title => io.stderr(`${color ? `\x1b[1m== ${title} ==\x1b[22m` : `== ${title} ==`}\n`)
  }
}

/** Runs the CLI with the given arguments; returns the exit code. */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: CliIo = processIo()
): Promise<number> {
  const log = stderrLogger(io, colorFor(io.stderrIsTTY, env))
  // `--version` is the model version; alone, it can only mean the tool's.
  if (argv.length === 1 && argv[0] === '--version') {
    io.stdout(`${TOOL_VERSION}\n`)
    return EXIT.ok
  }
  let parsed
  try {
    parsed = parseCommandLine(argv)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    log.error(error.message)
    io.stderr(`${error.hint}\n`)
    return EXIT.usage
  }
  const { wants, command, values } = parsed
  if (wants.toolVersion) {
    io.stdout(`${TOOL_VERSION}\n`)
    return EXIT.ok
  }
  if (wants.help || command === undefined) {
    io.stdout(command === undefined ? generalHelp() : commandHelp(command))
    return EXIT.ok
  }
  const format = (values.format as string | undefined) ?? (io.stdoutIsTTY ? 'text' : 'markdown')
  if (!(FORMATS as readonly string[]).includes(format)) {
    const meant = closestName(format, FORMATS)
    log.error(
      `--format must be text, markdown or json, not "${format}"${meant ? `; did you mean --format ${meant}?` : ''}`
    )
    return EXIT.usage
  }
  let inputs
  try {
    inputs = readInputs(name => {
      if (name === 'command') return command
      const value = values[name]
      if (typeof value === 'boolean') return String(value)
      if (value !== undefined) return value
      if (name === 'github-token') return env.GITHUB_TOKEN ?? ''
      return ''
    })
  } catch (error) {
    log.error((error as Error).message)
    io.stderr(`${new UsageError('', command).hint}\n`)
    return EXIT.usage
  }
  try {
    // Outside Actions nothing masks output, so the CLI never prints a secret in the first place.
    const outcome = await executeCommand(inputs, {
      env,
      log,
      mask: () => undefined,
      workspace: process.cwd(),
      operator: operatorOutsideActions(values.actor as string | undefined, env)
    })
    io.stdout(
      render(outcome.summary, outcome.outputs.result, format as Format, colorFor(io.stdoutIsTTY, env))
    )
    if (outcome.failure !== undefined) {
      log.error(outcome.failure)
      return EXIT.failed
    }
    return EXIT.ok
  } catch (error) {
    const message = describeFailure(error, log)
    // The summary of a file's problems repeats them; they were logged (positions and all) just now.
    if (error instanceof FileProblemsError) log.error(message.split('\n')[0].replace(/:$/, '.'))
    else log.error(message)
    return isUsageProblem(error) ? EXIT.usage : EXIT.failed
  }
}

function render(summary: string, result: string, format: Format, color: boolean): string {
  if (format === 'json') return `${result}\n`
  if (format === 'text') return markdownToText(summary, { color })
  return summary
}
