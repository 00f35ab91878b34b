import { randomUUID } from 'node:crypto'
import { appendFileSync, existsSync } from 'node:fs'
import { appendFile } from 'node:fs/promises'
import { EOL } from 'node:os'

/** Where an annotation points (the fields of @actions/core's AnnotationProperties the action sets). */
export interface AnnotationProperties {
  title?: string
  file?: string
  startLine?: number
  endLine?: number
  startColumn?: number
  endColumn?: number
}

/** What the action needs from its runner: the slice of @actions/core it uses. */
export interface ActionsToolkit {
  getInput(name: string): string
  setOutput(name: string, value: string): void
  setSecret(secret: string): void
  setFailed(message: string): void
  info(message: string): void
  warning(message: string, properties?: AnnotationProperties): void
  error(message: string, properties?: AnnotationProperties): void
  startGroup(name: string): void
  endGroup(): void
  /** Appends Markdown to the job summary (GITHUB_STEP_SUMMARY). */
  appendSummary(markdown: string): Promise<void>
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

/** `::name key=value,…::message`, escaped as the runner decodes it (actions/runner ActionCommand.cs). */
function command(
  name: string,
  properties: Record<string, string | number | undefined>,
  message: string
): void {
  const pairs = Object.entries(properties)
    .filter(([, value]) => value !== undefined && value !== '' && value !== 0)
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
  process.stdout.write(
    `::${name}${pairs.length > 0 ? ` ${pairs.join(',')}` : ''}::${escapeData(message)}${EOL}`
  )
}

function annotation(properties: AnnotationProperties = {}): Record<string, string | number | undefined> {
  return {
    title: properties.title,
    file: properties.file,
    line: properties.startLine,
    endLine: properties.endLine,
    col: properties.startColumn,
    endColumn: properties.endColumn
  }
}

/**
 * The runner's protocol written out, byte for byte as @actions/core 3 writes it (a unit test runs both side by side).
 * The bundle uses this instead of @actions/core because loading that package also loads its HTTP client (undici,
 * for OIDC tokens this action never asks for), which tripled a no-op run's start-up time. The TypeScript entry
 * src/main.ts still runs on @actions/core itself, which is what @github/local-action swaps for its stubs.
 */
export const workflowCommands: ActionsToolkit = {
  getInput: name => (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim(),
  setOutput: (name, value) => {
    const file = process.env.GITHUB_OUTPUT
    if (!file) {
      process.stdout.write(EOL)
      command('set-output', { name }, value)
      return
    }
    if (!existsSync(file)) throw new Error(`Missing file at path: ${file}`)
    const delimiter = `ghadelimiter_${randomUUID()}`
    if (name.includes(delimiter) || value.includes(delimiter)) {
      throw new Error(`Unexpected input: the output ${name} contains the delimiter "${delimiter}"`)
    }
    appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, { encoding: 'utf8' })
  },
  setSecret: secret => command('add-mask', {}, secret),
  setFailed: message => {
    process.exitCode = 1
    command('error', {}, message)
  },
  info: message => void process.stdout.write(message + EOL),
  warning: (message, properties) => command('warning', annotation(properties), message),
  error: (message, properties) => command('error', annotation(properties), message),
  startGroup: name => command('group', {}, name),
  endGroup: () => command('endgroup', {}, ''),
  appendSummary: async markdown => {
    const file = process.env.GITHUB_STEP_SUMMARY
    if (!file) throw new Error('Unable to find environment variable for $GITHUB_STEP_SUMMARY.')
    await appendFile(file, markdown, { encoding: 'utf8' })
  }
}
