import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import { signDelivery } from '../../src/relay/signature.js'

const cli = resolve(import.meta.dirname, '../../bin/mlflow-promotion-gate.cjs')
/** The webhook secret the relays of the tests share with MLflow. */
export const RELAY_SECRET = 'relay-test-secret-6d1f0c'

export interface RunningRelay {
  url: string
  child: ChildProcess
  logs: () => string
}

/** Starts the committed relay (`mlflow-promotion-gate relay`) on a free port; resolves once it listens. */
export async function startRelay(token: string, apiUrl: string): Promise<RunningRelay> {
  const child = spawn(
    process.execPath,
    [cli, 'relay', '--repository', 'acme/models', '--listen', '127.0.0.1:0'],
    {
      env: {
        PATH: process.env.PATH,
        MLFLOW_WEBHOOK_SECRET: RELAY_SECRET,
        GITHUB_TOKEN: token,
        GITHUB_API_URL: apiUrl
      },
      stdio: ['ignore', 'pipe', 'pipe']
    }
  )
  let output = ''
  child.stdout?.setEncoding('utf8')
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', chunk => (output += chunk))
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.stdout?.on('data', chunk => {
      output += chunk
      const listening = /"msg":"listening","url":"([^"]+)"/.exec(output)
      if (listening) resolveUrl(listening[1])
    })
    child.on('exit', code => reject(new Error(`the relay exited with ${code}:\n${output}`)))
  })
  return { url, child, logs: () => output }
}

export async function stopRelay(relay: RunningRelay): Promise<number | null> {
  const exited = new Promise<number | null>(resolveCode => relay.child.on('exit', code => resolveCode(code)))
  relay.child.kill('SIGTERM')
  return exited
}

export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(done => setTimeout(done, 100))
  }
}

/** A delivery as MLflow sends one (signed with the tests' secret unless told otherwise), posted to the relay. */
export function postDelivery(
  relayUrl: string,
  body: string,
  options: { delivery?: string; timestamp?: number; signature?: string | null } = {}
): Promise<Response> {
  const delivery = options.delivery ?? crypto.randomUUID()
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000))
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-mlflow-delivery-id': delivery,
    'x-mlflow-timestamp': timestamp
  }
  const signature =
    options.signature === undefined
      ? signDelivery(RELAY_SECRET, delivery, timestamp, body)
      : options.signature
  if (signature !== null) headers['x-mlflow-signature'] = signature
  return fetch(`${relayUrl}/mlflow`, { method: 'POST', headers, body })
}
