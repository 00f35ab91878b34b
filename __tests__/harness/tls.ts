import { mkdtempSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { forward } from './proxy.js'
import { makeTestCertificates } from '../../scripts/lib/test-ca.mjs'

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
  const files = makeTestCertificates(mkdtempSync(join(tmpdir(), 'gate-tls-')), names)
  return {
    caFile: files.caFile,
    key: readFileSync(files.keyFile, 'utf8'),
    cert: readFileSync(files.certFile, 'utf8')
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
