// The relay's own bundle (dist/relay/index.js): `mlflow-promotion-gate relay` runs it, and a serverless platform
// imports `createRelayHandler` from it (`mlflow-promotion-gate/relay`) to host the same logic.
import { startRelayFromCli } from './start.js'

export { relayHandlerFromEnv, RelayUsageError } from './start.js'

export { createRelayHandler, type RelayHandlerOptions, type RelayLog } from './handler.js'
export { gitHubDispatcher } from './dispatcher.js'
export { DEFAULT_ROUTES, routeEvent, type Dispatch, type RelayRoutes } from './events.js'
export { parseRelayConfig, routesFrom } from './config.js'
export { DeliveryLog } from './deliveries.js'
export { jsonLog } from './start.js'
export { serveHandler } from './server.js'

/** `mlflow-promotion-gate relay …`: serves until SIGTERM or SIGINT, then stops taking deliveries and exits 0. */
export async function runRelayCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const io = {
    stdout: (text: string) => void process.stdout.write(text),
    stderr: (text: string) => void process.stderr.write(text)
  }
  const started = await startRelayFromCli(argv, env, io)
  if ('exitCode' in started) {
    process.exitCode = started.exitCode
    return
  }
  await new Promise<void>(resolve => {
    const stop = () => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      resolve()
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
  await started.server.close()
  io.stdout(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: 'stopped' })}\n`)
}
