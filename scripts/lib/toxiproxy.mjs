// Toxiproxy (github.com/Shopify/toxiproxy), the TCP fault injector the reliability tests put between the action and
// a real MLflow server: built once from its Go module into the cache, started on loopback, stopped by the harness.
import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { freePort, stopProcessGroup, trackChild } from './mlflow-server.mjs'

const run = promisify(execFile)
export const TOXIPROXY_VERSION = 'v2.12.0'

/**
 * Builds the pinned toxiproxy server with `go install` unless the cache has it; returns the binary's path. Two runs
 * at once may both build it: each builds into a folder of its own and renames the binary into place, which is
 * atomic, so neither ever starts a half-written file.
 */
export async function ensureToxiproxy() {
  const cache = process.env.PROMOTION_GATE_CACHE ?? join(homedir(), '.cache', 'mlflow-promotion-gate')
  const bin = join(cache, `toxiproxy-${TOXIPROXY_VERSION}`, 'server')
  if (existsSync(bin)) return bin
  mkdirSync(dirname(bin), { recursive: true })
  const buildDir = mkdtempSync(join(dirname(bin), 'building-'))
  process.stderr.write(`building toxiproxy ${TOXIPROXY_VERSION} with go install (once per machine)…\n`)
  const started = Date.now()
  try {
    const building = run(
      'go',
      ['install', `github.com/Shopify/toxiproxy/v2/cmd/server@${TOXIPROXY_VERSION}`],
      {
        env: { ...process.env, GOBIN: buildDir },
        maxBuffer: 16 * 1024 * 1024
      }
    )
    trackChild(building.child)
    await building
    renameSync(join(buildDir, 'server'), bin)
  } catch (error) {
    throw new Error(
      `Could not build toxiproxy ${TOXIPROXY_VERSION} with \`go install\` (Go and the Go module proxy are needed): ${error.stderr || error.message}`,
      { cause: error }
    )
  } finally {
    rmSync(buildDir, { recursive: true, force: true })
  }
  process.stderr.write(
    `toxiproxy ${TOXIPROXY_VERSION} built in ${Math.round((Date.now() - started) / 1000)} s\n`
  )
  return bin
}

/** Starts toxiproxy on a free loopback port; returns { url, stop() } where url is its HTTP API. */
export async function startToxiproxy({ workDir }) {
  const bin = await ensureToxiproxy()
  mkdirSync(workDir, { recursive: true })
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const logFile = join(workDir, 'toxiproxy.log')
  const log = openSync(logFile, 'a')
  const child = spawn(bin, ['-host', '127.0.0.1', '-port', String(port)], {
    detached: true,
    stdio: ['ignore', log, log]
  })
  const stop = () => stopProcessGroup(child)
  const deadline = Date.now() + 20_000
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`toxiproxy exited with ${child.exitCode}; log:\n${readFileSync(logFile, 'utf8')}`)
    }
    try {
      if ((await fetch(`${url}/version`)).ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`toxiproxy at ${url} did not answer in 20 s; log:\n${readFileSync(logFile, 'utf8')}`)
    }
    await new Promise(r => setTimeout(r, 100))
  }
  return { url, version: TOXIPROXY_VERSION, logFile, stop }
}
