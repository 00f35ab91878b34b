// A throwaway certificate authority and a server certificate it signed, made with the openssl command as a
// company CA would issue them: for the TLS tests and the HTTPS front of the production-shaped MLflow set.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Writes ca.pem (the CA's certificate: what a user gives as MLFLOW_TRACKING_SERVER_CERT_PATH or
 * NODE_EXTRA_CA_CERTS), server.key and server.pem (for `names`, subjectAltName entries such as `IP:127.0.0.1`)
 * into `dir`; returns their paths.
 */
export function makeTestCertificates(dir, names) {
  mkdirSync(dir, { recursive: true })
  const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
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
  return { caFile: join(dir, 'ca.pem'), keyFile: join(dir, 'server.key'), certFile: join(dir, 'server.pem') }
}
