import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { FileProblemsError } from '../domain/yaml-file.js'
import { gitHubSettings } from '../github/settings.js'
import { parseRelayConfig, routesFrom, type RelayConfig } from './config.js'
import { gitHubDispatcher } from './dispatcher.js'
import { createRelayHandler, DEFAULT_MAX_BODY_BYTES, type RelayLog } from './handler.js'
import { serveHandler, type RelayServer } from './server.js'

const USAGE = `Usage: mlflow-promotion-gate relay [options]

Receives MLflow's webhooks (MLflow 3.3+) and turns them into GitHub repository_dispatch events:
model_version.created starts the evaluate workflow (event type model-registered), a production alias
moved or a promotion.* tag changed starts an audit of that model (event type registry-changed).
Deliveries are verified with the webhook's secret; unsigned, forged, stale, replayed, oversized and
malformed ones are refused with a 4xx and send nothing. GET /healthz answers when the relay is up.

Options:
  --listen <host:port>     where to listen (default 127.0.0.1:8787)
  --repository <o/name>    repository to dispatch to (default: the config's, else $GITHUB_REPOSITORY)
  --config <file>          mapping file: repository, models, event types, production aliases
  --max-body-bytes <n>     larger deliveries are refused (default ${DEFAULT_MAX_BODY_BYTES})
  -h, --help               this help

Environment:
  MLFLOW_WEBHOOK_SECRET    the secret given to MLflow when the webhook was created (required)
  GITHUB_TOKEN             a token with contents: write on the repository (required)
  GITHUB_API_URL           GitHub's API (default https://api.github.com)

Exit codes: 0 stopped by SIGTERM or SIGINT, 2 bad usage or configuration, 1 could not start.
`

export interface RelayCliIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
}

/** One JSON object a line, for log collectors; secrets never reach a log line. */
export function jsonLog(write: (text: string) => void, now: () => Date = () => new Date()): RelayLog {
  return entry => write(`${JSON.stringify({ time: now().toISOString(), ...entry })}\n`)
}

/** What the relay was given wrong: said in one line, exit 2. */
export class RelayUsageError extends Error {}

/** Starts the relay; resolves with it running. `mlflow-promotion-gate relay` waits for a signal to stop it. */
export async function startRelayFromCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: RelayCliIo
): Promise<{ server: RelayServer } | { exitCode: number }> {
  const log = jsonLog(io.stdout)
  let options
  let handler
  try {
    options = relayOptions(argv)
    if (options === 'help') {
      io.stdout(USAGE)
      return { exitCode: 0 }
    }
    handler = relayHandlerFromEnv(env, {
      config: options.config,
      repository: options.repository,
      maxBodyBytes: options.maxBodyBytes,
      log
    })
  } catch (error) {
    if (error instanceof RelayUsageError || error instanceof FileProblemsError) {
      io.stderr(
        `mlflow-promotion-gate relay: ${error.message}\nRun \`mlflow-promotion-gate relay --help\`.\n`
      )
      return { exitCode: 2 }
    }
    throw error
  }
  const routes = routesFrom(options.config)
  try {
    const server = await serveHandler(handler, options.listen, log)
    log({
      level: 'info',
      msg: 'listening',
      url: server.url,
      repository: options.repository ?? options.config.repository ?? env.GITHUB_REPOSITORY,
      evaluateEvent: routes.evaluateEvent,
      auditEvent: routes.auditEvent
    })
    return { server }
  } catch (error) {
    io.stderr(
      `mlflow-promotion-gate relay: cannot listen on ${options.listen.host}:${options.listen.port}: ${(error as Error).message}\n`
    )
    return { exitCode: 1 }
  }
}

function relayOptions(argv: string[]) {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        listen: { type: 'string' },
        repository: { type: 'string' },
        config: { type: 'string' },
        'max-body-bytes': { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      },
      strict: true,
      allowPositionals: false
    })
  } catch (error) {
    throw new RelayUsageError((error as Error).message)
  }
  const { values } = parsed
  if (values.help === true) return 'help' as const
  const config: RelayConfig =
    values.config === undefined ? {} : parseRelayConfig(readConfig(values.config), values.config)
  return {
    config,
    repository: values.repository,
    listen: parseListen(values.listen ?? '127.0.0.1:8787'),
    maxBodyBytes: positiveInteger(values['max-body-bytes'], DEFAULT_MAX_BODY_BYTES, '--max-body-bytes')
  }
}

/**
 * The relay's handler from the environment (MLFLOW_WEBHOOK_SECRET, GITHUB_TOKEN, GITHUB_REPOSITORY,
 * GITHUB_API_URL) and the mapping file: what `mlflow-promotion-gate relay` serves, and what a serverless function
 * exports. Throws, naming what is missing, when it cannot relay anything.
 */
export function relayHandlerFromEnv(
  env: NodeJS.ProcessEnv,
  options: { config?: RelayConfig; repository?: string; maxBodyBytes?: number; log?: RelayLog } = {}
): (request: Request) => Promise<Response> {
  const config = options.config ?? {}
  const log = options.log ?? jsonLog(text => void process.stdout.write(text))
  const { secret, settings } = relaySettings(env, config, options.repository)
  return createRelayHandler({
    secret,
    routes: routesFrom(config),
    dispatch: gitHubDispatcher(settings, message => log({ level: 'warn', msg: message })),
    log,
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {})
  })
}

function relaySettings(env: NodeJS.ProcessEnv, config: RelayConfig, repositoryFlag: string | undefined) {
  const repository = repositoryFlag ?? config.repository ?? env.GITHUB_REPOSITORY
  if (repository === undefined || !/^[\w.-]+\/[\w.-]+$/.test(repository)) {
    throw new RelayUsageError(
      'give the repository to dispatch to (owner/name): --repository, the config, or GITHUB_REPOSITORY'
    )
  }
  const secret = env.MLFLOW_WEBHOOK_SECRET ?? ''
  if (secret === '') {
    throw new RelayUsageError(
      'MLFLOW_WEBHOOK_SECRET is not set: the relay accepts only deliveries signed with the webhook secret'
    )
  }
  const token = env.GITHUB_TOKEN ?? ''
  if (token === '') {
    throw new RelayUsageError('GITHUB_TOKEN is not set: the dispatches need a token with contents: write')
  }
  return { secret, settings: gitHubSettings({ ...env, GITHUB_REPOSITORY: repository }, token) }
}

function readConfig(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw new RelayUsageError(`cannot read the config ${path}: ${(error as Error).message}`)
  }
}

function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-f:]+)\]|([^:]+)):(\d{1,5})$/i.exec(text)
  const port = Number(match?.[3])
  if (match === null || port > 65535) {
    throw new RelayUsageError(`--listen takes host:port (such as 127.0.0.1:8787 or [::]:8787), not "${text}"`)
  }
  return { host: match[1] ?? match[2], port }
}

function positiveInteger(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value <= 0)
    throw new RelayUsageError(`${name} takes a positive whole number, not "${raw}"`)
  return value
}
