import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { dryRunEvaluateInputs, workspaceWith } from '../harness/commands.js'
import { runBundle } from '../harness/runner.js'
import { clientFor, createModelFrom, testServers, uniqueName } from '../harness/servers.js'
import { makeCertificates, tlsFront } from '../harness/tls.js'

const [[label, server]] = testServers()

/** An MLflow server behind TLS from a company CA, reached by the committed bundle. */
describe(`the bundle over TLS in front of ${label}`, () => {
  const client = clientFor(server.url)
  const trusted = makeCertificates(['IP:127.0.0.1'])
  const otherHost = makeCertificates(['DNS:mlflow.example.invalid'])
  let front: Awaited<ReturnType<typeof tlsFront>>
  let wrongName: Awaited<ReturnType<typeof tlsFront>>
  let model: string
  let workspace: string

  beforeAll(async () => {
    front = await tlsFront(server.url, trusted)
    wrongName = await tlsFront(server.url, otherHost)
    model = uniqueName('tls')
    const { iris } = server.seed.models
    await createModelFrom(client, model, [[iris.name, iris.champion.version]])
    workspace = workspaceWith({
      '.github/model-promotion.yml': `version: 1\nmodels:\n  ${model}:\n    staging:\n      rules:\n        - { metric: accuracy, min: 0.5 }\n`
    })
  })
  afterAll(async () => {
    await front.stop()
    await wrongName.stop()
    client.http.close()
  })

  const evaluate = (uri: string, env: NodeJS.ProcessEnv) =>
    runBundle(dryRunEvaluateInputs(model, uri), {
      env: { GITHUB_WORKSPACE: workspace, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '3', ...env }
    })

  it.each<[string, NodeJS.ProcessEnv]>([
    ['MLFLOW_TRACKING_SERVER_CERT_PATH', { MLFLOW_TRACKING_SERVER_CERT_PATH: trusted.caFile }],
    ['NODE_EXTRA_CA_CERTS', { NODE_EXTRA_CA_CERTS: trusted.caFile }],
    ['MLFLOW_TRACKING_INSECURE_TLS (no verification)', { MLFLOW_TRACKING_INSECURE_TLS: 'true' }]
  ])('trusts the CA given with %s', async (_how, env) => {
    const result = await evaluate(front.url, env)
    expect(result.stdout).toContain(`${model} v1: passed; dry run: would move to Staging`)
    expect(result.status).toBe(0)
  })

  it('refuses an untrusted certificate at once, with what to do, and sends nothing', async () => {
    const before = front.requests()
    const result = await evaluate(front.url, {})
    expect(result.status).toBe(1)
    expect(result.stdout).toMatch(
      /failed after 1 attempt\(s\): the server's TLS certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE[^)]*\); give the certificate authority's PEM file with MLFLOW_TRACKING_SERVER_CERT_PATH \(or NODE_EXTRA_CA_CERTS\)/
    )
    expect(front.requests()).toBe(before)
  })

  it('refuses a certificate for another host, even from a trusted CA', async () => {
    const result = await evaluate(wrongName.url, { MLFLOW_TRACKING_SERVER_CERT_PATH: otherHost.caFile })
    expect(result.status).toBe(1)
    expect(result.stdout).toContain(
      "failed after 1 attempt(s): the server's TLS certificate is not for this host"
    )
    expect(result.stdout).toContain('127.0.0.1')
  })
})
