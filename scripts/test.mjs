// The test command: starts real MLflow servers (the pinned 3.x and 2.x on sqlite, the 3.x on PostgreSQL with two
// workers, two 3.x instances on PostgreSQL behind nginx with TLS and a path prefix, and 3.x servers with basic
// auth, workspaces and webhooks), seeds them with MLflow's own Python client,
// runs every Jest project against them, and stops them whatever happens.
// Extra arguments go to Jest (e.g. `npm test -- --selectProjects integration`).
import { spawn } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  pinnedVersions,
  seedMlflowServer,
  startMlflowServer,
  stopLiveChildren
} from './lib/mlflow-server.mjs'
import { documentedCountProblems } from './lib/documented-counts.mjs'
import { startNginx, upstreamCounts } from './lib/nginx.mjs'
import { startPostgres } from './lib/postgres.mjs'
import { makeTestCertificates } from './lib/test-ca.mjs'
import { startToxiproxy } from './lib/toxiproxy.mjs'

const root = resolve(import.meta.dirname, '..')
// One folder per run, so two runs at once (a developer's and an editor's) never share a database; folders of runs
// whose process is gone are removed.
const runsDir = join(root, '.test-run')
mkdirSync(runsDir, { recursive: true })
for (const entry of readdirSync(runsDir)) {
  const pid = Number(/^run-(\d+)$/.exec(entry)?.[1])
  if (!Number.isInteger(pid) || !isAlive(pid)) rmSync(join(runsDir, entry), { recursive: true, force: true })
}
const runDir = join(runsDir, `run-${process.pid}`)
mkdirSync(runDir, { recursive: true })

function isAlive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const servers = []
let stopping = false
async function stopAll() {
  if (stopping) return
  stopping = true
  stopLiveChildren()
  await Promise.allSettled(servers.map(server => server.stop()))
}
/** Starts one server and registers it at once, so that a failure of another still stops this one. */
async function registered(start) {
  const server = await start
  servers.push(server)
  if (stopping) await server.stop()
  return server
}
let jest
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    // Jest too: left running, it would wait for servers that are gone.
    jest?.kill('SIGTERM')
    stopAll().finally(() => process.exit(130))
  })
}

/**
 * The production-shaped set: two MLflow 3.x instances with two workers each, sharing one PostgreSQL database and one
 * artifact store, behind nginx that round-robins between them, terminates TLS with a test CA's certificate and
 * serves MLflow under /mlflow. The first instance starts alone (it migrates the database). Returns the front as a
 * server (its url the https URL with the prefix), with stop() for all three.
 */
async function startMultiInstanceSet({ version, postgres }) {
  const dir = join(runDir, 'mlflow3-multi')
  const backendStoreUri = postgres.createDatabase('mlflow_multi')
  const artifactsDestination = join(dir, 'mlartifacts')
  const parts = []
  const stop = () => Promise.allSettled(parts.map(part => part.stop())).then(() => undefined)
  try {
    for (const name of ['a', 'b']) {
      parts.push(
        await startMlflowServer({
          version,
          workDir: join(dir, name),
          label: `mlflow3-multi-${name}`,
          backendStoreUri,
          artifactsDestination,
          workers: 2
        })
      )
    }
    const certificates = makeTestCertificates(join(dir, 'tls'), ['IP:127.0.0.1', 'DNS:localhost'])
    const front = await startNginx({
      workDir: join(dir, 'nginx'),
      upstreams: parts.map(part => part.url),
      prefix: '/mlflow',
      ...certificates
    })
    parts.push(front)
    const [first] = parts
    return {
      label: 'mlflow3-multi',
      url: front.url,
      version: first.version,
      venv: first.venv,
      backendStoreUri,
      workDir: dir,
      nginx: front.version,
      accessLog: front.accessLog,
      caFile: certificates.caFile,
      clientEnv: { MLFLOW_TRACKING_SERVER_CERT_PATH: certificates.caFile },
      stop
    }
  } catch (error) {
    await stop()
    throw error
  }
}

function log(message) {
  console.log(`[test harness] ${message}`)
}

