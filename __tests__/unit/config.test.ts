import { describe, expect, it } from '@jest/globals'
import { authorizationHeader, resolveRegistryConfig } from '../../src/registry/config.js'

describe('registry configuration', () => {
  it('takes the tracking URI from the input before MLFLOW_TRACKING_URI', () => {
    const { config } = resolveRegistryConfig(
      { trackingUri: 'https://mlflow.example.com/prefix/' },
      { MLFLOW_TRACKING_URI: 'http://other' }
    )
    expect(config.baseUrl).toBe('https://mlflow.example.com/prefix')
    expect(resolveRegistryConfig({}, { MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000' }).config.baseUrl).toBe(
      'http://127.0.0.1:5000'
    )
  })

  it('takes the workspace from the input before MLFLOW_WORKSPACE, and checks it by MLflow’s naming rule', () => {
    const workspace = (input: string | undefined, env: NodeJS.ProcessEnv = {}) =>
      resolveRegistryConfig({ trackingUri: 'http://h', workspace: input }, env).config.workspace
    expect(workspace(undefined)).toBeUndefined()
    expect(workspace('', { MLFLOW_WORKSPACE: '  ' })).toBeUndefined()
    expect(workspace(' team-a ', { MLFLOW_WORKSPACE: 'team-b' })).toBe('team-a')
    expect(workspace(undefined, { MLFLOW_WORKSPACE: 'team-b' })).toBe('team-b')
    expect(workspace('a1')).toBe('a1')
    expect(workspace('x'.repeat(63))).toBe('x'.repeat(63))
    for (const bad of ['Team-A', 'team_a', '-team', 'team-', 'a', 'x'.repeat(64), 'team a']) {
      expect(() => workspace(bad)).toThrow(`The \`workspace\` input "${bad}" is not an MLflow workspace name`)
    }
    expect(() => workspace(undefined, { MLFLOW_WORKSPACE: 'Nope' })).toThrow('MLFLOW_WORKSPACE "Nope" is not')
    expect(() => workspace('api')).toThrow('is a name MLflow reserves')
  })

  it('fails with a clear message when there is no URI or it is not http(s)', () => {
    expect(() => resolveRegistryConfig({}, {})).toThrow(/No MLflow tracking URI/)
    expect(() => resolveRegistryConfig({ trackingUri: 'databricks' }, {})).toThrow(/not a valid URL/)
    expect(() => resolveRegistryConfig({ trackingUri: 'file:///tmp/mlruns' }, {})).toThrow(
      /must use http or https/
    )
  })

  it('prefers username and password over a token, like the Python client, and returns every secret', () => {
    const { config, secrets } = resolveRegistryConfig(
      { trackingUri: 'http://h', trackingUsername: 'u', trackingPassword: 'p4ss', trackingToken: 't0k' },
      {}
    )
    expect(config.auth).toEqual({ kind: 'basic', username: 'u', password: 'p4ss' })
    expect(authorizationHeader(config.auth)).toBe(`Basic ${Buffer.from('u:p4ss').toString('base64')}`)
    expect(secrets).toEqual(
      expect.arrayContaining([
        'p4ss',
        `Basic ${Buffer.from('u:p4ss').toString('base64')}`,
        't0k',
        'Bearer t0k'
      ])
    )
  })

  it('uses a bearer token from the environment', () => {
    const { config } = resolveRegistryConfig({ trackingUri: 'http://h' }, { MLFLOW_TRACKING_TOKEN: 'abc' })
    expect(config.auth).toEqual({ kind: 'bearer', token: 'abc' })
    expect(authorizationHeader(config.auth)).toBe('Bearer abc')
  })

  it('moves credentials out of the URI', () => {
    const { config, secrets } = resolveRegistryConfig(
      { trackingUri: 'https://alice:s%40cret@mlflow.example.com' },
      {}
    )
    expect(config.baseUrl).toBe('https://mlflow.example.com')
    expect(config.auth).toEqual({ kind: 'basic', username: 'alice', password: 's@cret' })
    expect(secrets).toEqual(expect.arrayContaining(['s%40cret', 's@cret']))
  })

  it('rejects half of a basic-auth pair and contradictory TLS settings', () => {
    expect(() => resolveRegistryConfig({ trackingUri: 'http://h', trackingUsername: 'u' }, {})).toThrow(
      /needs both a username and a password/
    )
    expect(() =>
      resolveRegistryConfig(
        { trackingUri: 'https://h' },
        { MLFLOW_TRACKING_INSECURE_TLS: 'true', MLFLOW_TRACKING_SERVER_CERT_PATH: '/ca.pem' }
      )
    ).toThrow(/cannot both be set/)
  })

  it('reads TLS, timeout and retry settings from the MLFLOW_* variables', () => {
    const { config } = resolveRegistryConfig(
      { trackingUri: 'https://h' },
      {
        MLFLOW_TRACKING_INSECURE_TLS: 'true',
        MLFLOW_HTTP_REQUEST_TIMEOUT: '5',
        MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2',
        MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.1'
      }
    )
    expect(config).toMatchObject({
      insecureTls: true,
      timeoutMs: 5000,
      retry: { maxRetries: 2, baseDelayMs: 100 }
    })
    expect(() =>
      resolveRegistryConfig({ trackingUri: 'http://h' }, { MLFLOW_HTTP_REQUEST_TIMEOUT: 'soon' })
    ).toThrow(/MLFLOW_HTTP_REQUEST_TIMEOUT must be a non-negative number/)
  })
})
