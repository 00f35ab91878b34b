// nginx (Debian's) in front of several MLflow server instances, as a company runs MLflow: round-robin between
// them, TLS from a company CA, MLflow under a path prefix. Configured and run from the run's folder.
import { spawn, spawnSync } from 'node:child_process'
import { connect } from 'node:net'
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { aptInstall } from './apt.mjs'
import { freePort, stopProcessGroup } from './mlflow-server.mjs'

const NGINX = '/usr/sbin/nginx'

function nginxBinary() {
  if (!existsSync(NGINX)) aptInstall(['nginx-light'], 'nginx')
  if (!existsSync(NGINX)) throw new Error(`apt-get installed nginx-light but ${NGINX} is not there`)
  return NGINX
}

/**
 * Starts nginx on a free loopback port: HTTPS with `certFile`/`keyFile`, `prefix` (e.g. `/mlflow`) proxied to the
 * `upstreams` (http://127.0.0.1:port URLs) in turn with the prefix taken off, and 404 for anything else.
 * Returns { url (https://127.0.0.1:port<prefix>), version, accessLog, stop() }.
 */
export async function startNginx({ workDir, upstreams, prefix, certFile, keyFile }) {
  const binary = nginxBinary()
  const temp = join(workDir, 'temp')
  mkdirSync(temp, { recursive: true })
  // As root, nginx's workers run as nobody: they write request bodies here.
  chmodSync(temp, 0o777)
  const port = await freePort()
  const accessLog = join(workDir, 'access.log')
  const servers = upstreams.map(url => `    server ${new URL(url).host} max_fails=0;`).join('\n')
  const config = `
worker_processes 2;
pid ${join(workDir, 'nginx.pid')};
error_log ${join(workDir, 'error.log')} warn;
events { worker_connections 512; }
http {
  # Which instance answered each request: the harness counts them (upstreamCounts).
  log_format upstreams '$upstream_addr $status $request_method';
  access_log ${accessLog} upstreams;
  client_body_temp_path ${temp}/body;
  proxy_temp_path ${temp}/proxy;
  fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi;
  scgi_temp_path ${temp}/scgi;
  client_max_body_size 100m;
  upstream mlflow {
${servers}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${certFile};
    ssl_certificate_key ${keyFile};
    location ${prefix}/ {
      proxy_pass http://mlflow/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_read_timeout 300s;
      # A request an instance fails with a connection error goes to the other one, never a write that MLflow
      # may have applied (nginx retries only idempotent methods by default).
      proxy_next_upstream error timeout;
    }
    location / { return 404; }
  }
}
`
  const configFile = join(workDir, 'nginx.conf')
  writeFileSync(configFile, config)
  const log = openSync(join(workDir, 'nginx.out'), 'a')
  const child = spawn(binary, ['-p', workDir, '-c', configFile, '-g', 'daemon off;'], {
    detached: true,
    stdio: ['ignore', log, log]
  })
  let spawnError
  child.once('error', error => (spawnError = error))
  const stop = () => stopProcessGroup(child)
  const url = `https://127.0.0.1:${port}${prefix}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (spawnError !== undefined) throw new Error(`nginx could not be started: ${spawnError.message}`)
    if (child.exitCode !== null) {
      throw new Error(
        `nginx exited with ${child.exitCode}: ${readFileSync(join(workDir, 'error.log'), 'utf8').slice(-2000)}`
      )
    }
    if (await listening(port)) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`nginx did not listen on ${port} within 30 s`)
    }
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  // `nginx version: nginx/1.22.1`, on stderr → `nginx 1.22.1`
  const printed = spawnSync(binary, ['-v'], { encoding: 'utf8' })
  const version = `nginx ${/nginx\/([\d.]+)/.exec(`${printed.stderr}${printed.stdout}`)?.[1] ?? 'unknown'}`
  return { url, version, accessLog, stop }
}

function listening(port) {
  return new Promise(resolve => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/**
 * From nginx's access log: how many requests each upstream answered, and how many answers were 5xx (502: an
 * instance unreachable; 500: MLflow's own error). Retried requests name both instances; the last one answered.
 */
export function upstreamCounts(accessLog) {
  const byUpstream = {}
  let serverErrors = 0
  let total = 0
  for (const line of readFileSync(accessLog, 'utf8').split('\n')) {
    const [upstreams, status] = line.split(' ')
    if (status === undefined) continue
    total++
    const answered = upstreams.split(',').pop().trim()
    byUpstream[answered] = (byUpstream[answered] ?? 0) + 1
    if (status.startsWith('5')) serverErrors++
  }
  return { total, byUpstream, serverErrors }
}
