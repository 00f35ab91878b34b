import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { forward } from './proxy.js'

export interface TestCertificates {
  /** The test CA's certificate (PEM file): what a user gives as MLFLOW_TRACKING_SERVER_CERT_PATH. */
  caFile: string
  key: string
  cert: string
}

/**
 * A throwaway certificate authority and a server certificate it signed for `names` (subjectAltName entries such as
 * `IP:127.0.0.1`), made with the openssl command as a company CA would issue them.
 */
export function makeCertificates(names: string[]): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'gate-tls-'))
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Promotion Gate Test CA'
  )
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=mlflow-test'
  )
  writeFileSync(join(dir, 'san.ext'), `subjectAltName=${names.join(',')}\n`)
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext'
  )
  return {
    caFile: join(dir, 'ca.pem'),
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
    cert: readFileSync(join(dir, 'server.pem'), 'utf8')
  }
}

/** TLS in front of a plain-HTTP MLflow server, as a company's reverse proxy terminates it. */
export async function tlsFront(
  target: string,
  certificates: TestCertificates
): Promise<{ url: string; requests: () => number; stop: () => Promise<void> }> {
  const upstream = new URL(target)
  let count = 0
  const server: Server = createServer({ key: certificates.key, cert: certificates.cert }, (req, res) => {
    count++
    forward(req, res, upstream)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => count,
    stop: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
