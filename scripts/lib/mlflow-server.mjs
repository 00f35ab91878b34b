// Starts and stops real MLflow servers for tests, the demo and benchmarks: a pinned venv per version,
// sqlite backend, served artifacts, loopback on a free port.
import { execFile, spawn } from 'node:child_process'
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const scriptsDir = resolve(import.meta.dirname, '..')

export function pinnedVersions() {
  const env = readFileSync(join(scriptsDir, 'mlflow-versions.env'), 'utf8')
  const value = name => env.match(new RegExp(`^${name}=(.+)$`, 'm'))[1].trim()
  return { mlflow3: value('MLFLOW3_VERSION'), mlflow2: value('MLFLOW2_VERSION') }
}

const venvBuilds = new Map()

/**
 * Builds (or reuses from the cache) the venv for an MLflow version; returns its directory. The build's progress goes
 * to this process's stderr as it happens; calls for the same version share one build (and the script's lock keeps
 * other processes out of it).
 */
export function ensureVenv(version) {
  if (!venvBuilds.has(version)) {
    const build = runVenvScript(version)
    venvBuilds.set(version, build)
    build.catch(() => venvBuilds.delete(version))
  }
  return venvBuilds.get(version)
}

function runVenvScript(version) {
  return new Promise((resolveVenv, reject) => {
    const child = spawn('bash', [join(scriptsDir, 'mlflow-venv.sh'), version], {
      stdio: ['ignore', 'pipe', 'pipe']
    })
    trackChild(child)
    let stdout = ''
    let tail = ''
    child.stdout.on('data', chunk => (stdout += chunk))
    child.stderr.on('data', chunk => {
      process.stderr.write(chunk)
      tail = (tail + chunk).slice(-4000)
    })
    child.on('error', reject)
    // 'close', not 'exit': at 'exit' the script's stdout may not be read to the end yet, and an empty path was
    // once taken for the venv (spawn bin/python ENOENT) on a busy machine.
    child.on('close', (code, signal) => {
      const venv = stdout.trim().split('\n').pop()
      if (code === 0 && venv) return resolveVenv(venv)
      const lastLines = tail.trim().split('\n').slice(-5).join('\n')
      reject(
        new Error(
          `building the MLflow ${version} environment failed (${signal ?? `exit ${code}`}): ${lastLines}\n` +
            `run \`bash scripts/mlflow-venv.sh ${version}\` to see the whole build`
        )
      )
    })
  })
}

const liveChildren = new Set()
/** Remembers a child until it exits, so that an interrupted run can stop it (see stopLiveChildren). */
export function trackChild(child) {
  liveChildren.add(child)
  child.once('exit', () => liveChildren.delete(child))
  return child
}

/** Kills every tracked child that is still running (venv builds, seeders): the servers have their own stop(). */
export function stopLiveChildren() {
  for (const child of liveChildren) {
    try {
      child.kill('SIGTERM')
    } catch {
      // already gone
    }
  }
}

/** Stops a process started with `detached: true` and everything it started: SIGTERM, then SIGKILL after 10 s. */
export async function stopProcessGroup(child) {
  if (child.exitCode !== null) return
  const exited = new Promise(r => child.once('exit', r))
  try {
    process.kill(-child.pid, 'SIGTERM')
  } catch {
    return
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }, 10_000)
  await exited
  clearTimeout(timer)
}

export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolvePort(port))
    })
  })
}

async function waitForHealth(url, child, logFile, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs
  // A server that cannot even be spawned fails the start (an unhandled 'error' event would end the harness
  // with everything else it started left running).
  let spawnError
  child.once('error', error => (spawnError = error))
  while (Date.now() < deadline) {
    if (spawnError !== undefined) throw new Error(`mlflow server could not be started: ${spawnError.message}`)
    if (child.exitCode !== null) {
      throw new Error(
        `mlflow server exited with ${child.exitCode}; log:\n${readFileSync(logFile, 'utf8').slice(-3000)}`
      )
    }
    try {
      const res = await fetch(`${url}/health`)
      if (res.ok) return
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 300))
  }
  throw new Error(
    `mlflow server at ${url} not healthy after ${timeoutMs} ms; log:\n${readFileSync(logFile, 'utf8').slice(-3000)}`
  )
}

/**
 * Starts `mlflow server` from the pinned venv of `version` in `workDir`.
 * Options: basicAuth ({ adminUsername, adminPassword }) starts it with `--app-name basic-auth`; workspaces (true)
 * with `--enable-workspaces` (MLflow 3.x: tenants chosen per request by the X-MLFLOW-WORKSPACE header); webhooks
 * (true) lets its webhooks reach plain-HTTP loopback receivers and sees new webhooks within a second;
 * backendStoreUri (default a sqlite file in workDir: a PostgreSQL URL for the production-shaped set); workers
 * (default 1); port (a fixed port, to restart a server where its clients expect it; a free one otherwise);
 * artifactsDestination (default a folder in workDir: one shared by the instances of a multi-instance set).
 * Returns { url, version, venv, backendStoreUri, workDir, stop() }.
 */