async function main() {
  const versions = pinnedVersions()
  const started = Date.now()
  const basicAuth = { adminUsername: 'gate-admin', adminPassword: 'Adm1n-Secret-For-Tests-7731' }
  log('starting the MLflow servers and Toxiproxy (the first run on a machine builds their environments)')
  const postgres = await registered(startPostgres({ workDir: join(runDir, 'postgres') }))
  log(`${postgres.version} at ${postgres.url}`)
  const starts = [
    startMlflowServer({ version: versions.mlflow3, workDir: join(runDir, 'mlflow3'), label: 'mlflow3' }),
    startMlflowServer({ version: versions.mlflow2, workDir: join(runDir, 'mlflow2'), label: 'mlflow2' }),
    startMlflowServer({
      version: versions.mlflow3,
      workDir: join(runDir, 'mlflow3-auth'),
      label: 'mlflow3-basic-auth',
      basicAuth
    }),
    startMlflowServer({
      version: versions.mlflow3,
      workDir: join(runDir, 'mlflow3-workspaces'),
      label: 'mlflow3-workspaces',
      workspaces: true
    }),
    startMlflowServer({
      version: versions.mlflow3,
      workDir: join(runDir, 'mlflow3-webhooks'),
      label: 'mlflow3-webhooks',
      webhooks: true
    }),
    startMlflowServer({
      version: versions.mlflow3,
      workDir: join(runDir, 'mlflow3-postgres'),
      label: 'mlflow3-postgres',
      backendStoreUri: postgres.url,
      workers: 2
    }),
    startToxiproxy({ workDir: join(runDir, 'toxiproxy') }),
    startMultiInstanceSet({ version: versions.mlflow3, postgres })
  ].map(registered)
  // Wait for every start to settle before failing, so that nothing started is left running.
  const outcomes = await Promise.allSettled(starts)
  const failure = outcomes.find(outcome => outcome.status === 'rejected')
  if (failure) throw failure.reason
  const values = outcomes.map(outcome => outcome.value)
  const [
    mlflow3,
    mlflow2,
    mlflow3Auth,
    mlflow3Workspaces,
    mlflow3Webhooks,
    mlflow3Postgres,
    toxiproxy,
    multi
  ] = values
  const mlflowServers = values.filter(server => server !== toxiproxy)
  for (const server of mlflowServers) {
    log(`MLflow ${server.version} (${server.label}) at ${server.url}`)
  }
  log(`toxiproxy ${toxiproxy.version} at ${toxiproxy.url}`)
  const [seed3, seed2, seed3Postgres, seedMulti] = await Promise.all([
    seedMlflowServer(mlflow3),
    seedMlflowServer(mlflow2),
    seedMlflowServer(mlflow3Postgres),
    seedMlflowServer(multi)
  ])
  log(`servers started and seeded in ${Math.round((Date.now() - started) / 1000)} s`)

  const describe = (server, seed) => ({
    label: server.label,
    url: server.url,
    version: server.version,
    venv: server.venv,
    backendStoreUri: server.backendStoreUri,
    seed
  })
  const manifest = {
    servers: [
      describe(mlflow3, seed3),
      describe(mlflow2, seed2),
      { ...describe(mlflow3Postgres, seed3Postgres), backend: `${postgres.version}, 2 workers` },
      {
        ...describe(multi, seedMulti),
        backend: `${postgres.version}, 2 instances × 2 workers behind ${multi.nginx} (TLS, /mlflow)`,
        caFile: multi.caFile
      }
    ],
    basicAuth: { ...describe(mlflow3Auth, null), ...basicAuth },
    workspaces: describe(mlflow3Workspaces, null),
    webhooks: describe(mlflow3Webhooks, null),
    toxiproxy: { url: toxiproxy.url, version: toxiproxy.version }
  }
  const manifestPath = join(runDir, 'servers.json')
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2))

  const resultsPath = join(runDir, 'jest-results.json')
  const code = await new Promise(resolveCode => {
    const child = (jest = spawn(
      process.execPath,
      [
        '--experimental-vm-modules',
        join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
        '--json',
        // The MLflow servers outlive Jest; keep-alive sockets to them must not hold the run open.
        '--forceExit',
        `--outputFile=${resultsPath}`,
        ...process.argv.slice(2)
      ],
      {
        cwd: root,
        stdio: 'inherit',
        // The test CA of the HTTPS front, trusted by the tests and every bundle they run, as a user would with
        // NODE_EXTRA_CA_CERTS (the TLS tests' own CAs stay untrusted).
        env: {
          ...process.env,
          NODE_NO_WARNINGS: '1',
          PROMOTION_GATE_SERVERS: manifestPath,
          NODE_EXTRA_CA_CERTS: multi.caFile
        }
      }
    ))
    child.on('exit', (exitCode, signal) => resolveCode(exitCode ?? (signal ? 1 : 0)))
  })
  try {
    const results = JSON.parse(readFileSync(resultsPath, 'utf8'))
    const skipped = results.numPendingTests + results.numTodoTests
    log(`MLflow servers: ${mlflowServers.map(s => `${s.label} ${s.version}`).join(', ')}`)
    console.log(
      `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped`
    )
    printFigures()
    const counts = upstreamCounts(multi.accessLog)
    log(
      `figure: multi-instance requests through nginx = ${counts.total} (${Object.entries(counts.byUpstream)
        .map(([upstream, n]) => `${upstream}: ${n}`)
        .join(', ')}; 5xx answers: ${counts.serverErrors})`
    )
    // Only a whole run (no arguments narrowing it) can vouch for the counts the documents state.
    if (process.argv.length === 2) {
      const problems = documentedCountProblems(root, results)
      for (const problem of problems) console.error(`[test harness] documented count: ${problem}`)
      if (problems.length > 0 && code === 0) return 1
    }
  } catch (error) {
    log(`no Jest results were read (${error instanceof Error ? error.message : String(error)})`)
  }
  return code
}

/** The figures the reliability tests wrote (see __tests__/harness/figures.ts). */
function printFigures() {
  let lines
  try {
    lines = readFileSync(join(runDir, 'figures.jsonl'), 'utf8').trim().split('\n')
  } catch {
    return
  }
  for (const line of lines) {
    const { name, value } = JSON.parse(line)
    log(`figure: ${name} = ${value}`)
  }
}

let exitCode = 1
try {
  exitCode = await main()
} catch (error) {
  console.error(`[test harness] ${error instanceof Error ? error.message : String(error)}`)
  console.error('[test harness] stopped everything it had started; nothing ran')
} finally {
  await stopAll()
}
process.exit(exitCode)
