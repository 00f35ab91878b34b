// A throwaway PostgreSQL cluster on loopback for MLflow's backend store: Debian's `postgresql` server programs,
// `initdb` into the run's folder (trust auth, no fsync: nothing here outlives the run), `pg_ctl` to start and stop.
import { execFileSync, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { aptInstall } from './apt.mjs'
import { freePort } from './mlflow-server.mjs'

/** The folder of Debian's PostgreSQL server programs (the newest installed), installing the package if allowed. */
export function postgresBinDir() {
  const found = () => {
    const root = '/usr/lib/postgresql'
    if (!existsSync(root)) return undefined
    const versions = readdirSync(root)
      .filter(name => /^\d+$/.test(name) && existsSync(join(root, name, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a))
    return versions.length > 0 ? join(root, versions[0], 'bin') : undefined
  }
  const dir = found()
  if (dir !== undefined) return dir
  aptInstall(['postgresql'], "PostgreSQL's server programs")
  const installed = found()
  if (installed === undefined)
    throw new Error('apt-get installed postgresql but no initdb is under /usr/lib/postgresql')
  return installed
}

/**
 * Starts a cluster in `workDir` with a database `mlflow` owned by the user `mlflow`. As root (PostgreSQL refuses
 * to run as root) the server runs as the `postgres` account the package creates. Returns { url, stop() }.
 */
export async function startPostgres({ workDir }) {
  const bin = postgresBinDir()
  const asRoot = process.getuid?.() === 0
  const run = (program, args) => {
    const command = asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]]
      : [join(bin, program), args]
    const result = spawnSync(command[0], command[1], { encoding: 'utf8' })
    if (result.status !== 0) {
      throw new Error(
        `${program} failed (exit ${result.status}): ${(result.stderr || result.stdout).trim().slice(-2000)}`
      )
    }
  }
  mkdirSync(workDir, { recursive: true })
  if (asRoot) {
    const { uid, gid } = accountOf('postgres')
    chownSync(workDir, uid, gid)
  }
  const data = join(workDir, 'data')
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'mlflow', '-E', 'UTF8', '--no-sync'])
  const port = await freePort()
  const options = `-p ${port} -k ${workDir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`
  run('pg_ctl', ['-D', data, '-o', options, '-l', join(workDir, 'postgres.log'), '-w', 'start'])
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    try {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
    } catch {
      // Already gone (the run was interrupted): nothing is left to stop.
    }
  }
  try {
    run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'mlflow', 'mlflow'])
  } catch (error) {
    await stop()
    throw error
  }
  // `postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)` → `PostgreSQL 15.18`
  const printed = execFileSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8' })
  const version = `PostgreSQL ${/\) (\d+(?:\.\d+)*)/.exec(printed)?.[1] ?? printed.trim()}`
  // psycopg2 rather than SQLAlchemy's default psycopg 3: see scripts/mlflow-venv.sh.
  const urlOf = database => `postgresql+psycopg2://mlflow@127.0.0.1:${port}/${database}`
  /** Another database in the same cluster, for another MLflow server set; returns its URL. */
  const createDatabase = name => {
    run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'mlflow', name])
    return urlOf(name)
  }
  return { url: urlOf('mlflow'), version, createDatabase, stop }
}

function accountOf(name) {
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim())
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim())
  return { uid, gid }
}