export async function startMlflowServer({
  version,
  workDir,
  basicAuth,
  workspaces = false,
  webhooks = false,
  backendStoreUri: givenBackendStoreUri,
  workers = 1,
  label = `mlflow-${version}`,
  port: fixedPort,
  artifactsDestination
}) {
  const venv = await ensureVenv(version)
  mkdirSync(workDir, { recursive: true })
  const port = fixedPort ?? (await freePort())
  const url = `http://127.0.0.1:${port}`
  const backendStoreUri = givenBackendStoreUri ?? `sqlite:///${join(workDir, 'mlflow.db')}`
  const env = {
    ...process.env,
    MLFLOW_DISABLE_TELEMETRY: 'true',
    DO_NOT_TRACK: 'true',
    // MLflow 3's server otherwise starts a pool of Huey job consumers (GenAI jobs the registry never uses), six
    // Python processes polling on this 2-core machine beside every test and benchmark.
    MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
    MLFLOW_TRACKING_URI: url
  }
  const args = [
    'server',
    '--backend-store-uri',
    backendStoreUri,
    '--artifacts-destination',
    artifactsDestination ?? join(workDir, 'mlartifacts'),
    '--serve-artifacts',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--workers',
    String(workers)
  ]
  if (basicAuth) {
    const ini = join(workDir, 'basic_auth.ini')
    writeFileSync(
      ini,
      [
        '[mlflow]',
        'default_permission = READ',
        `database_uri = sqlite:///${join(workDir, 'basic_auth.db')}`,
        `admin_username = ${basicAuth.adminUsername}`,
        `admin_password = ${basicAuth.adminPassword}`,
        'authorization_function = mlflow.server.auth:authenticate_request_basic_auth',
        ''
      ].join('\n')
    )
    env.MLFLOW_AUTH_CONFIG_PATH = ini
    env.MLFLOW_FLASK_SERVER_SECRET_KEY = 'promotion-gate-test-secret-key'
    args.push('--app-name', 'basic-auth')
  }
  if (workspaces) args.push('--enable-workspaces')
  if (webhooks) {
    // MLflow's SSRF guard refuses private addresses and plain HTTP; it caches the webhook list for 60 s by default.
    env.MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS = 'true'
    env.MLFLOW_WEBHOOK_ALLOWED_SCHEMES = 'http,https'
    env.MLFLOW_WEBHOOK_CACHE_TTL = '1'
  }
  const logFile = join(workDir, 'server.log')
  const log = openSync(logFile, 'a')
  // `python -m mlflow`, not bin/mlflow: the venv was built in another folder and renamed, so its console scripts'
  // shebangs point at a path that is gone.
  const child = spawn(join(venv, 'bin', 'python'), ['-m', 'mlflow', ...args], {
    cwd: workDir,
    env,
    detached: true,
    stdio: ['ignore', log, log]
  })
  const stop = () => stopProcessGroup(child)
  try {
    await waitForHealth(url, child, logFile)
  } catch (error) {
    await stop()
    throw error
  }
  const headers = basicAuth
    ? {
        authorization: `Basic ${Buffer.from(`${basicAuth.adminUsername}:${basicAuth.adminPassword}`).toString('base64')}`
      }
    : {}
  const serverVersion = (await (await fetch(`${url}/version`, { headers })).text()).trim()
  return { label, url, version: serverVersion, venv, backendStoreUri, workDir, logFile, pid: child.pid, stop }
}

/**
 * Runs scripts/mlflow/seed.py with the server's own MLflow client; returns its manifest. `server.clientEnv` (e.g.
 * MLFLOW_TRACKING_SERVER_CERT_PATH for an HTTPS front) is added to the client's environment.
 */
export async function seedMlflowServer(server) {
  const manifestPath = join(server.workDir, 'seed-manifest.json')
  const seeding = run(
    join(server.venv, 'bin', 'python'),
    [join(scriptsDir, 'mlflow', 'seed.py'), server.url, server.backendStoreUri, manifestPath],
    {
      cwd: server.workDir,
      env: {
        ...process.env,
        MLFLOW_DISABLE_TELEMETRY: 'true',
        DO_NOT_TRACK: 'true',
        MLFLOW_TRACKING_URI: server.url,
        ...server.clientEnv
      },
      maxBuffer: 16 * 1024 * 1024
    }
  )
  trackChild(seeding.child)
  await seeding
  return JSON.parse(readFileSync(manifestPath, 'utf8'))
}
